"""Assigning agencies to a case and moving each assignment through its states.

Every function here: takes the case's row lock first (incidents.actions.locked), then the assignment's,
re-checks its preconditions on the fresh rows, writes, records a timeline event heard by the console, the
province's supervisors and the agency's responders (ess.live.agency_group), and lets the case status
follow the assignments through incidents.actions.do_transition — all in one transaction, so a refusal
changes nothing and nobody hears of a change that was rolled back.

Assignment: pending → acknowledged → en_route → on_scene → completed; declined (reason) from pending or
acknowledged; cancelled (reason; also by reassignment) from any live state.
The case: dispatched while assignments wait, then the most advanced live assignment's state
(acknowledged / en_route / on_scene; never backwards), resolved when none is live and one completed, back
to triaged when every assignment was declined or cancelled.
"""

from dataclasses import dataclass

from django.db import IntegrityError
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch import reporter_updates
from dispatch.models import ACTIVE_ASSIGNMENT_STATUSES, Agency, Assignment, AssignmentStatus, Responder
from ess import live
from ess.models import Role
from ess.roles import CONSOLE_ROLES, role_of
from incidents import geo
from incidents.actions import do_transition, locked, record, save_case
from incidents.errors import ActionRefused, NotAllowed
from incidents.lifecycle import can_transition
from incidents.models import EventKind, Incident, Status
from incidents.triage import check_reach, claim_fields

A = AssignmentStatus

FLOW: dict[str, frozenset[str]] = {
    A.PENDING: frozenset({A.ACKNOWLEDGED, A.DECLINED, A.CANCELLED}),
    # acknowledged → completed: handled without going (e.g. settled by phone with the family).
    A.ACKNOWLEDGED: frozenset({A.EN_ROUTE, A.ON_SCENE, A.COMPLETED, A.DECLINED, A.CANCELLED}),
    A.EN_ROUTE: frozenset({A.ON_SCENE, A.CANCELLED}),
    A.ON_SCENE: frozenset({A.COMPLETED, A.CANCELLED}),
    A.COMPLETED: frozenset(),
    A.DECLINED: frozenset(),
    A.CANCELLED: frozenset(),
}
# The one button a responder sees next, in order.
NEXT_STEP = {A.PENDING: A.ACKNOWLEDGED, A.ACKNOWLEDGED: A.EN_ROUTE, A.EN_ROUTE: A.ON_SCENE, A.ON_SCENE: A.COMPLETED}
STAMPS = {
    A.ACKNOWLEDGED: "acknowledged_at",
    A.EN_ROUTE: "en_route_at",
    A.ON_SCENE: "on_scene_at",
    A.COMPLETED: "completed_at",
    A.DECLINED: "ended_at",
    A.CANCELLED: "ended_at",
}

# Case statuses that may take a new assignment.
ASSIGNABLE = (Status.NEW, Status.TRIAGED, Status.DISPATCHED, Status.ACKNOWLEDGED, Status.EN_ROUTE, Status.ON_SCENE)
# How far along a live assignment has brought the case.
CASE_STATUS_OF = {
    A.PENDING: Status.DISPATCHED,
    A.ACKNOWLEDGED: Status.ACKNOWLEDGED,
    A.EN_ROUTE: Status.EN_ROUTE,
    A.ON_SCENE: Status.ON_SCENE,
}
PROGRESS = [Status.TRIAGED, Status.DISPATCHED, Status.ACKNOWLEDGED, Status.EN_ROUTE, Status.ON_SCENE]


@dataclass
class Pick:
    """One agency to assign, optionally naming the responder who should go."""

    agency: Agency
    responder: Responder | None = None


def _event(case: Incident, assignment: Assignment, kind: str, *, actor=None, data: dict | None = None) -> None:
    record(
        case,
        kind,
        actor=actor,
        data={
            "assignment_id": assignment.pk,
            "agency": assignment.agency.code,
            "agency_name": assignment.agency.name,
            "status": assignment.status,
            "responder": str(assignment.responder) if assignment.responder_id else "",
            **(data or {}),
        },
        extra_groups=[live.agency_group(assignment.agency.code)],
    )


