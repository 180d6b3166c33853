"""The responder's phone view: my agency's open assignments, one-tap steps, the reporter's words and photos.

Every query goes through dispatch.scoping: a responder never sees, opens or acts on another agency's
assignment (404, as if it did not exist), and every step goes through dispatch.assignments.
"""

from django.contrib import messages
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dispatch import assignments as actions
from dispatch.models import ACTIVE_ASSIGNMENT_STATUSES, Assignment, AssignmentStatus, Responder
from dispatch.scoping import assignments_for_responder
from ess.roles import RESPONDER_ROLES, role_required
from incidents.errors import ActionRefused
from incidents.models import Attachment, Message
from privacy import access

A = AssignmentStatus
# The steps a responder may take from the phone; anything else is for the operators.
STEPS = {A.ACKNOWLEDGED, A.EN_ROUTE, A.ON_SCENE, A.COMPLETED, A.DECLINED}


def _context(request: HttpRequest) -> dict:
    # The reporter's own words: the description and what they typed on LINE (never their identity).
    words = Prefetch(
        "incident__messages",
        queryset=Message.objects.filter(direction=Message.Direction.IN, kind=Message.Kind.TEXT).order_by("created_at"),
        to_attr="reporter_texts",
    )
    # Joint dispatch: who else is on the case, so the police know the พม. officer is coming (and v.v.).
    partners = Prefetch(
        "incident__assignments",
        queryset=Assignment.objects.filter(status__in=ACTIVE_ASSIGNMENT_STATUSES).select_related("agency"),
        to_attr="live_assignments",
    )
    items = list(assignments_for_responder(request.user).prefetch_related("incident__attachments", words, partners))
    for a in items:
        a.partners = [p for p in a.incident.live_assignments if p.agency_id != a.agency_id]
        a.next_step = actions.NEXT_STEP.get(a.status)
        a.can_decline = A.DECLINED in actions.FLOW[a.status]
    access.record_many(request, access.Field.CONVERSATION, [a.incident for a in items])
    return {
        "assignments": items,
        "responder": Responder.objects.filter(user=request.user).select_related("agency").first(),
    }


@require_GET
@role_required(*RESPONDER_ROLES)
def responder_home(request: HttpRequest) -> HttpResponse:
    return render(request, "responder/index.html", _context(request))


@require_GET
@role_required(*RESPONDER_ROLES)
def assignment_list(request: HttpRequest) -> HttpResponse:
    """The list alone: the page's script fetches it when the websocket says something changed."""
    return render(request, "responder/index.html#assignments", _context(request))


@require_POST
@role_required(*RESPONDER_ROLES)
def step(request: HttpRequest, pk: int, to_status: str) -> HttpResponse:
    if to_status not in STEPS:
        raise Http404
    assignment = get_object_or_404(assignments_for_responder(request.user), pk=pk)
    try:
        actions.do_advance(
            assignment,
            to_status,
            actor=request.user,
            reason=request.POST.get("reason", ""),
            outcome=request.POST.get("outcome", ""),
        )
    except ActionRefused as refusal:
        messages.error(request, str(refusal))
    return redirect("responder:home")


@require_GET
@role_required(*RESPONDER_ROLES)
def photo(request: HttpRequest, pk: int) -> FileResponse:
    """A reporter's photo, only for a case assigned (live) to the responder's agency."""
    visible = assignments_for_responder(request.user).values("incident_id")
    attachment = get_object_or_404(Attachment.objects.select_related("incident"), pk=pk, incident_id__in=visible)
    access.record(request, access.Field.PHOTO, attachment=attachment)
    return FileResponse(attachment.file.open("rb"), content_type=attachment.content_type or None)


@require_POST
@role_required(*RESPONDER_ROLES)
def position(request: HttpRequest) -> JsonResponse:
    """The phone's position when the responder chose to share it (the websocket does the same)."""
    responder = get_object_or_404(Responder, user=request.user)
    try:
        responder.report_position(float(request.POST["latitude"]), float(request.POST["longitude"]))
    except (KeyError, ValueError):
        return JsonResponse({"ok": False, "error": _("No usable position.")}, status=400)
    return JsonResponse({"ok": True})


@require_POST
@role_required(*RESPONDER_ROLES)
def duty(request: HttpRequest) -> HttpResponse:
    """Start or end a shift: only on-duty responders are recommended to operators."""
    responder = get_object_or_404(Responder, user=request.user)
    responder.on_duty = request.POST.get("on_duty") == "1"
    responder.save(update_fields=["on_duty"])
    return redirect("responder:home")
