"""Follow-up referral screens: the section the console's case panel includes, the list, one referral, and
the forms posted from the console, the responder view and the list. Thin: each view finds the row within
the user's reach (404 outside it), calls referrals.actions and renders the fresh state, a refusal shown
on top of it.
"""

from datetime import date

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dispatch.scoping import visible_incidents
from ess.roles import CONSOLE_ROLES, RESPONDER_ROLES, role_required
from incidents.errors import ActionRefused
from incidents.models import Incident
from referrals import actions
from referrals.models import FollowUpTask, Outcome, Referral, ReferralStatus, TaskKind
from referrals.scoping import overdue_referrals, visible_referrals, with_task_counts
from referrals.templatetags.referrals import case_section_context

ALL_ROLES = tuple(dict.fromkeys((*CONSOLE_ROLES, *RESPONDER_ROLES)))


def _case(request: HttpRequest, pk: int) -> Incident:
    return get_object_or_404(visible_incidents(request.user), pk=pk)


def _case_section(request: HttpRequest, case: Incident, error: str = "", done: bool = False) -> HttpResponse:
    case = Incident.objects.get(pk=case.pk)
    context = case_section_context(request.user, case)
    context.update(error=error, done=done, request=request)
    if request.htmx:
        return render(request, "referrals/case_section.html", context)
    if error:
        messages.error(request, error)
    return redirect(f"/console/?case={case.pk}")


@require_POST
@role_required(*CONSOLE_ROLES)
def set_flags(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    # Every flag the form shows is sent: a box left unticked clears that flag.
    changes = {name: request.POST.get(name) == "1" for name in request.POST.getlist("flag_names")}
    try:
        actions.set_flags(case, request.user, changes)
    except ActionRefused as refused:
        return _case_section(request, case, str(refused))
    return _case_section(request, case, done=True)


def _due(value: str) -> date | None:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        return None


@require_POST
@role_required(*CONSOLE_ROLES)
def refer(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    agency = request.POST.get("owner_agency", "")
    try:
        actions.do_refer(
            case,
            request.user,
            kind=request.POST.get("kind", ""),
            owner_agency=int(agency) if agency.isdigit() else 0,
            person=request.POST.get("person", ""),
            reason=request.POST.get("reason", ""),
            volunteer_name=request.POST.get("volunteer_name", ""),
        )
    except ActionRefused as refused:
        return _case_section(request, case, str(refused))
    return _case_section(request, case, done=True)


def _back(request: HttpRequest, referral_pk: int) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("referrals:detail", referral_pk)


@require_GET
@role_required(*ALL_ROLES)
def referral_list(request: HttpRequest) -> HttpResponse:
    overdue_only = request.GET.get("overdue") == "1"
    if overdue_only:
        rows = overdue_referrals(request.user)
    else:
        status = request.GET.get("status", ReferralStatus.OPEN)
        rows = with_task_counts(visible_referrals(request.user))
        if status in ReferralStatus.values:
            rows = rows.filter(status=status)
        rows = rows.order_by("next_due", "-created_at")
    return render(
        request,
        "referrals/list.html",
        {"referrals": list(rows[:500]), "overdue_only": overdue_only, "status": request.GET.get("status", "open")},
    )


@require_GET
@role_required(*ALL_ROLES)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    referral = get_object_or_404(visible_referrals(request.user), pk=pk)
    return render(request, "referrals/detail.html", _detail_context(request, referral))


def _detail_context(request: HttpRequest, referral: Referral) -> dict:
    return {
        "r": referral,
        "tasks": list(referral.tasks.select_related("done_by")),
        "can_work": actions.can_work(referral, request.user),
        "task_kinds": TaskKind.choices,
        "outcomes": Outcome.choices,
        "next": request.get_full_path(),
        "today": timezone.localdate(),
    }


@require_POST
@role_required(*ALL_ROLES)
def add_task(request: HttpRequest, pk: int) -> HttpResponse:
    referral = get_object_or_404(visible_referrals(request.user), pk=pk)
    due = _due(request.POST.get("due_on", ""))
    try:
        if due is None:
            raise actions.InvalidInput(_("Give the day the task is due."))
        actions.do_add_task(
            referral, request.user, actions.TaskInput(request.POST.get("kind", ""), due, request.POST.get("note", ""))
        )
    except ActionRefused as refused:
        messages.error(request, str(refused))
    return _back(request, referral.pk)


@require_POST
@role_required(*ALL_ROLES)
def complete_task(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(FollowUpTask, pk=pk, referral__in=visible_referrals(request.user).values("pk"))
    try:
        actions.do_complete_task(task, request.user, request.POST.get("result", ""))
    except ActionRefused as refused:
        messages.error(request, str(refused))
    return _back(request, task.referral_id)


@require_POST
@role_required(*ALL_ROLES)
def close(request: HttpRequest, pk: int) -> HttpResponse:
    referral = get_object_or_404(visible_referrals(request.user), pk=pk)
    try:
        actions.do_close_referral(referral, request.user, request.POST.get("outcome", ""), request.POST.get("note", ""))
    except ActionRefused as refused:
        messages.error(request, str(refused))
    return _back(request, referral.pk)