def _responder_of(actor) -> Responder | None:
    if role_of(actor) != Role.RESPONDER:
        return None
    return Responder.objects.filter(user=actor).select_related("agency").first()


def _check_actor(actor, assignment: Assignment) -> None:
    """Responders act only on their own agency's assignments; operators, supervisors and admins on any."""
    if role_of(actor) == Role.RESPONDER:
        responder = _responder_of(actor)
        if responder is None or responder.agency_id != assignment.agency_id:
            raise NotAllowed(_("This assignment belongs to another agency."))


def _check_claim(case: Incident, actor) -> None:
    """Console staff act on a case within their reach whose claim is theirs or free (acting claims it);
    someone else's live claim is refused, supervisors included, until they take it over
    (incidents.triage.claim_fields). Responders act on their agency's assignments; the system (actor None:
    deadlines, imports) is not bound by claims. Precondition: the case is locked."""
    if actor is None or role_of(actor) not in CONSOLE_ROLES:
        return
    check_reach(case, actor)
    if case.is_open:
        save_case(case, claim_fields(case, actor, timezone.now()))


def _check_covers(agency: Agency, case: Incident) -> None:
    """An agency is sent only to cases in the areas it covers, unless it is national: it would read the
    case, its messages and photos (every entry point refuses it here, whatever its form offered)."""
    if not agency.covers(case):
        raise NotAllowed(
            _("%(agency)s does not cover %(area)s, where case %(ref)s is.")
            % {
                "agency": agency.name,
                "area": geo.district_name(case.district_code) or geo.province_name(case.province_code) or "—",
                "ref": case.reference,
            }
        )


def target_case_status(assignments) -> str:
    """The status the case should have, given all its assignments (see the module docstring)."""
    live_ones = [a.status for a in assignments if a.status in ACTIVE_ASSIGNMENT_STATUSES]
    if live_ones:
        return max((CASE_STATUS_OF[s] for s in live_ones), key=PROGRESS.index)
    if any(a.status == A.COMPLETED for a in assignments):
        return Status.RESOLVED
    return Status.TRIAGED


def _follow(case: Incident, *, actor=None, now=None) -> Incident:
    """Move the (locked) case to the status its assignments call for, forward only, and tell the
    reporter about the milestones they should hear of."""
    assignments = list(case.assignments.all())
    target = target_case_status(assignments)
    current = case.status
    if target == current:
        return case
    if (
        target in PROGRESS
        and current in PROGRESS
        and target != Status.TRIAGED
        and PROGRESS.index(target) < PROGRESS.index(current)
    ):
        return case  # one agency dropped out (declined, cancelled) while another is further along
    if not can_transition(current, target):
        return case
    extra, data = {}, {"by": "assignments"}
    if target == Status.RESOLVED:
        outcomes = [f"{a.agency.name}: {a.outcome}" for a in assignments if a.status == A.COMPLETED and a.outcome]
        extra = {"outcome": "\n".join(outcomes)}
    elif target == Status.TRIAGED:
        data["reason"] = "every assignment was declined or cancelled"
    case = do_transition(case.pk, target, actor=actor, data=data, extra_fields=extra, at=now)
    reporter_updates.notify_reporters(case, target)
    return case


