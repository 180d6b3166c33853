"""Every write to a follow-up referral, for every entry point (console, responder view, API, tests).

Each function checks who acts and what the rules allow against fresh, locked rows, writes, appends a
timeline event to the case (incidents.actions.record: the console, the events feed and the owner agency's
responders hear of it after commit) and raises an ActionRefused subclass with a message fit to show as it
is when it refuses; nothing is applied then.

Rules:
- A case may be flagged as involving a child, an elderly or a disabled person (and a child out of school or
  at risk of dropping out) at any time by console staff who cover its province.
- Once the case is resolved (it reached `resolved`, even if closed since), console staff may refer the
  flagged person for follow-up to an agency that fits the kind of referral and covers the case's province.
  An education-equity referral (กสศ.) is for a child flagged as out of school or at risk.
- The owner agency's responders and console staff who cover the province work the tasks and close the
  referral with an outcome; the referral stays open after the case is closed.
- The reporter is told, in neutral words and once per case, that someone will follow up — never when the
  reporter asked for safe contact only (a shared phone may be read by the person hurting them).
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dispatch.models import Agency, AgencyKind, Responder
from ess import live
from ess.models import Role
from ess.roles import CONSOLE_ROLES, province_scope, role_of
from incidents.actions import do_set_flags, record
from incidents.errors import InvalidInput, NotAllowed
from incidents.models import EventKind, Incident, Status
from referrals.models import FollowUpTask, Outcome, Person, Referral, ReferralKind, ReferralStatus, TaskKind

# The flags this app reads and lets console staff set on a case (Incident.flags).
OUT_OF_SCHOOL = "out_of_school"
FLAGS = {
    Person.CHILD: gettext_lazy("A child or young person is involved"),
    Person.ELDERLY: gettext_lazy("An elderly person is involved"),
    Person.DISABLED: gettext_lazy("A person with a disability is involved"),
    OUT_OF_SCHOOL: gettext_lazy("The child is out of school or at risk of dropping out"),
}

# Which kind of agency owns each kind of referral. Community volunteers (อพม.) and the education-equity
# referral are coordinated by the provincial social development office (พมจ.), which hands the child's
# record to the Equitable Education Fund's (กสศ.) programme through the structured export.
OWNER_KINDS: dict[str, tuple[str, ...]] = {
    ReferralKind.CASE_WORKER: (AgencyKind.PROVINCIAL_MSDHS,),
    ReferralKind.VOLUNTEER: (AgencyKind.PROVINCIAL_MSDHS,),
    ReferralKind.SHELTER: (AgencyKind.SHELTER,),
    ReferralKind.EDUCATION: (AgencyKind.PROVINCIAL_MSDHS,),
}

# The tasks a new referral starts with: (task, days from today).
DEFAULT_TASKS: dict[str, list[tuple[str, int]]] = {
    ReferralKind.CASE_WORKER: [(TaskKind.HOME_VISIT, 3), (TaskKind.REVIEW, 30)],
    ReferralKind.VOLUNTEER: [(TaskKind.HOME_VISIT, 7), (TaskKind.REVIEW, 30)],
    ReferralKind.SHELTER: [(TaskKind.REVIEW, 7)],
    ReferralKind.EDUCATION: [(TaskKind.SCHOOL_CONTACT, 7), (TaskKind.HOME_VISIT, 14), (TaskKind.REVIEW, 30)],
}

# Cases that ended without help being given cannot be followed up from here.
NOT_REFERABLE = (Status.DUPLICATE, Status.FALSE_REPORT, Status.CANCELLED, Status.REFERRED)


def reporter_text(reference: str) -> str:
    """What the reporter is told, in the active language: neutral, no category words."""
    return _("About %(ref)s: a member of staff will contact you to follow up on how you are doing.") % {
        "ref": reference
    }


# --- who may act -----------------------------------------------------------------------------------------


def _console_reach(user, province_code: str) -> bool:
    if role_of(user) not in CONSOLE_ROLES:
        return False
    scope = province_scope(user)
    return scope is None or province_code in scope


def _responder_agency_id(user) -> int | None:
    if role_of(user) != Role.RESPONDER:
        return None
    return Responder.objects.filter(user=user).values_list("agency_id", flat=True).first()


def check_case_reach(case: Incident, actor) -> None:
    if not _console_reach(actor, case.province_code):
        raise NotAllowed(_("Case %(ref)s is outside the provinces you cover.") % {"ref": case.reference})


def can_work(referral: Referral, user) -> bool:
    """The owner agency's responders, and console staff who cover the referral's province."""
    if _console_reach(user, referral.province_code):
        return True
    agency_id = _responder_agency_id(user)
    return agency_id is not None and agency_id == referral.owner_agency_id


def check_work(referral: Referral, actor) -> None:
    if not can_work(referral, actor):
        raise NotAllowed(_("This follow-up belongs to another agency or province."))


def is_vulnerable(case: Incident) -> bool:
    flags = case.flags if isinstance(case.flags, dict) else {}
    return any(flags.get(p) for p in Person.values)


def referable(case: Incident) -> bool:
    """Resolving a case with a vulnerable person offers a follow-up referral."""
    return is_vulnerable(case) and case.resolved_at is not None and case.status not in NOT_REFERABLE


def persons_of(case: Incident) -> list[str]:
    flags = case.flags if isinstance(case.flags, dict) else {}
    return [p for p in Person.values if flags.get(p)]


def owner_candidates(case: Incident, kind: str | None = None):
    """Active agencies that may own a referral of `kind` for this case: the right kind, covering its province."""
    kinds = OWNER_KINDS.get(kind) if kind else tuple({k for ks in OWNER_KINDS.values() for k in ks})
    if not kinds:
        return Agency.objects.none()
    return (
        Agency.objects.filter(is_active=True, kind__in=kinds)
        .filter(Q(province_code=case.province_code) | Q(areas__province_code=case.province_code))
        .distinct()
        .order_by("kind", "name")
    )


# --- flags -----------------------------------------------------------------------------------------------


def set_flags(incident: Incident | int, actor, changes: dict[str, bool]) -> Incident:
    """Mark who is involved (child, elderly, disabled, out of school). Only the flags above are set here."""
    unknown = [name for name in changes if name not in FLAGS]
    if unknown:
        raise InvalidInput(_("Unknown flag: %(name)s.") % {"name": ", ".join(unknown)})
    pk = getattr(incident, "pk", incident)
    case = Incident.objects.filter(pk=pk).first()
    if case is None:
        raise InvalidInput(_("No such case."))
    check_case_reach(case, actor)
    return do_set_flags(pk, changes, actor=actor)


# --- referrals -------------------------------------------------------------------------------------------


@dataclass
class TaskInput:
    kind: str
    due_on: date
    note: str = ""


def _check_task(task: TaskInput) -> None:
    if task.kind not in TaskKind.values:
        raise InvalidInput(_("Unknown task."))
    if not isinstance(task.due_on, date):
        raise InvalidInput(_("Give the day the task is due."))
    if task.due_on < timezone.localdate() - timedelta(days=1):
        raise InvalidInput(_("A new task cannot be due in the past."))


def _event(referral: Referral, kind: str, *, actor=None, **data) -> None:
    record(
        referral.incident,
        kind,
        actor=actor,
        data={
            "referral_id": referral.pk,
            "referral_kind": referral.kind,
            "agency": referral.owner_agency.code,
            **data,
        },
        extra_groups=[live.agency_group(referral.owner_agency.code)],
    )


def do_refer(
    incident: Incident | int,
    actor,
    *,
    kind: str,
    owner_agency: Agency | int,
    person: str,
    reason: str,
    volunteer_name: str = "",
    tasks: list[TaskInput] | None = None,
) -> Referral:
    """Refer the case's vulnerable person for follow-up. `tasks` default to DEFAULT_TASKS[kind]."""
    reason = (reason or "").strip()
    if kind not in ReferralKind.values:
        raise InvalidInput(_("Choose who the follow-up goes to."))
    if person not in Person.values:
        raise InvalidInput(_("Choose who is followed up."))
    if not reason:
        raise InvalidInput(_("Say in a line why a follow-up is needed."))
    for task in tasks or []:
        _check_task(task)
    pk = getattr(incident, "pk", incident)
    with transaction.atomic():
        case = Incident.objects.select_for_update().filter(pk=pk).first()  # no outer join: PostgreSQL cannot lock one
        if case is None:
            raise InvalidInput(_("No such case."))
        check_case_reach(case, actor)
        if not referable(case):
            raise InvalidInput(
                _(
                    "Case %(ref)s can be referred for follow-up once it is resolved and flagged as involving a child, "
                    "an elderly or a disabled person."
                )
                % {"ref": case.reference}
            )
        if person not in persons_of(case):
            raise InvalidInput(_("The case is not flagged as involving this person."))
        if kind == ReferralKind.EDUCATION and not (person == Person.CHILD and case.flags.get(OUT_OF_SCHOOL)):
            raise InvalidInput(
                _("An education-equity referral is for a child flagged as out of school or at risk of dropping out.")
            )
        agency_pk = getattr(owner_agency, "pk", owner_agency)
        agency = owner_candidates(case, kind).filter(pk=agency_pk).first()
        if agency is None:
            raise InvalidInput(
                _("That agency cannot own this follow-up: it must be a %(kinds)s covering the case's province.")
                % {"kinds": " / ".join(str(AgencyKind(k).label) for k in OWNER_KINDS[kind])}
            )
        today = timezone.localdate()
        planned = tasks or [TaskInput(k, today + timedelta(days=d)) for k, d in DEFAULT_TASKS[kind]]
        try:
            with transaction.atomic():
                referral = Referral.objects.create(
                    incident=case,
                    kind=kind,
                    person=person,
                    owner_agency=agency,
                    volunteer_name=(volunteer_name or "").strip()[:200] if kind == ReferralKind.VOLUNTEER else "",
                    reason=reason[:4000],
                    province_code=case.province_code,
                    created_by=actor if getattr(actor, "is_authenticated", False) else None,
                )
        except IntegrityError:
            raise InvalidInput(
                _("Case %(ref)s already has an open referral of this kind.") % {"ref": case.reference}
            ) from None
        FollowUpTask.objects.bulk_create(
            [FollowUpTask(referral=referral, kind=t.kind, due_on=t.due_on, note=t.note[:2000]) for t in planned]
        )
        _event(referral, EventKind.REFERRAL_MADE, actor=actor, owner=agency.name, person=person, note=reason[:500])
        _tell_reporter(case, referral, actor)
    return referral


