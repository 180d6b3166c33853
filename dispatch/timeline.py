"""One timeline line, in the reader's language, for the events dispatch writes. The console's
`describe_event()` can hand these kinds over: `dispatch.timeline.describe(event)` returns None for a kind
that is not dispatch's."""

from django.utils.translation import gettext as _

from dispatch.models import AssignmentStatus
from incidents.models import IncidentEvent, Status

KINDS = {"assigned", "assignment", "reassigned", "responder_changed", "stand_down", "dispatch_alert", "reporter_update"}


def _status(value: str) -> str:
    try:
        return str(AssignmentStatus(value).label)
    except ValueError:
        return value


def describe(event: IncidentEvent) -> str | None:
    if event.kind not in KINDS:
        return None
    data = event.data or {}
    agency = data.get("agency_name") or data.get("agency", "")
    who = f" ({data['responder']})" if data.get("responder") else ""
    if event.kind == "assigned":
        return _("Assigned to %(agency)s%(who)s") % {"agency": agency, "who": who}
    if event.kind == "assignment":
        text = _("%(agency)s: %(from)s → %(to)s") % {
            "agency": agency,
            "from": _status(data.get("from", "")),
            "to": _status(data.get("status", "")),
        }
        if data.get("reason"):
            text += " · " + _("reason: %(text)s") % {"text": data["reason"]}
        if data.get("outcome"):
            text += " · " + _("outcome: %(text)s") % {"text": data["outcome"]}
        return text
    if event.kind == "reassigned":
        return _("%(agency)s handed the case on to %(to)s: %(reason)s") % {
            "agency": agency,
            "to": data.get("to_agency", ""),
            "reason": data.get("reason", ""),
        }
    if event.kind == "responder_changed":
        return _("%(agency)s: responder now %(who)s") % {"agency": agency, "who": data.get("responder") or "—"}
    if event.kind == "stand_down":
        return _("%(agency)s stood down: %(reason)s") % {"agency": agency, "reason": data.get("reason", "")}
    if event.kind == "dispatch_alert":
        if data.get("why") == "declined":
            return _("ALERT: %(agency)s declined: %(reason)s") % {"agency": agency, "reason": data.get("reason", "")}
        return _("ALERT (level %(level)s): %(agency)s has not acknowledged after %(minutes)s minutes") % {
            "level": data.get("level", ""),
            "agency": agency,
            "minutes": data.get("minutes", "?"),
        }
    # reporter_update
    try:
        status = str(Status(data.get("status", "")).label)
    except ValueError:
        status = data.get("status", "")
    withheld = len(data.get("withheld") or {})
    text = _("The reporter was told: %(status)s") % {"status": status}
    if withheld:
        text += " · " + _("held or not delivered for %(n)s (safe contact or blocked)") % {"n": withheld}
    return text
