"""The act endpoints: each one calls the domain function the console calls (incidents.triage for the
case, dispatch.assignments for agencies), so the rules and refusals are theirs. The API adds only what
HTTP needs: finding the case within the caller's reach (404), the role the console's view requires
(403), well-formed input (422 naming the field), and `Idempotency-Key`."""

from django.utils.translation import gettext as _
from ninja import Path, Router, Schema
from pydantic import Field

from api import serialize
from api.auth import principal
from api.errors import BadInput, Forbidden, NotFound
from api.idempotency import idempotent
from api.schemas import AGENCY_CODE_PATTERN, MAX_ID, REFERENCE_PATTERN, CaseDetail, Error
from api.views import COMMON, IdempotencyKey, Ref, _case
from dispatch import assignments
from dispatch.models import Agency, AssignmentStatus, Responder
from dispatch.scoping import visible_assignments, visible_incidents
from ess.roles import CONSOLE_ROLES, role_of
from incidents import triage
from incidents.models import Category, Hotline

router = Router(tags=["act"])

AssignmentId = Path(..., ge=1, le=MAX_ID)

ANSWERS = {200: CaseDetail, 400: Error, 404: Error, 409: Error, **COMMON}
# A required free text must say something (the domain refuses blank ones; the API names the field).
TEXT = r"\S"


class VersionIn(Schema):
    expected_version: int | None = Field(
        None, ge=1, description="The version you last saw; if the case moved on since, 409 and nothing applied."
    )


class TriageIn(VersionIn):
    category: Category | None = None
    priority: int | None = Field(None, ge=1, le=3)


class NoteIn(VersionIn):
    text: str = Field(..., max_length=4000, pattern=TEXT)


class DuplicateIn(VersionIn):
    master: str = Field(..., pattern=REFERENCE_PATTERN, description="Reference of the case this one repeats.")


class ReasonIn(VersionIn):
    reason: str = Field(..., max_length=2000, pattern=TEXT)


class NoteOptionalIn(VersionIn):
    note: str = Field("", max_length=2000)


class ReferIn(VersionIn):
    hotline: Hotline
    note: str = Field("", max_length=2000)


class CloseIn(VersionIn):
    outcome: str = Field(..., max_length=4000, pattern=TEXT)


class PickIn(Schema):
    agency: str = Field(..., pattern=AGENCY_CODE_PATTERN, description="Agency code.")
    responder: int | None = Field(None, ge=1, le=MAX_ID, description="A responder of that agency (id), optional.")


class AssignIn(VersionIn):
    agencies: list[PickIn] = Field(..., min_length=1, max_length=10)


class AssignmentStatusIn(Schema):
    status: AssignmentStatus
    reason: str = Field("", max_length=2000, description="Required to decline or cancel.")
    outcome: str = Field("", max_length=4000, description="Required to complete.")


class ReassignIn(Schema):
    agency: str = Field(..., pattern=AGENCY_CODE_PATTERN)
    responder: int | None = Field(None, ge=1, le=MAX_ID)
    reason: str = Field(..., max_length=2000, pattern=TEXT)


def _console_role(user) -> None:
    # The console's case and dispatch views are for these roles (role_required(*CONSOLE_ROLES)).
    if role_of(user) not in CONSOLE_ROLES:
        raise Forbidden(_("Your role does not allow working on cases."))


def _detail(request, user, reference: str) -> dict:
    return CaseDetail.model_validate(serialize.case_detail(request, _case(user, reference), user)).model_dump(
        mode="json"
    )


def _on_case(request, ref: str, payload: Schema | None, key: str | None, do):
    """Find the case in reach, check the role, then `do(case, user)` once per idempotency key."""
    user = principal(request)
    case = _case(user, ref)
    _console_role(user)

    def act():
        do(case, user)
        return 200, _detail(request, user, case.reference)

    return idempotent(request, user, key, payload.model_dump(mode="json") if payload else {}, act)


