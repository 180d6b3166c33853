"""Triggers that mark a Bangkok day dirty (dashboard.models.DirtyDay) whenever a case received that day, or
one of its assignments, changes in a column the dashboard counts — whatever wrote it. Asia/Bangkok is UTC+7
all year (no daylight saving), which the SQLite version relies on."""

from django.db import migrations

INCIDENT_COLUMNS = (
    "category, status, province_code, latitude, longitude, referred_to, received_at, triaged_at, dispatched_at,"
    " acknowledged_at, on_scene_at, resolved_at, is_drill"
)
ASSIGNMENT_COLUMNS = "incident_id, agency_id, status, assigned_at, acknowledged_at, on_scene_at, completed_at"

POSTGRESQL = [
    """CREATE FUNCTION dashboard_incident_dirty() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO dashboard_dirtyday (day) VALUES ((OLD.received_at AT TIME ZONE 'Asia/Bangkok')::date);
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.received_at IS DISTINCT FROM OLD.received_at) THEN
        INSERT INTO dashboard_dirtyday (day) VALUES ((NEW.received_at AT TIME ZONE 'Asia/Bangkok')::date);
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql""",
    f"""CREATE TRIGGER dashboard_incident_dirty
    AFTER INSERT OR DELETE OR UPDATE OF {INCIDENT_COLUMNS} ON incidents_incident
    FOR EACH ROW EXECUTE FUNCTION dashboard_incident_dirty()""",
    """CREATE FUNCTION dashboard_assignment_dirty() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO dashboard_dirtyday (day)
            SELECT (received_at AT TIME ZONE 'Asia/Bangkok')::date FROM incidents_incident WHERE id = OLD.incident_id;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO dashboard_dirtyday (day)
            SELECT (received_at AT TIME ZONE 'Asia/Bangkok')::date FROM incidents_incident WHERE id = NEW.incident_id;
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql""",
    f"""CREATE TRIGGER dashboard_assignment_dirty
    AFTER INSERT OR DELETE OR UPDATE OF {ASSIGNMENT_COLUMNS} ON dispatch_assignment
    FOR EACH ROW EXECUTE FUNCTION dashboard_assignment_dirty()""",
]

POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS dashboard_assignment_dirty ON dispatch_assignment",
    "DROP FUNCTION IF EXISTS dashboard_assignment_dirty()",
    "DROP TRIGGER IF EXISTS dashboard_incident_dirty ON incidents_incident",
    "DROP FUNCTION IF EXISTS dashboard_incident_dirty()",
]

# SQLite keeps datetimes as UTC text ('YYYY-MM-DD HH:MM:SS[.ffffff]'): date(…, '+7 hours') is the Bangkok day.
SQLITE = [
    """CREATE TRIGGER dashboard_incident_dirty_insert AFTER INSERT ON incidents_incident BEGIN
        INSERT INTO dashboard_dirtyday (day) VALUES (date(NEW.received_at, '+7 hours'));
    END""",
    f"""CREATE TRIGGER dashboard_incident_dirty_update AFTER UPDATE OF {INCIDENT_COLUMNS} ON incidents_incident
    BEGIN
        INSERT INTO dashboard_dirtyday (day) VALUES (date(OLD.received_at, '+7 hours'));
        INSERT INTO dashboard_dirtyday (day) SELECT date(NEW.received_at, '+7 hours')
            WHERE date(NEW.received_at, '+7 hours') IS NOT date(OLD.received_at, '+7 hours');
    END""",
    """CREATE TRIGGER dashboard_incident_dirty_delete AFTER DELETE ON incidents_incident BEGIN
        INSERT INTO dashboard_dirtyday (day) VALUES (date(OLD.received_at, '+7 hours'));
    END""",
    """CREATE TRIGGER dashboard_assignment_dirty_insert AFTER INSERT ON dispatch_assignment BEGIN
        INSERT INTO dashboard_dirtyday (day)
            SELECT date(received_at, '+7 hours') FROM incidents_incident WHERE id = NEW.incident_id;
    END""",
    f"""CREATE TRIGGER dashboard_assignment_dirty_update AFTER UPDATE OF {ASSIGNMENT_COLUMNS} ON dispatch_assignment
    BEGIN
        INSERT INTO dashboard_dirtyday (day)
            SELECT date(received_at, '+7 hours') FROM incidents_incident WHERE id IN (OLD.incident_id, NEW.incident_id);
    END""",
    """CREATE TRIGGER dashboard_assignment_dirty_delete AFTER DELETE ON dispatch_assignment BEGIN
        INSERT INTO dashboard_dirtyday (day)
            SELECT date(received_at, '+7 hours') FROM incidents_incident WHERE id = OLD.incident_id;
    END""",
]
SQLITE_NAMES = [
    f"dashboard_{table}_dirty_{op}" for table in ("incident", "assignment") for op in ("insert", "update", "delete")
]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor in ("postgresql", "sqlite"):
        for sql in POSTGRESQL if vendor == "postgresql" else SQLITE:
            schema_editor.execute(sql, params=None)
    else:
        raise NotImplementedError(f"dirty-day triggers are not written for {vendor}")


def drop(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    for sql in POSTGRESQL_REVERSE if postgresql else [f"DROP TRIGGER IF EXISTS {n}" for n in SQLITE_NAMES]:
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0002_rollups"),
        ("incidents", "0008_incident_is_drill"),
        ("dispatch", "0007_agency_is_national"),
    ]

    operations = [migrations.RunPython(create, drop)]
