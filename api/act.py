"""The act endpoints: each one runs a command of dispatch.commands — the same typed input (its form) and
the same domain function the console runs — so the rules, the refusals and the bad-input answers are
theirs. The API adds only what HTTP needs: finding the case within the caller's reach (404), the role the
console's view requires (403), the JSON body (an object, its members of the documented types; 422
naming the field), and `Idempotency-Key`. Each body's schema is generated from the command's form."""

import json

from django.utils.translation import gettext as _
from ninja import Path, Router

from api import serialize
from api.auth import principal
from api.errors import ApiError, BadInput, Forbidden, NotFound
from api.idempotency import idempotent
from api.schemas import MAX_ID, CaseDetail, CaseEnded, Error
from api.views import COMMON, IdempotencyKey, Ref, _case
from dispatch import commands
from dispatch.scoping import visible_assignments, visible_incidents
from ess.roles import CONSOLE_ROLES, role_of
from incidents.models import Incident

router = Router(tags=["act"])

AssignmentId = Path(..., ge=1, le=MAX_ID)

ANSWERS = {200: CaseDetail, 400: Error, 404: Error, 409: Error, **COMMON}
# An agency that just ended its own assignment (completed, declined) no longer sees the case: it hears the
# outcome only (#11 item 3).
ASSIGNMENT_ANSWERS = {**ANSWERS, 200: CaseDetail | CaseEnded}


def _body_doc(command: str) -> dict:
    schema = commands.json_schema(commands.COMMANDS[command].form)
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def _json(request, command: str) -> dict:
    """The body as the command's data: a JSON object whose members have the documented types."""
    raw = request.body or b"{}"
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(_("The request body is not valid JSON."), field="body") from None  # 400
    try:
        return commands.check_json(command, data)
    except commands.InvalidForm as bad:
        raise BadInput(str(bad), field=bad.field) from None


def _run(command: str, target, user, data: dict):
    try:
        return commands.run(command, target, user, data)
    except commands.InvalidForm as bad:
        raise BadInput(str(bad), field=bad.field) from None


def _console_role(user) -> None:
    # The console's case and dispatch views are for these roles (role_required(*CONSOLE_ROLES)).
    if role_of(user) not in CONSOLE_ROLES:
        raise Forbidden(_("Your role does not allow working on cases."))


def _detail(request, user, reference: str) -> dict:
    return CaseDetail.model_validate(serialize.case_detail(request, _case(user, reference), user)).model_dump(
        mode="json"
    )


def _case_endpoint(path: str, command: str, name: str, doc: str) -> None:
    """POST /cases/{ref}/<path>: run `command` on the case, once per idempotency key."""

    def endpoint(request, ref: str = Ref, idempotency_key: str | None = IdempotencyKey):
        user = principal(request)
        case = _case(user, ref)
        _console_role(user)
        data = _json(request, command)

        def act():
            _run(command, case, user, data)
            return 200, _detail(request, user, case.reference)

        return idempotent(request, user, idempotency_key, data, act)

    router.post(
        f"/cases/{{ref}}/{path}",
        response=ANSWERS,
        url_name=name,
        operation_id=name,
        summary=doc.split(".")[0],
        description=doc,
        openapi_extra=_body_doc(command),
    )(endpoint)


def _assignment(user, assignment_id: int):
    found = visible_assignments(user).select_related("incident").filter(pk=assignment_id).first()
    if found is None:
        raise NotFound(_("No assignment %(id)s among those you can see.") % {"id": assignment_id})
    return found


