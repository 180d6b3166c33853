"""A LINE event that failed is a report nobody may lose (#12 item 2).

Whatever made an event fail (a bug, a value no column takes), the operators see "a LINE message from a
reporter could not be processed" with what could be read of it — who, when, any text or pin — and can
open a case from it; a supervisor can send it through the worker again once the cause is fixed. These
functions are the rules; the console's views only call them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ess.models import Role
from ess.roles import CONSOLE_ROLES, province_scope, role_of
from incidents import actions, geo
from incidents.errors import ActionRefused, NotAllowed
from incidents.line import parser
from incidents.line.models import LineEvent
from incidents.models import Incident, Message, Reporter

SHOWN = 50
SUPERVISOR_ROLES = (Role.SUPERVISOR, Role.ADMIN)


@dataclass(frozen=True)
class FailedReport:
    """What could be read of a failed event."""

    pk: int
    user_id: str
    display_name: str
    sent_at: dt.datetime | None
    received_at: dt.datetime
    kind: str
    text: str
    latitude: float | None
    longitude: float | None
    address: str
    error: str

    @property
    def has_pin(self) -> bool:
        return self.latitude is not None and self.longitude is not None


def _sent_at(event: LineEvent) -> dt.datetime | None:
    try:
        return dt.datetime.fromtimestamp(event.timestamp / 1000, tz=dt.UTC)
    except (ValueError, OverflowError, OSError):
        return None


def read(event: LineEvent, names: dict[str, str] | None = None) -> FailedReport:
    payload = event.payload if isinstance(event.payload, dict) else {}
    try:
        seen = parser.read_event(payload)
        text, address = seen.text or seen.postback or seen.title, seen.address
        latitude, longitude = seen.latitude, seen.longitude
    except Exception:  # the event failed for a reason: reading it must not fail the console too
        text, address, latitude, longitude = "", "", None, None
    return FailedReport(
        pk=event.pk,
        user_id=event.user_id,
        display_name=(names or {}).get(event.user_id, ""),
        sent_at=_sent_at(event),
        received_at=event.received_at,
        kind=event.kind,
        text=text[:1000],
        latitude=latitude,
        longitude=longitude,
        address=address[:300],
        error=event.error[:300],
    )


def _waiting():
    # Events without a user (group events …) are no one's report.
    return LineEvent.objects.filter(state=LineEvent.State.FAILED, handled_at__isnull=True).exclude(user_id="")


def count_waiting() -> int:
    return _waiting().count()


def waiting(limit: int = SHOWN) -> list[FailedReport]:
    events = list(_waiting().order_by("-received_at", "-id")[:limit])
    names = dict(
        Reporter.objects.filter(line_user_id__in={e.user_id for e in events}).values_list(
            "line_user_id", "display_name"
        )
    )
    return [read(event, names) for event in events]


def uncertain_messages(user, limit: int = SHOWN) -> list[Message]:
    """Replies LINE may or may not have delivered (outbox: no answer came back), in the user's provinces."""
    rows = Message.objects.filter(direction=Message.Direction.OUT, delivery=Message.Delivery.UNCERTAIN)
    scope = province_scope(user)
    if scope is not None:
        rows = rows.filter(incident__province_code__in=scope)
    return list(rows.select_related("incident", "reporter").order_by("-created_at", "-id")[:limit])


def count_uncertain(user) -> int:
    rows = Message.objects.filter(direction=Message.Direction.OUT, delivery=Message.Delivery.UNCERTAIN)
    scope = province_scope(user)
    if scope is not None:
        rows = rows.filter(incident__province_code__in=scope)
    return rows.count()


def _check_console(actor) -> None:
    if role_of(actor) not in CONSOLE_ROLES:
        raise NotAllowed(_("Your role does not allow working on cases."))


def _locked_failed(pk: int) -> LineEvent:
    event = LineEvent.objects.select_for_update().filter(pk=pk).first()
    if event is None or event.state != LineEvent.State.FAILED or not event.user_id:
        raise ActionRefused(_("This LINE message is no longer waiting: it was processed or retried."))
    if event.handled_at is not None:
        raise ActionRefused(_("A case was already opened from this LINE message."))
    return event


def open_case(pk: int, actor) -> Incident:
    """Open a case from what could be read of a failed event (any console role). Refused when someone
    already did, or it was retried meanwhile."""
    _check_console(actor)
    with transaction.atomic():
        event = _locked_failed(pk)
        seen = read(event)
        reporter, _created = Reporter.objects.get_or_create(line_user_id=event.user_id)
        province_code, district_code = ("", "")
        if seen.has_pin or seen.address:
            province_code, district_code = geo.resolve(seen.latitude, seen.longitude, seen.address)
        incident = actions.do_create_incident(
            reporter=reporter,
            latitude=seen.latitude,
            longitude=seen.longitude,
            address=seen.address,
            province_code=province_code,
            district_code=district_code,
            description=seen.text,
            received_at=event.received_at,
            actor=actor,
            source="line_failed_event",
        )
        event.handled_at, event.handled_by, event.incident = timezone.now(), actor, incident
        event.save(update_fields=["handled_at", "handled_by", "incident"])
    return incident


def retry(pk: int, actor) -> LineEvent:
    """Send a failed event through the worker again (supervisors: after the cause is fixed). It keeps
    its place in the reporter's order; if it fails again it is shown again."""
    if role_of(actor) not in SUPERVISOR_ROLES:
        raise NotAllowed(_("Only a supervisor can retry a LINE message that could not be processed."))
    with transaction.atomic():
        event = _locked_failed(pk)
        if event.payload.get("unstorable"):
            raise ActionRefused(_("The database refused this message as LINE sent it: open a case from it."))
        event.state, event.attempts, event.processed_at = LineEvent.State.PENDING, 0, None
        event.next_attempt_at = timezone.now()
        event.save(update_fields=["state", "attempts", "processed_at", "next_attempt_at"])
    return event
