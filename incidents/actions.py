"""Every write to a case that someone else must see goes through these functions.

Each one: takes the case's row lock (select_for_update; on SQLite the IMMEDIATE transaction is the lock),
checks its preconditions against the fresh row, applies the change with `save(update_fields=...)`, bumps
`version`, writes a timeline event, and publishes a live update after commit (ess.live).
Views, consumers, commands and tests call these; nothing else writes cases.
"""

from contextlib import contextmanager

from django.db import transaction
from django.utils import timezone

from ess import live
from incidents import geo
from incidents.errors import IllegalTransition, StaleIncident
from incidents.lifecycle import MILESTONES, can_transition
from incidents.models import Category, Incident, IncidentEvent, Priority, Reporter, Status
from incidents.references import next_reference


@contextmanager
def locked(incident_or_pk, expected_version: int | None = None):
    """Yield the case re-read under its row lock, inside a transaction.

    `expected_version` is the version the actor saw; if the case moved on since, StaleIncident is
    raised and nothing is applied.
    """
    pk = getattr(incident_or_pk, "pk", incident_or_pk)
    with transaction.atomic():
        incident = Incident.objects.select_for_update().get(pk=pk)
        if expected_version is not None and incident.version != expected_version:
            raise StaleIncident(incident.reference)
        yield incident


def record(
    incident: Incident,
    kind: str,
    *,
    actor=None,
    from_status: str = "",
    to_status: str = "",
    data: dict | None = None,
    extra_groups: list[str] | tuple[str, ...] = (),
) -> IncidentEvent:
    """Append a timeline event and publish it live once the transaction commits."""
    event = IncidentEvent.objects.create(
        incident=incident,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        data=data or {},
    )
    live.publish(
        [*live.groups_for_incident(incident.province_code), *extra_groups],
        {
            "type": "incident.changed",
            "event_id": event.pk,
            "incident_id": incident.pk,
            "kind": kind,
            "province_code": incident.province_code,
        },
    )
    return event


def save_case(incident: Incident, fields: list[str]) -> None:
    """Write `fields` of a locked case and bump its version (stale forms are then refused)."""
    incident.version += 1
    incident.save(update_fields=[*fields, "version", "updated_at"])


_save = save_case


def do_create_incident(
    *,
    reporter: Reporter | None = None,
    category: str = Category.UNSPECIFIED,
    priority: int = Priority.P2,
    latitude: float | None = None,
    longitude: float | None = None,
    address: str = "",
    province_code: str = "",
    district_code: str = "",
    description: str = "",
    received_at=None,
    actor=None,
    source: str = "line",
) -> Incident:
    """Open a new case with the next reference of the year and announce it."""
    received_at = received_at or timezone.now()
    with transaction.atomic():
        incident = Incident.objects.create(
            reference=next_reference(received_at),
            reporter=reporter,
            category=category,
            priority=priority,
            latitude=latitude,
            longitude=longitude,
            outside_thailand=not geo.in_thailand_box(latitude, longitude),
            address=address,
            province_code=province_code,
            district_code=district_code,
            description=description,
            received_at=received_at,
        )
        record(incident, "created", actor=actor, to_status=incident.status, data={"source": source})
    return incident


def do_transition(
    incident: Incident | int,
    to_status: str,
    *,
    actor=None,
    expected_version: int | None = None,
    data: dict | None = None,
    extra_fields: dict | None = None,
    at=None,
) -> Incident:
    """Move a case to `to_status` if the lifecycle allows it from its *current* (locked) status.

    Two concurrent calls cannot both succeed: the second one waits for the lock, then finds the case
    already moved and raises IllegalTransition (or StaleIncident with `expected_version`).
    `extra_fields` are set in the same write (e.g. referred_to, outcome, duplicate_of).
    `at` backdates the milestone (imports and demo data); live actions leave it to now.
    """
    with locked(incident, expected_version) as case:
        from_status = case.status
        if not can_transition(from_status, to_status):
            raise IllegalTransition(case.reference, case.get_status_display(), Status(to_status).label)
        now = at or timezone.now()
        case.status = to_status
        fields = ["status"]
        milestone = MILESTONES.get(to_status)
        if milestone and getattr(case, milestone) is None:
            setattr(case, milestone, now)
            fields.append(milestone)
        for name, value in (extra_fields or {}).items():
            setattr(case, name, value)
            fields.append(name)
        _save(case, fields)
        record(case, "status", actor=actor, from_status=from_status, to_status=to_status, data=data)
    return case
