"""Every write to a case that someone else must see goes through these functions.

Each one: takes the case's row lock (select_for_update; on SQLite the IMMEDIATE transaction is the lock),
checks its preconditions against the fresh row, applies the change with `save(update_fields=...)`, bumps
`version`, writes a timeline event, and publishes a live update after commit (ess.live).
Views, consumers, commands and tests call these; nothing else writes cases.
"""

from collections.abc import Callable
from contextlib import contextmanager

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from ess import live
from incidents import files, geo
from incidents.errors import IllegalTransition, StaleIncident
from incidents.lifecycle import MILESTONES, can_transition
from incidents.models import (
    Attachment,
    Category,
    EventKind,
    Incident,
    IncidentEvent,
    Message,
    Priority,
    Reporter,
    Status,
)
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


def live_message(event: IncidentEvent, incident: Incident) -> dict:
    """The one live message of a timeline event, as every group hears it (ess.live.publish): which case
    changed and how, never its content (each screen re-reads what its viewer may see)."""
    return {
        "type": "incident.changed",
        "event_id": event.pk,
        "incident_id": incident.pk,
        "kind": str(event.kind),
        "province_code": incident.province_code,
    }


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
    live.publish([*live.groups_for_incident(incident.province_code), *extra_groups], live_message(event, incident))
    return event


def save_case(incident: Incident, fields: list[str]) -> None:
    """Write `fields` of a locked case and bump its version (stale forms are then refused)."""
    incident.version += 1
    incident.save(update_fields=[*fields, "version", "updated_at"])


# --- Leaving the dispatch flow -------------------------------------------------------------------------
# A case that becomes a duplicate, a false report, a referral or is cancelled no longer needs help sent.
# `incidents` does not know who was sent (that is `dispatch`), so whoever cares registers a handler here
# (dispatch does, in its AppConfig.ready) and do_transition calls every handler inside the transaction that
# moves the case: whichever entry point moved it (console, API, the reporter on LINE, a command), the
# agencies are stood down with it, or not at all if the move is rolled back.

LEFT_DISPATCH = frozenset({Status.DUPLICATE, Status.FALSE_REPORT, Status.REFERRED, Status.CANCELLED})

LeftDispatchHandler = Callable[..., None]  # handler(case, *, from_status, actor, data)
_left_dispatch_handlers: list[LeftDispatchHandler] = []


def on_left_dispatch(handler: LeftDispatchHandler) -> LeftDispatchHandler:
    """Register `handler(case, *, from_status, actor, data)`, called with the case locked when it leaves
    the dispatch flow. Registering the same handler twice keeps one."""
    if handler not in _left_dispatch_handlers:
        _left_dispatch_handlers.append(handler)
    return handler


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
            # The one drill rule (#17): a drill reporter's case is a drill case, whoever opens it.
            is_drill=bool(reporter is not None and reporter.is_drill),
        )
        record(incident, EventKind.CREATED, actor=actor, to_status=incident.status, data={"source": source})
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
        save_case(case, fields)
        record(case, EventKind.STATUS, actor=actor, from_status=from_status, to_status=to_status, data=data)
        if to_status in LEFT_DISPATCH and from_status not in LEFT_DISPATCH:
            for handler in _left_dispatch_handlers:
                handler(case, from_status=from_status, actor=actor, data=data or {})
    return case


# --- The reporter's side of a case (the LINE intake calls these) ------------------------------------


def do_attach_message(incident: Incident, message: Message) -> Message:
    """Link a message (either way) to a case and tell the consoles; the case row itself is unchanged,
    so no lock is needed: timeline events are append-only."""
    with transaction.atomic():
        if message.incident_id != incident.pk:
            message.incident = incident
            message.save(update_fields=["incident"])
        record(
            incident,
            EventKind.MESSAGE,
            actor=message.sent_by,
            data={
                "message_id": message.pk,
                "direction": message.direction,
                "kind": message.kind,
                "text": message.text[:500],
            },
        )
    return message


def do_set_category(incident: Incident | int, category: str, *, actor=None) -> Incident:
    """Set what is happening (a reporter's category tap, or an operator's correction). Locks the case."""
    with locked(incident) as case:
        if case.category == category:
            return case
        previous = case.category
        case.category = category
        save_case(case, ["category"])
        record(case, EventKind.CATEGORY, actor=actor, data={"from": previous, "to": category})
    return case


def do_update_location(
    incident: Incident | int,
    *,
    latitude: float | None,
    longitude: float | None,
    address: str = "",
    province_code: str = "",
    district_code: str = "",
    actor=None,
) -> Incident:
    """Move the case to a newer pin (the reporter may be moved, or pinned roughly at first). The old
    position stays in the timeline event and in the reporter's messages. Locks the case."""
    with locked(incident) as case:
        previous = {
            "latitude": case.latitude,
            "longitude": case.longitude,
            "address": case.address,
            "province_code": case.province_code,
        }
        case.latitude, case.longitude, case.address = latitude, longitude, address
        case.outside_thailand = not geo.in_thailand_box(latitude, longitude)
        case.province_code, case.district_code = province_code, district_code
        save_case(case, ["latitude", "longitude", "address", "outside_thailand", "province_code", "district_code"])
        record(case, EventKind.LOCATION, actor=actor, data={"previous": previous})
    return case


