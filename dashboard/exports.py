"""The dashboard's CSV export of a case list.

UTF-8 with a byte-order mark, so Excel opens Thai text as Thai; every text cell that a spreadsheet would
read as a formula is prefixed with an apostrophe (OWASP's advice against CSV injection; `neutralise` says
what counts); reporters' identity only when the role may see it, and such an export is
recorded (an ExportRecord plus an "identity_exported" event on every case in it).
"""

import csv
from collections.abc import Iterable, Iterator

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from dashboard.models import ExportRecord
from ess.models import Role
from ess.spreadsheet import looks_like_formula, neutralise  # noqa: F401 (the exports use them)
from incidents import geo
from incidents.models import Category, EventKind, Incident, IncidentEvent, Priority, Status

BOM = "\ufeff"
# OWASP's list (= + - @, tab, carriage return), checked on the first character that is not blank, after
# Unicode compatibility folding, so full-width ＝ ＋ － ＠ and small ﹦ ﹢ ﹣ ﹫ count too.
IDENTITY_ROLES = (Role.SUPERVISOR, Role.ADMIN)
CHUNK = 2000

COLUMNS = [
    ("reference", "reference"),
    ("received_at", "received (Asia/Bangkok)"),
    ("province_code", "province code"),
    ("province", "province"),
    ("district", "district"),
    ("category", "category"),
    ("status", "status"),
    ("priority", "priority"),
    ("referred_to", "referred to"),
    ("triaged_at", "triaged"),
    ("dispatched_at", "dispatched"),
    ("acknowledged_at", "acknowledged"),
    ("on_scene_at", "on scene"),
    ("resolved_at", "resolved"),
    ("closed_at", "closed"),
    ("latitude", "latitude"),
    ("longitude", "longitude"),
    ("address", "address"),
    ("description", "description"),
]
IDENTITY_COLUMNS = [
    ("reporter__display_name", "reporter display name"),
    ("reporter__line_user_id", "reporter LINE user id"),
    ("reporter__phone", "reporter phone"),
]


def may_export_identity(role: str | None) -> bool:
    return role in IDENTITY_ROLES


class _Line:
    """csv.writer wants a file; this one hands back each line it is given."""

    def write(self, value: str) -> str:
        return value


def csv_lines(qs: QuerySet[Incident], with_identity: bool) -> Iterator[str]:
    """The export, line by line, BOM first. Reads the cases in chunks (one query per chunk)."""
    columns = COLUMNS + (IDENTITY_COLUMNS if with_identity else [])
    writer = csv.writer(_Line())
    yield BOM + writer.writerow([title for _f, title in columns])
    fields = [f for f, _t in COLUMNS if f not in {"province", "district"}] + ["district_code"]
    if with_identity:
        fields += [f for f, _t in IDENTITY_COLUMNS]
    categories, statuses, priorities = dict(Category.choices), dict(Status.choices), dict(Priority.choices)
    for row in qs.order_by("received_at", "id").values(*fields).iterator(chunk_size=CHUNK):
        row["province"] = geo.province_name(row["province_code"])
        row["district"] = geo.district_name(row["district_code"])
        row["category"] = categories.get(row["category"], row["category"])
        row["status"] = statuses.get(row["status"], row["status"])
        row["priority"] = priorities.get(row["priority"], row["priority"])
        yield writer.writerow([neutralise(row[f]) for f, _t in columns])


def record_export(user, role: str, qs: QuerySet[Incident], query: str, with_identity: bool) -> ExportRecord:
    """Log the export before it is sent; with identity, also on every case's timeline (who, when, which)."""
    with transaction.atomic():
        rows = qs.count()
        export = ExportRecord.objects.create(user=user, role=role, query=query, rows=rows, with_identity=with_identity)
        if with_identity:
            _bulk_events(export, qs.order_by().values_list("pk", flat=True).iterator(chunk_size=CHUNK), user)
    return export


def _bulk_events(export: ExportRecord, pks: Iterable[int], user) -> None:
    batch = []
    now = timezone.now()
    for pk in pks:
        batch.append(
            IncidentEvent(
                incident_id=pk,
                actor=user,
                kind=EventKind.IDENTITY_EXPORTED,
                created_at=now,
                data={"export_id": export.pk},
            )
        )
        if len(batch) >= CHUNK:
            IncidentEvent.objects.bulk_create(batch)
            batch = []
    if batch:
        IncidentEvent.objects.bulk_create(batch)
