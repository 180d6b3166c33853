"""The responder's phone view: my agency's open assignments, one-tap steps, the reporter's words and photos.

Every query goes through dispatch.scoping: a responder never sees, opens or acts on another agency's
assignment (404, as if it did not exist), and every step goes through dispatch.assignments.
"""

from datetime import datetime, time
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from dispatch import assignments as actions
from dispatch.deadlines import ack_deadline
from dispatch.models import ACTIVE_ASSIGNMENT_STATUSES, Assignment, AssignmentStatus, Responder
from dispatch.scoping import assignments_for_responder
from ess.roles import RESPONDER_ROLES, role_required
from incidents import files
from incidents.errors import ActionRefused
from incidents.models import Attachment, Message
from privacy import access

A = AssignmentStatus
BANGKOK = ZoneInfo("Asia/Bangkok")
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
    # Most urgent first: priority, then the case that has waited longest (never "newest first", which put
    # a fresh P2 above an older P1).
    items = list(
        assignments_for_responder(request.user)
        .order_by("incident__priority", "incident__received_at", "assigned_at", "pk")
        .prefetch_related("incident__attachments", words, partners)
    )
    for a in items:
        a.partners = [p for p in a.incident.live_assignments if p.agency_id != a.agency_id]
        a.next_step = actions.NEXT_STEP.get(a.status)
        a.can_decline = A.DECLINED in actions.FLOW[a.status]
        # The acknowledgement deadline the phone counts down to (dispatch.deadlines escalates after it).
        a.ack_due = a.assigned_at + ack_deadline(a.incident.priority) if a.status == A.PENDING else None
    access.record_many(request, access.Field.CONVERSATION, [a.incident for a in items])
    responder = Responder.objects.filter(user=request.user).select_related("agency").first()
    return {
        "assignments": items,
        "responder": responder,
        "done_today": _done_today(responder),
    }


def _done_today(responder: Responder | None) -> list[Assignment]:
    """The agency's assignments completed since midnight in Bangkok: the confirmation that a finished case
    went somewhere, and the shift's record."""
    if responder is None:
        return []
    midnight = datetime.combine(timezone.now().astimezone(BANGKOK).date(), time(0), tzinfo=BANGKOK)
    return list(
        Assignment.objects.filter(agency=responder.agency, status=A.COMPLETED, completed_at__gte=midnight)
        .select_related("incident", "responder__user")
        .order_by("-completed_at", "-pk")
    )


@require_GET
@role_required(*RESPONDER_ROLES)
@never_cache
def responder_home(request: HttpRequest) -> HttpResponse:
    context = _context(request)
    context["step_labels"] = {
        A.ACKNOWLEDGED: _("Acknowledge"),
        A.EN_ROUTE: _("On my way"),
        A.ON_SCENE: _("Arrived on scene"),
        A.COMPLETED: _("Completed"),
    }
    context["responder_texts"] = {
        "next": {str(k): str(v) for k, v in actions.NEXT_STEP.items()},
        "new_assignment": _("New assignment"),
        "new_assignments": _("%(n)s new assignments"),
        "ack_in": _("Acknowledge within %(t)s"),
        "ack_late": _("Acknowledgement late by %(t)s"),
        "queued": _("%(n)s taps waiting for signal: they will be sent in order."),
        "refused": _("Not done: %(error)s"),
        "login": _("Your session ended: log in again to send the waiting taps."),
        "queued_step": _("Waiting for signal"),
    }
    return render(request, "responder/index.html", context)


@require_GET
@login_not_required
def manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest: the responder view installs to the phone's home screen (no data in it)."""
    home = reverse("responder:home")
    data = {
        "name": _("ESS Responder"),
        "short_name": "ESS",
        "description": _("Assignments for responders of Emergency Social Services"),
        "lang": get_language() or "th",
        "start_url": home,
        "scope": home,
        "id": home,
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#f4f5f7",
        "theme_color": "#0b4f8a",
        "icons": [
            {"src": static("icons/ess-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": static("icons/ess-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {"src": static("favicon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response


@require_GET
@login_not_required
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, served from /responder/ so that its scope is the responder view. A template, so
    it names the static files by their collected (hashed) names. No data in it."""
    response = render(
        request,
        "responder/sw.js",
        {
            "shell": [
                static(p) for p in ("css/ess.css", "js/theme.js", "js/responder.js", "favicon.svg", "icons/ess-192.png")
            ]
        },
        content_type="application/javascript; charset=utf-8",
    )
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
@role_required(*RESPONDER_ROLES)
@never_cache
def assignment_list(request: HttpRequest) -> HttpResponse:
    """The list alone: the page's script fetches it when the websocket says something changed."""
    return render(request, "responder/index.html#assignments", _context(request))


@require_POST
@role_required(*RESPONDER_ROLES)
def step(request: HttpRequest, pk: int, to_status: str) -> HttpResponse:
    if to_status not in STEPS:
        raise Http404
    assignment = get_object_or_404(assignments_for_responder(request.user), pk=pk)
    # The phone's script sends taps with fetch (and replays those made without signal, in order): it
    # gets JSON, and a refusal (a step already taken, a case stood down meanwhile) as 409 to drop the tap.
    wants_json = request.headers.get("X-Requested-With") == "fetch"
    try:
        done = actions.do_advance(
            assignment,
            to_status,
            actor=request.user,
            reason=request.POST.get("reason", ""),
            outcome=request.POST.get("outcome", ""),
        )
    except ActionRefused as refusal:
        if wants_json:
            return JsonResponse({"ok": False, "error": str(refusal)}, status=409)
        messages.error(request, str(refusal))
        return redirect("responder:home")
    confirmation = ""
    if to_status == A.COMPLETED:
        confirmation = _("%(ref)s is completed: it is in “Done today” below.") % {"ref": done.incident.reference}
    if wants_json:
        return JsonResponse({"ok": True, "status": done.status, "message": confirmation})
    if confirmation:
        messages.success(request, confirmation)
    return redirect("responder:home")


@require_GET
@role_required(*RESPONDER_ROLES)
def photo(request: HttpRequest, pk: int) -> HttpResponse:
    """A reporter's photo, only for a case assigned (live) to the responder's agency; only real images
    inline, anything else a download (incidents.files)."""
    visible = assignments_for_responder(request.user).values("incident_id")
    attachment = get_object_or_404(Attachment.objects.select_related("incident"), pk=pk, incident_id__in=visible)
    access.record(request, access.Field.PHOTO, attachment=attachment)
    try:
        return files.file_response(attachment)
    except FileNotFoundError:
        raise Http404 from None


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
