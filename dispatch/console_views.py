from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from dispatch.scoping import visible_incidents
from ess.roles import CONSOLE_ROLES, role_required


@role_required(*CONSOLE_ROLES)
def console(request: HttpRequest) -> HttpResponse:
    cases = (
        visible_incidents(request.user)
        .open()
        .select_related("reporter", "claimed_by")
        .order_by("priority", "received_at")[:200]
    )
    return render(request, "console/index.html", {"cases": cases})