def do_assign(
    incident: Incident | int, picks: list[Pick], *, actor=None, expected_version: int | None = None, now=None
) -> list[Assignment]:
    """Assign one or several agencies at once (joint dispatch), each optionally with a named responder.

    Takes the case lock. Refuses an empty choice, an inactive agency, a responder of another agency, and an
    agency that already has a live assignment on the case. A `new` case is triaged first in the same
    transaction (the timeline says so). Returns the new assignments.
    """
    if not picks:
        raise ActionRefused(_("Choose at least one agency."))
    now = now or timezone.now()
    with locked(incident, expected_version) as case:
        _check_claim(case, actor)
        if case.status not in ASSIGNABLE:
            raise ActionRefused(
                _("Case %(ref)s is “%(status)s”: it cannot be assigned.")
                % {"ref": case.reference, "status": case.get_status_display()}
            )
        seen = set()
        for pick in picks:
            if pick.agency.pk in seen:
                raise ActionRefused(_("%(agency)s was chosen twice.") % {"agency": pick.agency.name})
            seen.add(pick.agency.pk)
            if not pick.agency.is_active:
                raise ActionRefused(_("%(agency)s is not active.") % {"agency": pick.agency.name})
            _check_covers(pick.agency, case)
            if pick.responder is not None and pick.responder.agency_id != pick.agency.pk:
                raise ActionRefused(
                    _("%(person)s does not work for %(agency)s.")
                    % {"person": pick.responder, "agency": pick.agency.name}
                )
            if case.assignments.filter(agency=pick.agency, status__in=ACTIVE_ASSIGNMENT_STATUSES).exists():
                raise ActionRefused(
                    _("%(agency)s is already assigned to case %(ref)s.")
                    % {"agency": pick.agency.name, "ref": case.reference}
                )
        if case.status == Status.NEW:
            case = do_transition(
                case.pk, Status.TRIAGED, actor=actor, at=now, data={"by": "assignment", "note": "triaged on assignment"}
            )
        created = []
        for pick in picks:
            try:
                assignment = Assignment.objects.create(
                    incident=case,
                    agency=pick.agency,
                    responder=pick.responder,
                    assigned_by=_user(actor),
                    assigned_at=now,
                )
            except IntegrityError:  # a concurrent assignment of the same agency won the race
                raise ActionRefused(
                    _("%(agency)s is already assigned to case %(ref)s.")
                    % {"agency": pick.agency.name, "ref": case.reference}
                ) from None
            _event(case, assignment, EventKind.ASSIGNED, actor=actor)
            created.append(assignment)
        _follow(case, actor=actor, now=now)
    return created


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _move(
    assignment: Assignment | int,
    to_status: str,
    *,
    actor=None,
    reason: str = "",
    outcome: str = "",
    now=None,
    kind: str = EventKind.ASSIGNMENT,
) -> Assignment:
    assignment_id = getattr(assignment, "pk", assignment)
    incident_id = Assignment.objects.values_list("incident_id", flat=True).get(pk=assignment_id)
    now = now or timezone.now()
    with locked(incident_id) as case:
        current = (
            Assignment.objects.select_for_update(of=("self",))
            .select_related("agency", "responder__user")
            .get(pk=assignment_id)
        )
        _check_actor(actor, current)
        _check_claim(case, actor)
        if to_status not in FLOW[current.status]:
            raise ActionRefused(
                _("The assignment of %(agency)s is “%(from)s”: it cannot become “%(to)s”.")
                % {
                    "agency": current.agency.name,
                    "from": current.get_status_display(),
                    "to": AssignmentStatus(to_status).label,
                }
            )
        if to_status in (A.DECLINED, A.CANCELLED) and not reason.strip():
            raise ActionRefused(_("Give a reason."))
        if to_status == A.COMPLETED and not outcome.strip():
            raise ActionRefused(_("Write what was done (the outcome)."))
        from_status = current.status
        current.status = to_status
        setattr(current, STAMPS[to_status], now)
        fields = ["status", STAMPS[to_status], "version"]
        if reason:
            current.reason = reason.strip()
            fields.append("reason")
        if outcome:
            current.outcome = outcome.strip()
            fields.append("outcome")
        responder = _responder_of(actor)
        if responder is not None and current.responder_id is None and to_status in NEXT_STEP.values():
            current.responder = responder  # whoever took it on is the one going
            fields.append("responder")
        current.version += 1
        current.save(update_fields=fields)
        _event(
            case,
            current,
            kind,
            actor=actor,
            data={"from": from_status, "reason": current.reason if reason else "", "outcome": outcome.strip()},
        )
        if to_status == A.DECLINED:
            raise_alert(case, current, "declined", actor=actor)
        _follow(case, actor=actor, now=now)
    return current