def do_set_place_words(
    incident: Incident | int, words: str, *, province_code: str = "", district_code: str = "", actor=None
) -> Incident:
    """The reporter could not send a pin and wrote where they are: the words become the case's address
    (a pin sent later replaces them), with the province and district they name when they name one
    (geo.resolve_words). A case with a pin keeps it; the words are then on the timeline only. Locks."""
    with locked(incident) as case:
        previous = {"address": case.address, "province_code": case.province_code}
        fields = []
        if case.latitude is None:
            case.address = words[:1000]
            fields.append("address")
            if province_code:
                case.province_code, case.district_code = province_code, district_code
                fields += ["province_code", "district_code"]
        if fields:
            save_case(case, fields)
        record(case, "place_words", actor=actor, data={"words": words[:500], "previous": previous})
    return case


def do_attach_file(
    incident: Incident, message: Message | None, *, name: str, content: bytes, content_type: str
) -> Attachment:
    """Store a reporter's photo (or file) privately and attach it to the case. Only bytes that decode as
    an image are kept as one, re-encoded without metadata; anything else is stored as an opaque download
    (incidents.files). `content_type` is what the sender claimed; the timeline keeps it for the record."""
    clean = files.clean_upload(content)
    name = name.rsplit(".", 1)[0] + clean.extension
    with transaction.atomic():
        attachment = Attachment(
            incident=incident, message=message, content_type=clean.content_type, size=len(clean.data)
        )
        attachment.file.save(name, ContentFile(clean.data), save=False)
        attachment.save()
        record(
            incident,
            EventKind.ATTACHMENT,
            data={
                "attachment_id": attachment.pk,
                "content_type": clean.content_type,
                "declared_type": content_type[:100],
                "message_id": message.pk if message else None,
            },
        )
    return attachment


def do_mark_reporter_unreachable(reporter: Reporter, *, at=None) -> Reporter:
    """The reporter blocked the OA (LINE `unfollow`): pushes would be accepted and never delivered, so
    operators must see that the chat is gone, on every open case of theirs."""
    at = at or timezone.now()
    with transaction.atomic():
        reporter = Reporter.objects.select_for_update().get(pk=reporter.pk)
        if not reporter.is_reachable:
            return reporter
        reporter.is_reachable = False
        reporter.unreachable_since = at
        reporter.save(update_fields=["is_reachable", "unreachable_since"])
        for incident in reporter.incidents.open():
            record(incident, EventKind.REPORTER_UNREACHABLE, data={"since": at.isoformat()})
    return reporter


def do_set_safe_contact(reporter: Reporter, on: bool, *, by: str, actor=None, incident: Incident | None = None) -> bool:
    """Mark a reporter *safe contact only when they write first* (DESIGN §4b), or lift it: then nothing is
    pushed to them and every outbound text is neutral (incidents.line.outbox). `by` is "reporter" (their
    answer on LINE) or "operator". Logged on the timeline of each of their open cases and of `incident`.
    Locks the reporter's row. Returns whether anything changed."""
    with transaction.atomic():
        reporter = Reporter.objects.select_for_update().get(pk=reporter.pk)
        if reporter.safe_contact_only == on:
            return False
        reporter.safe_contact_only = on
        reporter.save(update_fields=["safe_contact_only"])
        cases = {case.pk: case for case in reporter.incidents.open()}
        if incident is not None:
            cases.setdefault(incident.pk, incident)
        for case in cases.values():
            record(case, "safe_contact", actor=actor, data={"on": on, "by": by})
    return True


def do_mark_reporter_reachable(reporter: Reporter) -> Reporter:
    """The reporter followed the OA again."""
    with transaction.atomic():
        updated = Reporter.objects.filter(pk=reporter.pk, is_reachable=False).update(
            is_reachable=True, unreachable_since=None
        )
        if updated:
            for incident in reporter.incidents.open():
                record(incident, EventKind.REPORTER_REACHABLE)
    reporter.refresh_from_db(fields=["is_reachable", "unreachable_since"])
    return reporter


def do_record_delivery_uncertain(message: Message, error: str) -> None:
    """A reply LINE may have delivered (no answer came back): shown on the case, for an operator to decide."""
    if message.incident_id is None:
        return
    record(
        message.incident,
        "delivery_uncertain",
        data={"message_id": message.pk, "error": error[:500], "text": message.text[:200]},
    )


def do_record_delivery_failure(message: Message, error: str) -> None:
    """An outbound message finally failed: it must be visible on the case, never silently dropped."""
    if message.incident_id is None:
        return
    record(
        message.incident,
        EventKind.DELIVERY_FAILED,
        data={"message_id": message.pk, "error": error[:500], "text": message.text[:200]},
    )


def do_set_flags(incident: Incident | int, changes: dict[str, bool], *, actor=None) -> Incident:
    """Set or clear triage flags (child, elderly, disabled, …; they steer routing and follow-up referrals).
    Flags not named in `changes` stay as they are. Locks the case; nothing is written when nothing changes."""
    with locked(incident) as case:
        flags = dict(case.flags) if isinstance(case.flags, dict) else {}
        changed = {name: bool(value) for name, value in changes.items() if bool(flags.get(name)) != bool(value)}
        if not changed:
            return case
        for name, value in changed.items():
            if value:
                flags[name] = True
            else:
                flags.pop(name, None)
        case.flags = flags
        save_case(case, ["flags"])
        record(case, EventKind.FLAGS, actor=actor, data={"changed": changed})
    return case
