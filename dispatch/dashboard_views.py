from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from dispatch.scoping import visible_incidents
from ess.roles import DASHBOARD_ROLES, role_required
from incidents.models import Status


@role_required(*DASHBOARD_ROLES)
def dashboard(request: HttpRequest) -> HttpResponse:
    counts = dict(visible_incidents(request.user).values_list("status").annotate(n=Count("id")).order_by())
    rows = [(Status(s).label, counts.get(s, 0)) for s in Status.values]
    return render(request, "dashboard/index.html", {"rows": rows, "total": sum(counts.values())})
