from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from dispatch.scoping import assignments_for_responder, visible_incidents
from ess.roles import CONSOLE_ROLES, DASHBOARD_ROLES, RESPONDER_ROLES, role_required
from incidents.models import Status


@role_required(*CONSOLE_ROLES)
def console(request: HttpRequest) -> HttpResponse:
    cases = (
        visible_incidents(request.user)
        .open()
        .select_related("reporter", "claimed_by")
        .order_by("priority", "received_at")[:200]
    )
    return render(request, "console/index.html", {"cases": cases})


@role_required(*RESPONDER_ROLES)
def responder_home(request: HttpRequest) -> HttpResponse:
    return render(request, "responder/index.html", {"assignments": assignments_for_responder(request.user)})


@role_required(*DASHBOARD_ROLES)
def dashboard(request: HttpRequest) -> HttpResponse:
    counts = dict(
        visible_incidents(request.user).values_list("status").annotate(n=Count("id")).order_by()
    )
    rows = [(Status(s).label, counts.get(s, 0)) for s in Status.values]
    return render(request, "dashboard/index.html", {"rows": rows, "total": sum(counts.values())})