def _pick(code: str, responder_id: int | None, field: str) -> assignments.Pick:
    agency = Agency.objects.filter(code=code).first()
    if agency is None:
        raise BadInput(_("No agency %(code)s.") % {"code": code}, field=f"{field}.agency")
    responder = None
    if responder_id is not None:
        responder = Responder.objects.filter(pk=responder_id, agency=agency).first()
        if responder is None:
            raise BadInput(
                _("No responder %(id)s in %(agency)s.") % {"id": responder_id, "agency": agency.name},
                field=f"{field}.responder",
            )
    return assignments.Pick(agency, responder)


# --- the case (incidents.triage) -------------------------------------------------------------------------


@router.post("/cases/{ref}/claim", response=ANSWERS, url_name="case_claim")
def claim(request, payload: VersionIn, ref: str = Ref, idempotency_key: str | None = IdempotencyKey):
    """Claim the case (everyone sees who works on it); claiming your own claim again extends it."""
    return _on_case(
        request,
        ref,
        payload,
        idempotency_key,
        lambda case, user: triage.claim(case.pk, user, expected_version=payload.expected_version),
    )


@router.post("/cases/{ref}/release", response=ANSWERS, url_name="case_release")
def release(request, payload: VersionIn, ref: str = Ref, idempotency_key: str | None = IdempotencyKey):
    return _on_case(
        request,
        ref,
        payload,
        idempotency_key,
        lambda case, user: triage.release(case.pk, user, expected_version=payload.expected_version),
    )


@router.post("/cases/{ref}/take-over", response=ANSWERS, url_name="case_take_over")
def take_over(request, payload: VersionIn, ref: str = Ref, idempotency_key: str | None = IdempotencyKey):
    """Take another's claim: a supervisor at any time, anyone once it expired."""
    return _on_case(
        request,
        ref,
        payload,
        idempotency_key,
        lambda case, user: triage.take_over(case.pk, user, expected_version=payload.expected_version),
    )


@router.post("/cases/{ref}/triage", response=ANSWERS, url_name="case_triage")
def set_triage(request, payload: TriageIn, ref: str = Ref, idempotency_key: str | None = IdempotencyKey):
    """Set category and/or priority; a new case with a known category becomes triaged."""
    return _on_case(
        request,
        ref,
        payload,
        idempotency_key,
        lambda case, user: triage.set_triage(
            case.pk,
            user,
            category=payload.category,
            priority=payload.priority,
            expected_version=payload.expected_version,
        ),
    )


@router.post("/cases/{ref}/notes", response=ANSWERS, url_name="case_note")
def add_note(request, payload: NoteIn, ref: str = Ref, idempotency_key: str | None = IdempotencyKey):
    """An internal note on the timeline (never sent to the reporter)."""
    return _on_case(
        request,
        ref,
        payload,
        idempotency_key,
        lambda case, user: triage.add_note(case.pk, user, payload.text, expected_version=payload.expected_version),
    )


@router.post("/cases/{ref}/duplicate", response=ANSWERS, url_name="case_duplicate")
def mark_duplicate(request, payload: DuplicateIn, ref: str = Ref, idempotency_key: str | None = IdempotencyKey):
    """Merge this case into `master`; its reporter hears of the master's progress from now on."""

    def do(case, user):
        master = visible_incidents(user).filter(reference=payload.master).first()
        if master is None:
            raise BadInput(_("No case %(ref)s among the cases you can see.") % {"ref": payload.master}, field="master")
        triage.mark_duplicate(case.pk, master.pk, user, expected_version=payload.expected_version)

    return _on_case(request, ref, payload, idempotency_key, do)


@router.post("/cases/{ref}/false-report", response=ANSWERS, url_name="case_false_report")
def mark_false_report(request, payload: ReasonIn, ref: str = Ref, idempotency_key: str | None = IdempotencyKey):
    """Mark a false report (counted against the reporter until a supervisor reverses it)."""
    return _on_case(
        request,
        ref,
        payload,
        idempotency_key,
        lambda case, user: triage.mark_false_report(
            case.pk, user, payload.reason, expected_version=payload.expected_version
        ),
    )


@router.post("/cases/{ref}/false-report/confirm", response=ANSWERS, url_name="case_false_report_confirm")
def confirm_false_report(
    request, payload: NoteOptionalIn, ref: str = Ref, idempotency_key: str | None = IdempotencyKey
):
    """A supervisor confirms the false report: the case closes."""
    return _on_case(
        request,
        ref,
        payload,
        idempotency_key,
        lambda case, user: triage.confirm_false_report(
            case.pk, user, payload.note, expected_version=payload.expected_version
        ),
    )


