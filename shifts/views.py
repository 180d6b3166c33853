"""The hand-over screen (/shifts/handover/) and the roster (/shifts/roster/). Thin: the rules are in
shifts.actions; a refusal is shown above the form with what the operator typed kept."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ess.roles import CONSOLE_ROLES, province_scope, role_required
from incidents.errors import ActionRefused
from shifts import actions


def _user(value: str):
    if not (value or "").isdigit():
        return None
    return get_user_model().objects.filter(pk=int(value), is_active=True).first()


@role_required(*CONSOLE_ROLES)
@require_http_methods(["GET", "POST"])
def handover(request: HttpRequest) -> HttpResponse:
    user = request.user
    error = ""
    if request.method == "POST":
        items = []
        for pk in request.POST.getlist("case"):
            if not pk.isdigit():
                continue
            claim = request.POST.get(f"claim_{pk}", "release")
            handed_to = None
            if claim != "release":
                handed_to = _user(claim)
                if handed_to is None:
                    error = _("Choose the colleague who takes each case, or release it.")
                    continue
            items.append(actions.ItemInput(int(pk), request.POST.get(f"status_{pk}", ""), handed_to=handed_to))
        if not error:
            try:
                done = actions.do_hand_over(
                    user, _user(request.POST.get("incoming", "")), items, request.POST.get("note", "")
                )
            except ActionRefused as refused:
                error = str(refused)
            else:
                messages.success(
                    request,
                    _("Hand-over recorded; %(name)s is asked to acknowledge it.")
                    % {"name": done.to_user.get_full_name() or done.to_user.get_username()},
                )
                return redirect("shifts:handover_detail", done.pk)
    held = list(actions.held_cases(user))
    return render(
        request,
        "shifts/handover.html",
        {
            "held": held,
            "colleagues": list(actions.colleagues(user)),
            "waiting": list(actions.visible_handovers(user).filter(to_user=user, acknowledged_at=None)),
            "recent": list(actions.visible_handovers(user)[:20]),
            "error": error,
            "posted": request.POST if request.method == "POST" else {},
        },
    )


@role_required(*CONSOLE_ROLES)
@require_GET
def handover_detail(request: HttpRequest, pk: int) -> HttpResponse:
    done = get_object_or_404(actions.visible_handovers(request.user), pk=pk)
    return render(
        request,
        "shifts/handover_detail.html",
        {
            "h": done,
            "items": done.items.select_related("incident", "handed_to"),
            "can_ack": done.to_user_id == request.user.pk,
        },
    )


@role_required(*CONSOLE_ROLES)
@require_POST
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    done = get_object_or_404(actions.visible_handovers(request.user), pk=pk)
    try:
        actions.do_acknowledge(done, request.user)
    except ActionRefused as refused:
        messages.error(request, str(refused))
    return redirect("shifts:handover_detail", done.pk)


@role_required(*CONSOLE_ROLES)
@require_GET
def roster(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    entries = (
        actions.roster_in_scope(province_scope(request.user))
        .filter(ends_at__gt=now, starts_at__lt=now + timedelta(days=7))
        .order_by("starts_at", "province_code", "user__username")
    )
    return render(request, "shifts/roster.html", {"entries": list(entries[:1000]), "columns": actions.CSV_COLUMNS})
