"""The dispatch panel the operator console loads into its case panel (hx-get), and its actions.

GET  /console/cases/<id>/dispatch/            the panel (partial for htmx, a whole page otherwise)
POST /console/cases/<id>/dispatch/assign/     assign the chosen agencies (joint dispatch)
POST /console/assignments/<id>/cancel/        cancel with a reason
POST /console/assignments/<id>/reassign/      to another agency or responder, with a reason
POST /console/assignments/<id>/step/<status>/ record a step on the agency's behalf (e.g. acknowledged by phone)

Every action runs a command of dispatch.commands (the API runs the same ones) and answers with the panel
re-rendered (htmx swaps it in place), a refusal or bad input shown on top of it.
"""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from dispatch import assignments as actions
from dispatch import commands, deadlines
from dispatch.models import Agency, Assignment, AssignmentStatus
from dispatch.recommend import covering_agencies, recommend
from dispatch.scoping import visible_incidents
from ess.roles import CONSOLE_ROLES, role_required
from incidents.errors import ActionRefused
from incidents.models import Incident

A = AssignmentStatus
OPERATOR_STEPS = {A.ACKNOWLEDGED, A.EN_ROUTE, A.ON_SCENE, A.COMPLETED}


def _case(request: HttpRequest, pk: int) -> Incident:
    return get_object_or_404(visible_incidents(request.user), pk=pk)


def _panel(request: HttpRequest, incident: Incident, *, error: str = "", status: int = 200) -> HttpResponse:
    incident = Incident.objects.get(pk=incident.pk)
    current = list(incident.assignments.select_related("agency", "responder__user").order_by("-assigned_at"))
    for a in current:
        a.due = deadlines.next_due(a)
    context = {
        "incident": incident,
        "assignments": current,
        "recommendation": recommend(incident),
        "reassign_to": covering_agencies(incident).order_by("kind", "name") if incident.province_code else [],
        "error": error,
        "operator_steps": OPERATOR_STEPS,
        "assignable": incident.status in actions.ASSIGNABLE,
    }
    template = "console/assign_panel.html" if request.htmx else "console/assign_page.html"
    return render(request, template, context, status=status)


def _answer(request: HttpRequest, incident: Incident, error: str = "") -> HttpResponse:
    if request.htmx:
        return _panel(request, incident, error=error)
    if error:
        messages.error(request, error)
    return redirect("dispatch:panel", incident.pk)


@require_GET
@role_required(*CONSOLE_ROLES)
def panel(request: HttpRequest, pk: int) -> HttpResponse:
    return _panel(request, _case(request, pk))


def _run(request: HttpRequest, incident: Incident, command: str, target, data: dict) -> HttpResponse:
    """Run a command of dispatch.commands (the API runs the same) and answer with the panel."""
    try:
        commands.run(command, target, request.user, data)
    except ActionRefused as refusal:
        return _answer(request, incident, str(refusal))
    return _answer(request, incident)


def _codes(ids) -> dict[str, str]:
    """The panel names agencies by id; the commands by code."""
    ids = [i for i in ids if str(i).isdigit()]
    return {str(pk): code for pk, code in Agency.objects.filter(pk__in=ids).values_list("pk", "code")}


@require_POST
@role_required(*CONSOLE_ROLES)
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _case(request, pk)
    chosen = list(dict.fromkeys(request.POST.getlist("agency")))
    codes = _codes(chosen)
    picks = [
        {"agency": codes[agency_id], "responder": request.POST.get(f"responder_{agency_id}") or None}
        for agency_id in chosen
        if agency_id in codes
    ]
    data = {"agencies": picks, "expected_version": request.POST.get("version") or None}
    return _run(request, incident, "assign", incident, data)


def _assignment(request: HttpRequest, pk: int) -> Assignment:
    return get_object_or_404(
        Assignment.objects.select_related("incident"), pk=pk, incident__in=visible_incidents(request.user)
    )


@require_POST
@role_required(*CONSOLE_ROLES)
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = _assignment(request, pk)
    data = {"reason": request.POST.get("reason", "")}
    return _run(request, assignment.incident, "cancel_assignment", assignment, data)


@require_POST
@role_required(*CONSOLE_ROLES)
def reassign(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = _assignment(request, pk)
    agency_id = request.POST.get("agency", "")
    data = {
        "agency": _codes([agency_id]).get(agency_id),
        "responder": request.POST.get("responder") or None,
        "reason": request.POST.get("reason", ""),
    }
    return _run(request, assignment.incident, "reassign", assignment, data)


@require_POST
@role_required(*CONSOLE_ROLES)
def step(request: HttpRequest, pk: int, to_status: str) -> HttpResponse:
    if to_status not in OPERATOR_STEPS:
        raise Http404
    assignment = _assignment(request, pk)
    data = {"status": to_status, "outcome": request.POST.get("outcome", "")}
    return _run(request, assignment.incident, "advance", assignment, data)