@router.post("/cases/{ref}/false-report/reverse", response=ANSWERS, url_name="case_false_report_reverse")
def reverse_false_report(request, payload: ReasonIn, ref: str = Ref, idempotency_key: str | None = IdempotencyKey):
    """A supervisor finds the report was real: back to triage, no longer counted."""
    return _on_case(
        request,
        ref,
        payload,
        idempotency_key,
        lambda case, user: triage.reverse_false_report(
            case.pk, user, payload.reason, expected_version=payload.expected_version
        ),
    )


@router.post("/cases/{ref}/refer", response=ANSWERS, url_name="case_refer")
def refer(request, payload: ReferIn, ref: str = Ref, idempotency_key: str | None = IdempotencyKey):
    """Refer to 191, 1669 or 1300; the reporter is told in their language."""
    return _on_case(
        request,
        ref,
        payload,
        idempotency_key,
        lambda case, user: triage.refer(
            case.pk, user, payload.hotline, note=payload.note, expected_version=payload.expected_version
        ),
    )


@router.post("/cases/{ref}/close", response=ANSWERS, url_name="case_close")
def close(request, payload: CloseIn, ref: str = Ref, idempotency_key: str | None = IdempotencyKey):
    """Close with the outcome (a triaged case handled on the chat is resolved and closed at once)."""
    return _on_case(
        request,
        ref,
        payload,
        idempotency_key,
        lambda case, user: triage.close(case.pk, user, payload.outcome, expected_version=payload.expected_version),
    )


# --- agencies on the case (dispatch.assignments) ---------------------------------------------------------


@router.post("/cases/{ref}/assignments", response=ANSWERS, url_name="case_assign")
def assign(request, payload: AssignIn, ref: str = Ref, idempotency_key: str | None = IdempotencyKey):
    """Assign one or several agencies at once (joint dispatch), each optionally with a named responder."""

    def do(case, user):
        picks = [_pick(p.agency, p.responder, f"agencies.{i}") for i, p in enumerate(payload.agencies)]
        assignments.do_assign(case.pk, picks, actor=user, expected_version=payload.expected_version)

    return _on_case(request, ref, payload, idempotency_key, do)


def _assignment(user, assignment_id: int):
    found = visible_assignments(user).select_related("incident").filter(pk=assignment_id).first()
    if found is None:
        raise NotFound(_("No assignment %(id)s among those you can see.") % {"id": assignment_id})
    return found


@router.post("/assignments/{assignment_id}/status", response=ANSWERS, url_name="assignment_status")
def assignment_status(
    request,
    payload: AssignmentStatusIn,
    assignment_id: int = AssignmentId,
    idempotency_key: str | None = IdempotencyKey,
):
    """Move an assignment along (acknowledged, en_route, on_scene, completed with `outcome`; declined or
    cancelled with `reason`) — for agencies answering from their own systems. The case follows."""
    user = principal(request)
    current = _assignment(user, assignment_id)

    def act():
        assignments.do_advance(current.pk, payload.status, actor=user, reason=payload.reason, outcome=payload.outcome)
        return 200, _detail(request, user, current.incident.reference)

    return idempotent(request, user, idempotency_key, payload.model_dump(mode="json"), act)


@router.post("/assignments/{assignment_id}/reassign", response=ANSWERS, url_name="assignment_reassign")
def reassign(
    request, payload: ReassignIn, assignment_id: int = AssignmentId, idempotency_key: str | None = IdempotencyKey
):
    """Hand a live assignment to another agency (or another responder of the same agency)."""
    user = principal(request)
    current = _assignment(user, assignment_id)
    _console_role(user)

    def act():
        assignments.do_reassign(
            current.pk, _pick(payload.agency, payload.responder, "body"), payload.reason, actor=user
        )
        return 200, _detail(request, user, current.incident.reference)

    return idempotent(request, user, idempotency_key, payload.model_dump(mode="json"), act)
