"""The LINE webhook, and the staff-only view of reporters' photos."""

import logging

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import RequestDataTooBig
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from ess.roles import CONSOLE_ROLES, province_scope, role_of, role_required
from incidents import files
from incidents.errors import ActionRefused
from incidents.line import failures, guard, inbox, outbox, parser
from incidents.models import Attachment
from privacy import access

log = logging.getLogger(__name__)


@csrf_exempt  # LINE cannot send a CSRF token; the signature is what authenticates it.
@login_not_required
@require_POST
async def webhook(request: HttpRequest) -> HttpResponse:
    """Store LINE's events durably and answer 200 at once; the worker (`manage.py worker`) does the rest.

    Why it answers as it does:
    - LINE counts a webhook not answered within 2 s as failed, so nothing here calls LINE or runs the
      conversation: one INSERT of the raw events, then 200. On PostgreSQL through the process's inbox
      writer (inbox.Writer: a kept connection, the bodies of concurrent requests in one COMMIT); the
      answer still waits for the COMMIT that holds this body's events. Processing after the answer is durable
      (the events are rows) and survives a worker crash.
    - The signature is checked over the raw body bytes, first. A missing or wrong signature is 401
      and nothing is stored; LINE does not retry 4xx, and a forger learns nothing.
    - A body that is not a LINE webhook is 400, a huge one 413 (checked before reading it). 400 only when
      nothing in it can be read: a malformed event is cleaned and stored (parser.parse_body), never
      answered with 500, which LINE would retry with the same body forever, good events and all.
    - `{"events": []}` (the console's "Verify" button) is 200.
    - A redelivered event (same webhookEventId) is acknowledged with 200 and ignored: the unique
      constraint makes the second INSERT a no-op, so retries never double a case or an answer.
    """
    limit = settings.LINE_WEBHOOK_MAX_BYTES
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        return HttpResponse("bad Content-Length", status=400, content_type="text/plain")
    if declared > limit:
        return HttpResponse("body too large", status=413, content_type="text/plain")
    try:
        body = request.body
    except RequestDataTooBig:
        return HttpResponse("body too large", status=413, content_type="text/plain")
    if len(body) > limit:
        return HttpResponse("body too large", status=413, content_type="text/plain")

    address = request.META.get("REMOTE_ADDR") or "-"
    if not parser.signature_is_valid(body, request.headers.get("X-Line-Signature"), settings.LINE_CHANNEL_SECRET):
        # Only unsigned requests are limited: a signed one is LINE's and is always taken (incidents.line.guard).
        if await guard.BadSignatureLimit.blocked(address):
            return HttpResponse("too many bad signatures", status=429, content_type="text/plain")
        log.warning("LINE webhook: missing or wrong signature from %s", address)
        await guard.BadSignatureLimit.count(address)
        return HttpResponse("bad signature", status=401, content_type="text/plain")
    if not guard.destination_matches(body):
        log.warning("LINE webhook: signed body for another bot (destination) from %s", address)
        return HttpResponse("wrong destination", status=403, content_type="text/plain")
    try:
        events = guard.fresh_events(parser.parse_body(body))
    except parser.BadWebhook as exc:
        log.warning("LINE webhook: signed but malformed body: %s", exc)
        return HttpResponse("not a LINE webhook", status=400, content_type="text/plain")

    drill = guard.is_drill(body)
    if settings.LINE_WEBHOOK_WRITER and connection.vendor == "postgresql":
        await inbox.writer.store(events, drill=drill)  # one kept connection, concurrent bodies in one COMMIT
    else:
        await sync_to_async(inbox.store)(events, drill=drill)
    return HttpResponse("OK", content_type="text/plain")


@role_required(*CONSOLE_ROLES)
def attachment(request: HttpRequest, pk: int) -> HttpResponse:
    """A reporter's photo, for staff who may see the case: never a public MEDIA_URL (docs/design.md §4b).
    Only real images are shown inline; anything else is a download (incidents.files).
    `?thumb=1` gives a JPEG of at most 320 × 320 pixels. The URL: reverse("line:attachment", args=[pk])."""
    item = get_object_or_404(Attachment.objects.select_related("incident"), pk=pk)
    scope = province_scope(request.user)
    if scope is not None and item.incident.province_code not in scope:
        raise Http404
    access.record(request, access.Field.THUMBNAIL if request.GET.get("thumb") else access.Field.PHOTO, attachment=item)
    try:
        return files.file_response(item, thumbnail=bool(request.GET.get("thumb")))
    except FileNotFoundError:
        raise Http404 from None


# --- LINE messages that could not be processed (incidents.line.failures) ----------------------------------


@role_required(*CONSOLE_ROLES)
@require_GET
def failures_alert(request: HttpRequest) -> HttpResponse:
    """The console's alert line (htmx, polled): empty when nothing waits."""
    context = {"waiting_count": failures.count_waiting(), "uncertain_count": failures.count_uncertain(request.user)}
    return render(request, "line/failures.html#alert", context)


@role_required(*CONSOLE_ROLES)
@require_GET
def failures_page(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "line/failures.html",
        {
            "reports": failures.waiting(),
            "uncertain": failures.uncertain_messages(request.user),
            "can_retry": role_of(request.user) in failures.SUPERVISOR_ROLES,
        },
    )


@role_required(*CONSOLE_ROLES)
@require_POST
def failure_open_case(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        incident = failures.open_case(pk, request.user)
    except ActionRefused as refused:
        messages.error(request, str(refused))
        return redirect("line:failures")
    messages.success(request, _("Case %(ref)s opened from the LINE message.") % {"ref": incident.reference})
    return redirect(f"{reverse('console:home')}?case={incident.pk}")


@role_required(*CONSOLE_ROLES)
@require_POST
def failure_retry(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        failures.retry(pk, request.user)
    except ActionRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("The LINE message goes through the worker again."))
    return redirect("line:failures")


@role_required(*CONSOLE_ROLES)
@require_POST
def message_resend(request: HttpRequest, pk: int) -> HttpResponse:
    """The operator chose to send again a message whose delivery is uncertain (it may arrive twice)."""
    try:
        outbox.resend(pk, request.user)
    except ActionRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("The message is sent again."))
    return redirect("line:failures")
