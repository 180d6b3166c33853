"""Legal hold: a supervisor keeps a case's photos and its reporter's record from retention and erasure
(a court, the police or the ministry's lawyers need them). Placed and lifted through these two functions
only, each with a reason, each on the case's timeline."""

from django.utils.translation import gettext as _

from ess.models import Role
from ess.roles import province_scope, role_of
from incidents.actions import locked, record, save_case
from incidents.errors import InvalidInput, NotAllowed
from incidents.models import Incident

HOLD_ROLES = (Role.SUPERVISOR, Role.ADMIN)


def _check(case: Incident, actor, reason: str) -> str:
    if role_of(actor) not in HOLD_ROLES:
        raise NotAllowed(_("Only a supervisor places or lifts a legal hold."))
    scope = province_scope(actor)
    if scope is not None and case.province_code not in scope:
        raise NotAllowed(_("Case %(ref)s is outside your provinces.") % {"ref": case.reference})
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Give the reason for the legal hold."))
    return reason[:2000]


def place_legal_hold(incident: Incident | int, actor, reason: str) -> Incident:
    """Hold the case: its media and its reporter are kept until the hold is lifted. Locks the case."""
    with locked(incident) as case:
        reason = _check(case, actor, reason)
        if case.legal_hold:
            raise InvalidInput(_("Case %(ref)s is already on legal hold.") % {"ref": case.reference})
        case.legal_hold, case.legal_hold_reason = True, reason
        save_case(case, ["legal_hold", "legal_hold_reason"])
        record(case, "legal_hold", actor=actor, data={"on": True, "reason": reason})
    return case


def lift_legal_hold(incident: Incident | int, actor, reason: str) -> Incident:
    """Lift the hold: retention applies again from its next run. Locks the case."""
    with locked(incident) as case:
        reason = _check(case, actor, reason)
        if not case.legal_hold:
            raise InvalidInput(_("Case %(ref)s is not on legal hold.") % {"ref": case.reference})
        case.legal_hold, case.legal_hold_reason = False, ""
        save_case(case, ["legal_hold", "legal_hold_reason"])
        record(case, "legal_hold", actor=actor, data={"on": False, "reason": reason})
    return case
