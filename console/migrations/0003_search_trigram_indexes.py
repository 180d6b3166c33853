"""Trigram indexes for the console's substring search (#15 item 10), on PostgreSQL only and only where
pg_trgm can be enabled (it needs the right to create the extension): without them the search still
works, by sequential scan. SQLite has no such index; its LIKE scans."""

from django.db import migrations, transaction

INDEXES = [
    ("console_message_text_trgm", "incidents_message", "text"),
    ("console_incident_description_trgm", "incidents_incident", "description"),
    ("console_reporter_name_trgm", "incidents_reporter", "display_name"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except Exception:  # no right to create it: leave the search unindexed
        return
    for name, table, column in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (UPPER("{column}") gin_trgm_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("console", "0002_alert_settings"), ("incidents", "__first__")]

    operations = [migrations.RunPython(create, drop)]