def raise_alert(
    case: Incident, assignment: Assignment, why: str, *, actor=None, level: int = 0, data: dict | None = None
) -> None:
    """An alert for the console and the province's supervisors: a "dispatch_alert" timeline event, which
    their groups hear like every event of the case (the kind tells their screens to raise it).
    Precondition: the case is locked (called from inside an action)."""
    _event(
        case,
        assignment,
        EventKind.DISPATCH_ALERT,
        actor=actor,
        data={"why": why, "level": level, "reason": assignment.reason, **(data or {})},
    )


def do_acknowledge(assignment, *, actor=None, now=None) -> Assignment:
    return _move(assignment, A.ACKNOWLEDGED, actor=actor, now=now)


def do_set_en_route(assignment, *, actor=None, now=None) -> Assignment:
    return _move(assignment, A.EN_ROUTE, actor=actor, now=now)


def do_set_on_scene(assignment, *, actor=None, now=None) -> Assignment:
    return _move(assignment, A.ON_SCENE, actor=actor, now=now)


def do_complete(assignment, outcome: str, *, actor=None, now=None) -> Assignment:
    return _move(assignment, A.COMPLETED, actor=actor, outcome=outcome, now=now)


def do_decline(assignment, reason: str, *, actor=None, now=None) -> Assignment:
    """Decline raises an alert at once (the case needs someone else)."""
    return _move(assignment, A.DECLINED, actor=actor, reason=reason, now=now)


def do_cancel(assignment, reason: str, *, actor=None, now=None) -> Assignment:
    return _move(assignment, A.CANCELLED, actor=actor, reason=reason, now=now)


def do_advance(assignment, to_status: str, *, actor=None, reason: str = "", outcome: str = "", now=None):
    """The responder view's single entry: move to any state the flow allows."""
    return _move(assignment, to_status, actor=actor, reason=reason, outcome=outcome, now=now)


def do_reassign(assignment: Assignment | int, pick: Pick, reason: str, *, actor=None, now=None) -> Assignment:
    """Hand a live assignment to another agency (or another responder of the same agency), with a reason.

    Another agency: the old assignment is cancelled ("reassigned") and a new pending one created, in one
    transaction, so the case never drops back to triaged in between. Same agency: only the named
    responder changes. Returns the live assignment.
    """
    if not reason.strip():
        raise ActionRefused(_("Give a reason."))
    assignment_id = getattr(assignment, "pk", assignment)
    incident_id = Assignment.objects.values_list("incident_id", flat=True).get(pk=assignment_id)
    now = now or timezone.now()
    with locked(incident_id) as case:
        old = Assignment.objects.select_for_update(of=("self",)).select_related("agency").get(pk=assignment_id)
        _check_actor(actor, old)
        _check_claim(case, actor)
        if old.status not in ACTIVE_ASSIGNMENT_STATUSES:
            raise ActionRefused(_("This assignment is no longer live."))
        if pick.responder is not None and pick.responder.agency_id != pick.agency.pk:
            raise ActionRefused(
                _("%(person)s does not work for %(agency)s.") % {"person": pick.responder, "agency": pick.agency.name}
            )
        if pick.agency.pk == old.agency_id:
            old.responder = pick.responder
            old.version += 1
            old.save(update_fields=["responder", "version"])
            _event(case, old, EventKind.RESPONDER_CHANGED, actor=actor, data={"reason": reason.strip()})
            return old
        if not pick.agency.is_active:
            raise ActionRefused(_("%(agency)s is not active.") % {"agency": pick.agency.name})
        _check_covers(pick.agency, case)
        if case.assignments.filter(agency=pick.agency, status__in=ACTIVE_ASSIGNMENT_STATUSES).exists():
            raise ActionRefused(
                _("%(agency)s is already assigned to case %(ref)s.")
                % {"agency": pick.agency.name, "ref": case.reference}
            )
        old.status, old.ended_at = A.CANCELLED, now
        old.reason = _("Reassigned to %(agency)s: %(reason)s") % {"agency": pick.agency.name, "reason": reason.strip()}
        old.version += 1
        old.save(update_fields=["status", "ended_at", "reason", "version"])
        _event(
            case, old, EventKind.REASSIGNED, actor=actor, data={"to_agency": pick.agency.code, "reason": reason.strip()}
        )
        new = Assignment.objects.create(
            incident=case, agency=pick.agency, responder=pick.responder, assigned_by=_user(actor), assigned_at=now
        )
        _event(case, new, EventKind.ASSIGNED, actor=actor, data={"reassigned_from": old.agency.code})
        _follow(case, actor=actor, now=now)
    return new


