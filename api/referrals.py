"""Follow-up referrals (ส่งต่อ) over the API: the same domain functions the console and the responder view
call (referrals.actions), so the rules and refusals are theirs. Console tokens see the referrals of their
provinces; a responder token, those its agency owns. Changes also reach the events feed: each one appends
a `referral_*` event to the case's timeline."""

from datetime import date
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema
from pydantic import Field

from api.auth import principal
from api.errors import BadInput, NotFound
from api.idempotency import idempotent
from api.schemas import AGENCY_CODE_PATTERN, MAX_ID, Error
from api.views import COMMON, IdempotencyKey, Ref, _case
from dispatch.models import Agency
from referrals import actions
from referrals.models import Outcome, Person, Referral, ReferralKind, ReferralStatus, TaskKind
from referrals.scoping import overdue_referrals, visible_referrals

router = Router(tags=["referrals"])

ReferralId = Path(..., ge=1, le=MAX_ID)
# 400: a body that is not JSON; 409: an idempotency key reused with another body.
POSTED = {400: Error, 404: Error, 409: Error, **COMMON}
TEXT = r"\S"


class TaskOut(Schema):
    id: int
    kind: TaskKind
    due_on: date
    overdue: bool
    note: str
    done_at: str | None
    result: str
    cancelled: bool


class ReferralOut(Schema):
    id: int
    case: str
    kind: ReferralKind
    kind_label: str
    person: Person
    owner_agency: str
    owner_agency_name: str
    volunteer_name: str
    reason: str
    province_code: str
    status: ReferralStatus
    outcome: str
    outcome_note: str
    reporter_told: bool
    created_at: str
    closed_at: str | None
    tasks: list[TaskOut]


class ReferralPage(Schema):
    referrals: list[ReferralOut]


class TaskIn(Schema):
    kind: TaskKind
    due_on: date
    note: str = Field("", max_length=2000)


class ReferIn(Schema):
    kind: ReferralKind
    owner_agency: str = Field(..., pattern=AGENCY_CODE_PATTERN, description="Agency code.")
    person: Person
    reason: str = Field(..., max_length=4000, pattern=TEXT)
    volunteer_name: str = Field("", max_length=200)
    tasks: list[TaskIn] | None = Field(None, max_length=20, description="Default: the kind's standard tasks.")


class DoneIn(Schema):
    result: str = Field(..., max_length=4000, pattern=TEXT)


class CloseIn(Schema):
    outcome: Outcome
    note: str = Field("", max_length=4000)


class FlagsIn(Schema):
    flags: dict[Literal["child", "elderly", "disabled", "out_of_school"], bool] = Field(
        ..., min_length=1, description='Flags to set (true) or clear (false), e.g. {"child": true}; others stay.'
    )


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def referral_out(r: Referral) -> dict:
    return {
        "id": r.pk,
        "case": r.incident.reference,
        "kind": r.kind,
        "kind_label": str(r.get_kind_display()),
        "person": r.person,
        "owner_agency": r.owner_agency.code,
        "owner_agency_name": r.owner_agency.name,
        "volunteer_name": r.volunteer_name,
        "reason": r.reason,
        "province_code": r.province_code,
        "status": r.status,
        "outcome": r.outcome,
        "outcome_note": r.outcome_note,
        "reporter_told": r.reporter_told,
        "created_at": r.created_at.isoformat(),
        "closed_at": _iso(r.closed_at),
        "tasks": [
            {
                "id": t.pk,
                "kind": t.kind,
                "due_on": t.due_on,
                "overdue": t.is_overdue(),
                "note": t.note,
                "done_at": _iso(t.done_at),
                "result": t.result,
                "cancelled": t.cancelled_at is not None,
            }
            for t in r.tasks.all()
        ],
    }


def _referral(user, pk: int) -> Referral:
    referral = visible_referrals(user).prefetch_related("tasks").filter(pk=pk).first()
    if referral is None:
        raise NotFound(_("No follow-up %(id)s among those you can see.") % {"id": pk})
    return referral


def _answer(user, pk: int) -> tuple[int, dict]:
    return 200, ReferralOut.model_validate(referral_out(_referral(user, pk))).model_dump(mode="json")


