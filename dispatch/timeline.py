"""One timeline line, in the reader's language, for the events dispatch writes: registered with the
registry of incidents.timeline (this module is imported by DispatchConfig.ready)."""

from django.utils.translation import gettext as _

from dispatch.models import AssignmentStatus
from incidents.models import EventKind, IncidentEvent, Status
from incidents.timeline import describes, label

KINDS = {
    EventKind.ASSIGNED,
    EventKind.ASSIGNMENT,
    EventKind.REASSIGNED,
    EventKind.RESPONDER_CHANGED,
    EventKind.STAND_DOWN,
    EventKind.DISPATCH_ALERT,
    EventKind.REPORTER_UPDATE,
}


def _agency(data: dict) -> str:
    return data.get("agency_name") or data.get("agency", "")


def describe(event: IncidentEvent) -> str | None:
    """The line for one of dispatch's kinds, None for any other."""
    from incidents.timeline import DESCRIBERS

    return DESCRIBERS[event.kind](event, event.data or {}) if event.kind in KINDS else None


@describes(EventKind.ASSIGNED)
def _assigned(event, data):
    who = f" ({data['responder']})" if data.get("responder") else ""
    return _("Assigned to %(agency)s%(who)s") % {"agency": _agency(data), "who": who}


@describes(EventKind.ASSIGNMENT)
def _assignment(event, data):
    text = _("%(agency)s: %(from)s → %(to)s") % {
        "agency": _agency(data),
        "from": label(AssignmentStatus, data.get("from", "")),
        "to": label(AssignmentStatus, data.get("status", "")),
    }
    if data.get("reason"):
        text += " · " + _("reason: %(text)s") % {"text": data["reason"]}
    if data.get("outcome"):
        text += " · " + _("outcome: %(text)s") % {"text": data["outcome"]}
    return text


@describes(EventKind.REASSIGNED)
def _reassigned(event, data):
    return _("%(agency)s handed the case on to %(to)s: %(reason)s") % {
        "agency": _agency(data),
        "to": data.get("to_agency", ""),
        "reason": data.get("reason", ""),
    }


@describes(EventKind.RESPONDER_CHANGED)
def _responder_changed(event, data):
    return _("%(agency)s: responder now %(who)s") % {"agency": _agency(data), "who": data.get("responder") or "—"}


@describes(EventKind.STAND_DOWN)
def _stand_down(event, data):
    return _("%(agency)s stood down: %(reason)s") % {"agency": _agency(data), "reason": data.get("reason", "")}


@describes(EventKind.DISPATCH_ALERT)
def _dispatch_alert(event, data):
    if data.get("why") == "declined":
        return _("ALERT: %(agency)s declined: %(reason)s") % {"agency": _agency(data), "reason": data.get("reason", "")}
    return _("ALERT (level %(level)s): %(agency)s has not acknowledged after %(minutes)s minutes") % {
        "level": data.get("level", ""),
        "agency": _agency(data),
        "minutes": data.get("minutes", "?"),
    }


@describes(EventKind.REPORTER_UPDATE)
def _reporter_update(event, data):
    text = _("The reporter was told: %(status)s") % {"status": label(Status, data.get("status", ""))}
    withheld = len(data.get("withheld") or {})
    if withheld:
        text += " · " + _("held or not delivered for %(n)s (safe contact or blocked)") % {"n": withheld}
    return text