def _tell_reporter(case: Incident, referral: Referral, actor) -> None:
    """Once per case, and never to a safe-contact-only or unreachable reporter."""
    reporter = case.reporter
    if reporter is None or reporter.safe_contact_only or not reporter.is_reachable:
        return
    if Referral.objects.filter(incident=case, reporter_told=True).exists():
        return
    from incidents.line.outbox import send_to_reporter

    with translation.override(reporter.language):
        text = reporter_text(case.reference)
    send_to_reporter(reporter, text, incident=case, sent_by=actor)
    referral.reporter_told = True
    referral.save(update_fields=["reporter_told"])


def _locked_referral(referral: Referral | int) -> Referral:
    pk = getattr(referral, "pk", referral)
    found = Referral.objects.select_for_update().filter(pk=pk).first()
    if found is None:
        raise InvalidInput(_("No such referral."))
    return Referral.objects.select_related("incident", "owner_agency").get(pk=found.pk)


def _check_open(referral: Referral) -> None:
    if not referral.is_open:
        raise InvalidInput(_("This follow-up is closed."))


def do_add_task(referral: Referral | int, actor, task: TaskInput) -> FollowUpTask:
    _check_task(task)
    with transaction.atomic():
        referral = _locked_referral(referral)
        check_work(referral, actor)
        _check_open(referral)
        created = FollowUpTask.objects.create(
            referral=referral, kind=task.kind, due_on=task.due_on, note=(task.note or "").strip()[:2000]
        )
        _event(referral, EventKind.REFERRAL_TASK_ADDED, actor=actor, task=task.kind, due_on=task.due_on.isoformat())
    return created


