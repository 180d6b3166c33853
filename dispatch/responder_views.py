from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from dispatch.scoping import assignments_for_responder
from ess.roles import RESPONDER_ROLES, role_required


@role_required(*RESPONDER_ROLES)
def responder_home(request: HttpRequest) -> HttpResponse:
    return render(request, "responder/index.html", {"assignments": assignments_for_responder(request.user)})