def _assignment_endpoint(path: str, command: str, name: str, doc: str, *, console_only: bool) -> None:
    """POST /assignments/{id}/<path>: run `command` on the assignment."""

    def endpoint(request, assignment_id: int = AssignmentId, idempotency_key: str | None = IdempotencyKey):
        user = principal(request)
        current = _assignment(user, assignment_id)
        if console_only:
            _console_role(user)
        data = _json(request, command)

        def act():
            _run(command, current, user, data)
            reference = current.incident.reference
            case = visible_incidents(user).filter(reference=reference).first()
            if case is None:
                case = Incident.objects.get(pk=current.incident_id)
                return 200, {"reference": case.reference, "status": case.status, "outcome": case.outcome}
            return 200, _detail(request, user, reference)

        return idempotent(request, user, idempotency_key, data, act)

    router.post(
        f"/assignments/{{assignment_id}}/{path}",
        response=ASSIGNMENT_ANSWERS,
        url_name=name,
        operation_id=name,
        summary=doc.split(".")[0],
        description=doc,
        openapi_extra=_body_doc(command),
    )(endpoint)


# --- the case (incidents.triage) -------------------------------------------------------------------------

_case_endpoint(
    "claim",
    "claim",
    "case_claim",
    "Claim the case (everyone sees who works on it); claiming your own claim again extends it.",
)
_case_endpoint("release", "release", "case_release", "Give your claim back to the queue.")
_case_endpoint(
    "take-over",
    "take_over",
    "case_take_over",
    "Take another's claim: a supervisor at any time, anyone once it expired.",
)
_case_endpoint(
    "triage", "triage", "case_triage", "Set category and/or priority; a new case with a known category becomes triaged."
)
_case_endpoint("notes", "note", "case_note", "An internal note on the timeline (never sent to the reporter).")
_case_endpoint(
    "duplicate",
    "duplicate",
    "case_duplicate",
    "Merge this case into `master`; its reporter hears "
    "of the master's progress from now on, and agencies on it are stood down.",
)
_case_endpoint(
    "duplicate/undo",
    "undo_duplicate",
    "case_duplicate_undo",
    "A supervisor undoes a merge: the case is its own again (new or triaged, as it was), both cases' "
    "timelines say so, and a reporter who was told of the merge is told their own reference counts again.",
)
_case_endpoint(
    "false-report",
    "false_report",
    "case_false_report",
    "Mark a false report (counted against the reporter until a supervisor reverses it); agencies on it are stood down.",
)
_case_endpoint(
    "false-report/confirm",
    "confirm_false_report",
    "case_false_report_confirm",
    "A supervisor confirms the false report: the case closes.",
)
_case_endpoint(
    "false-report/reverse",
    "reverse_false_report",
    "case_false_report_reverse",
    "A supervisor finds the report was real: back to triage, no longer counted.",
)
_case_endpoint(
    "refer",
    "refer",
    "case_refer",
    "Refer to 191, 1669 or 1300; the reporter is told in their language, and agencies on it are stood down.",
)
_case_endpoint(
    "cancel",
    "cancel",
    "case_cancel",
    "Cancel the case for the reporter (help is no longer "
    "needed); agencies on it are stood down and the reporter is told.",
)
_case_endpoint(
    "close",
    "close",
    "case_close",
    "Close with the outcome (a triaged case handled on the chat is resolved and closed at once).",
)
_case_endpoint("reply", "reply", "case_reply", "Write to the reporter on LINE (through the outbox).")
_case_endpoint(
    "safe-contact",
    "safe_contact",
    "case_safe_contact",
    "Safe contact only when the reporter writes first (on: no pushes, neutral texts) or not (off).",
)

# --- agencies on the case (dispatch.assignments) ---------------------------------------------------------

_case_endpoint(
    "assignments",
    "assign",
    "case_assign",
    "Assign one or several agencies at once (joint dispatch), each optionally with a named responder.",
)
_case_endpoint(
    "stand-down",
    "stand_down",
    "case_stand_down",
    "Stand every agency on the case down, with a reason; the case goes back to triage.",
)
_assignment_endpoint(
    "status",
    "advance",
    "assignment_status",
    "Move an assignment along (acknowledged, en_route, on_scene, completed with `outcome`; declined or "
    "cancelled with `reason`), for agencies answering from their own systems. The case follows.",
    console_only=False,
)
_assignment_endpoint(
    "reassign",
    "reassign",
    "assignment_reassign",
    "Hand a live assignment to another agency (or another responder of the same agency).",
    console_only=True,
)