def do_complete_task(task: FollowUpTask | int, actor, result: str) -> FollowUpTask:
    """Record that a task was done and what was found."""
    result = (result or "").strip()
    if not result:
        raise InvalidInput(_("Write what was done or found."))
    pk = getattr(task, "pk", task)
    with transaction.atomic():
        found = FollowUpTask.objects.filter(pk=pk).values_list("referral_id", flat=True).first()
        if found is None:
            raise InvalidInput(_("No such task."))
        referral = _locked_referral(found)
        check_work(referral, actor)
        _check_open(referral)
        task = FollowUpTask.objects.get(pk=pk)
        if not task.is_pending:
            raise InvalidInput(_("This task is already done."))
        task.done_at = timezone.now()
        task.done_by = actor if getattr(actor, "is_authenticated", False) else None
        task.result = result[:4000]
        task.save(update_fields=["done_at", "done_by", "result"])
        _event(referral, EventKind.REFERRAL_TASK_DONE, actor=actor, task=task.kind, text=result[:500])
    return task


def do_close_referral(referral: Referral | int, actor, outcome: str, note: str = "") -> Referral:
    """End the follow-up with its outcome; tasks still pending are no longer needed."""
    if outcome not in Outcome.values:
        raise InvalidInput(_("Choose the outcome of the follow-up."))
    with transaction.atomic():
        referral = _locked_referral(referral)
        check_work(referral, actor)
        _check_open(referral)
        now = timezone.now()
        referral.status = ReferralStatus.CLOSED
        referral.outcome = outcome
        referral.outcome_note = (note or "").strip()[:4000]
        referral.closed_at = now
        referral.closed_by = actor if getattr(actor, "is_authenticated", False) else None
        referral.save(update_fields=["status", "outcome", "outcome_note", "closed_at", "closed_by"])
        referral.tasks.pending().update(cancelled_at=now)
        _event(referral, EventKind.REFERRAL_CLOSED, actor=actor, outcome=outcome, note=referral.outcome_note[:500])
    return referral
