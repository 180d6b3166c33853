"""Reporters' photos: fetched from LINE's data API after the event was processed, stored privately.

An image message attached to a case carries `payload["content"] == "pending"` until its bytes are
stored as an `Attachment` ("stored"). LINE answers 202 while it still prepares the content: we try
again later. After MAX_ATTEMPTS the message says "failed" and the case's timeline says so.
"""

import datetime as dt
import logging
import mimetypes
from functools import partial

from django.db import transaction
from django.utils import timezone

from ess import worker
from incidents import actions
from incidents.line import client, outbox
from incidents.models import Message

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6


def pending(now: dt.datetime, limit: int = 20) -> list[Message]:
    rows = Message.objects.filter(
        direction=Message.Direction.IN,
        kind=Message.Kind.IMAGE,
        incident__isnull=False,
        payload__content="pending",
    ).order_by("id")[: limit * 3]
    return [m for m in rows if _due(m, now)][:limit]


def _due(message: Message, now: dt.datetime) -> bool:
    at = message.payload.get("next_attempt_at")
    return not at or dt.datetime.fromisoformat(at) <= now


def _mark(message: Message, **changes) -> None:
    message.payload = {**message.payload, **changes}
    message.save(update_fields=["payload"])


def fetch(message: Message, now: dt.datetime | None = None) -> str:
    """Download one photo and attach it; returns stored / later / failed / external."""
    now = now or timezone.now()
    raw = message.payload.get("message") or {}
    provider = raw.get("contentProvider") or {}
    if provider.get("type") == "external" or message.reporter.is_drill:  # a drill's photo is never on LINE
        # The photo lives on the sender's server; keep its URL for the operator, fetch nothing.
        _mark(message, content="external", url=str(provider.get("originalContentUrl", ""))[:1000])
        return "external"
    attempts = int(message.payload.get("attempts", 0)) + 1
    try:
        content = client.content(message.line_message_id)
        error = "still being prepared (202)" if content is None else ""
    except client.LineError as exc:
        content, error = None, str(exc)
        if not exc.retryable:
            attempts = MAX_ATTEMPTS
    if content is None:
        if attempts >= MAX_ATTEMPTS:
            with transaction.atomic():
                _mark(message, content="failed", attempts=attempts, error=error[:500])
                actions.record(
                    message.incident, "attachment_failed", data={"message_id": message.pk, "error": error[:500]}
                )
            return "failed"
        _mark(
            message, attempts=attempts, error=error[:500], next_attempt_at=(now + outbox.backoff(attempts)).isoformat()
        )
        return "later"
    extension = mimetypes.guess_extension(content.content_type) or ".bin"
    with transaction.atomic():
        actions.do_attach_file(
            message.incident,
            message,
            name=f"line-{message.line_message_id}{extension}",
            content=content.data,
            content_type=content.content_type,
        )
        _mark(message, content="stored", attempts=attempts, error="")
    return "stored"


def fetch_pending(now: dt.datetime | None = None) -> int:
    """Start the download of every photo that is due; returns how many were started. On the worker's
    threads (ess.worker.Threads) each downloads on its own, so a slow photo never holds up a report."""
    started = 0
    for message in pending(now or timezone.now()):
        if worker.in_background(("photo", message.pk), partial(_fetch_one, message, now)):
            started += 1
    return started


def _fetch_one(message: Message, now: dt.datetime | None) -> None:
    try:
        fetch(message, now)
    except Exception:
        log.exception("photo of message %s", message.pk)