@router.get("/referrals", response={200: ReferralPage, **COMMON}, url_name="referral_list")
def list_referrals(
    request,
    status: ReferralStatus | None = None,
    overdue: bool = Query(False, description="Only open follow-ups with a task past its due day."),
    case: str | None = Query(None, max_length=20, description="Only this case's follow-ups."),
):
    """The follow-ups you can see, newest first (at most 500)."""
    user = principal(request)
    rows = overdue_referrals(user) if overdue else visible_referrals(user)
    if status:
        rows = rows.filter(status=status)
    if case:
        # No reference holds a NUL, which PostgreSQL cannot even compare (a 500 before): no such case.
        rows = rows.none() if "\x00" in case else rows.filter(incident__reference=case)
    rows = rows.prefetch_related("tasks").order_by("-created_at", "-pk")[:500]
    return {"referrals": [referral_out(r) for r in rows]}


@router.get("/referrals/{referral_id}", response={200: ReferralOut, 404: Error, **COMMON}, url_name="referral_detail")
def referral_detail(request, referral_id: int = ReferralId):
    return referral_out(_referral(principal(request), referral_id))


@router.post(
    "/cases/{ref}/referrals",
    response={200: ReferralOut, **POSTED},
    url_name="case_refer_followup",
)
def refer(request, payload: ReferIn, ref: str = Ref, idempotency_key: str | None = IdempotencyKey):
    """Refer a resolved case's child, elderly or disabled person for follow-up (the reporter is told in
    neutral words unless they asked for safe contact only)."""
    user = principal(request)
    case = _case(user, ref)
    agency = Agency.objects.filter(code=payload.owner_agency).first()
    if agency is None:
        raise BadInput(_("No agency %(code)s.") % {"code": payload.owner_agency}, field="owner_agency")

    def act():
        referral = actions.do_refer(
            case,
            user,
            kind=payload.kind,
            owner_agency=agency,
            person=payload.person,
            reason=payload.reason,
            volunteer_name=payload.volunteer_name,
            tasks=[actions.TaskInput(t.kind, t.due_on, t.note) for t in payload.tasks] if payload.tasks else None,
        )
        return _answer(user, referral.pk)

    return idempotent(request, user, idempotency_key, payload.model_dump(mode="json"), act)


@router.post("/cases/{ref}/flags", response={200: dict, **POSTED}, url_name="case_flags")
def set_flags(request, payload: FlagsIn, ref: str = Ref, idempotency_key: str | None = IdempotencyKey):
    """Set or clear who is involved: child, elderly, disabled, out_of_school (omitted ones stay)."""
    user = principal(request)
    case = _case(user, ref)
    changes = dict(payload.flags)

    def act():
        updated = actions.set_flags(case, user, changes)
        return 200, {"case": updated.reference, "flags": updated.flags}

    return idempotent(request, user, idempotency_key, payload.model_dump(mode="json"), act)


@router.post("/referrals/{referral_id}/tasks", response={200: ReferralOut, **POSTED}, url_name="referral_add_task")
def add_task(request, payload: TaskIn, referral_id: int = ReferralId, idempotency_key: str | None = IdempotencyKey):
    user = principal(request)
    referral = _referral(user, referral_id)

    def act():
        actions.do_add_task(referral, user, actions.TaskInput(payload.kind, payload.due_on, payload.note))
        return _answer(user, referral.pk)

    return idempotent(request, user, idempotency_key, payload.model_dump(mode="json"), act)


@router.post(
    "/referrals/{referral_id}/tasks/{task_id}/done",
    response={200: ReferralOut, **POSTED},
    url_name="referral_task_done",
)
def complete_task(
    request,
    payload: DoneIn,
    referral_id: int = ReferralId,
    task_id: int = Path(..., ge=1, le=MAX_ID),
    idempotency_key: str | None = IdempotencyKey,
):
    user = principal(request)
    referral = _referral(user, referral_id)
    task = referral.tasks.filter(pk=task_id).first()
    if task is None:
        raise NotFound(_("No task %(id)s on this follow-up.") % {"id": task_id})

    def act():
        actions.do_complete_task(task, user, payload.result)
        return _answer(user, referral.pk)

    return idempotent(request, user, idempotency_key, payload.model_dump(mode="json"), act)


@router.post("/referrals/{referral_id}/close", response={200: ReferralOut, **POSTED}, url_name="referral_close")
def close(request, payload: CloseIn, referral_id: int = ReferralId, idempotency_key: str | None = IdempotencyKey):
    user = principal(request)
    referral = _referral(user, referral_id)

    def act():
        actions.do_close_referral(referral, user, payload.outcome, payload.note)
        return _answer(user, referral.pk)

    return idempotent(request, user, idempotency_key, payload.model_dump(mode="json"), act)