def do_stand_down(incident: Incident | int, reason: str, *, actor=None, now=None) -> list[Assignment]:
    """Cancel every live assignment of a case that is leaving the dispatch flow (cancelled by the reporter,
    marked a false report, referred, merged as a duplicate), so the responders stop and hear why.

    For the console's closing actions to call in the same transaction, before or after they move the
    case: the case status is left to them (unlike do_cancel, this never sends the case back to triage).
    Takes the case lock. Returns the assignments it cancelled.
    """
    if not reason.strip():
        raise ActionRefused(_("Give a reason."))
    now = now or timezone.now()
    with locked(incident) as case:
        live_ones = list(
            Assignment.objects.select_for_update(of=("self",))
            .select_related("agency", "responder__user")
            .filter(incident=case, status__in=ACTIVE_ASSIGNMENT_STATUSES)
        )
        for a in live_ones:
            from_status = a.status
            a.status, a.ended_at, a.reason = A.CANCELLED, now, reason.strip()
            a.version += 1
            a.save(update_fields=["status", "ended_at", "reason", "version"])
            _event(case, a, EventKind.STAND_DOWN, actor=actor, data={"from": from_status, "reason": a.reason})
    return live_ones


def stand_down_all(
    incident: Incident | int, reason: str, *, actor=None, expected_version: int | None = None, now=None
) -> list[Assignment]:
    """The console's "stand everyone down": cancel every live assignment of a case that stays open (help
    is no longer needed from these agencies) and let the case follow (back to triaged). Claim rule applies."""
    if not reason.strip():
        raise ActionRefused(_("Give a reason."))
    now = now or timezone.now()
    with locked(incident, expected_version) as case:
        _check_claim(case, actor)
        ended = do_stand_down(case, reason, actor=actor, now=now)
        if not ended:
            raise ActionRefused(_("No agency is on case %(ref)s.") % {"ref": case.reference})
        _follow(case, actor=actor, now=now)
    return ended


def left_dispatch_reason(case: Incident, data: dict) -> str:
    """Why the agencies were stood down, in the words the responders and the timeline show."""
    if case.status == Status.CANCELLED:
        if data.get("by") == "reporter":
            return _("The reporter cancelled the case on LINE")
        return _("Cancelled for the reporter: %(reason)s") % {"reason": data.get("reason", "")}
    if case.status == Status.FALSE_REPORT:
        return _("Marked as a false report")
    if case.status == Status.DUPLICATE:
        return _("Merged into case %(ref)s as a duplicate") % {"ref": data.get("master", "")}
    if case.status == Status.REFERRED:
        return _("Referred to the %(hotline)s hotline") % {"hotline": data.get("hotline", "")}
    return str(case.get_status_display())


def on_left_dispatch(case: Incident, *, from_status: str, actor=None, data: dict) -> None:
    """Registered with incidents.actions.on_left_dispatch (DispatchConfig.ready): the case left the
    dispatch flow, by whatever entry point; stand its agencies down in the same transaction."""
    do_stand_down(case, left_dispatch_reason(case, data), actor=actor)
