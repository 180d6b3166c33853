"""The durable outbox: every message to a reporter is a `Message` row first, sent by the worker after.

Rules (docs/design.md §3b, §4b):
- Messages queued together form a batch (one `retry_key`, ≤ 5 messages) and go out in one request.
- The reply token first (free) while it is fresh (≤ REPLY_TOKEN_SECONDS after LINE sent it); when it
  is gone, push with `X-Line-Retry-Key` = the batch's key, so a retried push is never delivered twice
  (LINE answers 409 to a repeat; that counts as sent).
- 5xx, 429 and no answer (timeout, refused) are retried with exponential back-off; after
  MAX_ATTEMPTS, or when the retry key is about to expire (24 h), the batch is `failed` and a
  `delivery_failed` event goes on the case. Other 4xx fail at once. Nothing is dropped silently.
- A safe-contact reporter is never pushed to: their messages wait (`withheld`) and go out with the
  reply token of the next thing they send.
- A reporter who blocked the OA (unfollow) gets nothing: pushes would "succeed" and never arrive, so
  the messages are marked failed, visibly.
- Each batch is leased while it is being sent, so two workers never send the same batch, and a
  worker that dies mid-send leaves a lease that simply expires. A reply it was sending then becomes
  "delivery uncertain" (LINE may have delivered it; pushing it would double it); a push is simply
  sent again under its retry key.
"""

import datetime as dt
import logging
import random
import uuid
from functools import partial

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ess import worker
from ess.roles import CONSOLE_ROLES, province_scope, role_of
from incidents import actions
from incidents.errors import ActionRefused, NotAllowed
from incidents.line import client, texts
from incidents.models import Incident, Message, Reporter

log = logging.getLogger(__name__)

REPLY_TOKEN_SECONDS = 50
MAX_BATCH = 5
MAX_ATTEMPTS = 8
LEASE_SECONDS = 60
# LINE keeps a retry key for 24 hours; past that a retry could deliver twice, so we stop before.
RETRY_KEY_LIFETIME = dt.timedelta(hours=23)
# Written on a batch just before its reply is sent, replaced by the outcome once LINE answers. Still there
# when the batch's lease expires means the worker died mid-call: LINE may have delivered the reply.
REPLY_IN_FLIGHT = "reply sent to LINE, no answer recorded (the worker stopped during the call)"

OUT, QUEUED = Message.Direction.OUT, Message.Delivery.QUEUED


def backoff(attempts: int) -> dt.timedelta:
    """5 s, 10 s, 20 s … capped at 10 minutes, with a little jitter so retries don't stampede."""
    seconds = min(5 * 2 ** max(attempts - 1, 0), 600)
    return dt.timedelta(seconds=seconds * random.uniform(1.0, 1.2))


def queue(
    reporter: Reporter,
    messages: list[dict],
    *,
    incident: Incident | None = None,
    reply_token: str = "",
    reply_deadline: dt.datetime | None = None,
    sent_by=None,
    retry_key: uuid.UUID | None = None,
    now: dt.datetime | None = None,
) -> list[Message]:
    """Queue LINE message objects (texts.text(...)) to a reporter as one batch. Call inside the
    transaction that decided to send them: they go out only if it commits."""
    now = now or timezone.now()
    key = retry_key or uuid.uuid4()
    rows = []
    transaction.on_commit(worker.wake)
    for index, payload in enumerate(messages):
        if index and index % MAX_BATCH == 0:
            # LINE takes at most 5 messages a request: the rest go in further batches, by push.
            key, reply_token, reply_deadline = uuid.uuid4(), "", None
        message = Message.objects.create(
            reporter=reporter,
            incident=incident,
            direction=OUT,
            kind=Message.Kind.TEXT if payload.get("type") == "text" else Message.Kind.OTHER,
            text=payload.get("text") or payload.get("altText", ""),  # a carousel shows as its alt text
            payload=payload,
            delivery=QUEUED,
            sent_by=sent_by,
            reply_token=reply_token,
            reply_deadline=reply_deadline,
            retry_key=key,
            next_attempt_at=now,
            created_at=now,
        )
        if incident is not None:
            actions.do_attach_message(incident, message)
        rows.append(message)
    return rows


def remember_reply_token(reporter: Reporter, reply_token: str, deadline: dt.datetime) -> None:
    """Keep an unused reply token (the bot had nothing to say) for an operator's answer."""
    reporter.conversation_state = {
        **reporter.conversation_state,
        "reply_token": reply_token,
        "reply_deadline": deadline.isoformat(),
    }
    reporter.save(update_fields=["conversation_state"])


def take_reply_token(reporter: Reporter, now: dt.datetime | None = None) -> tuple[str, dt.datetime | None]:
    """The reporter's unused, still fresh reply token, taken so that nobody else uses it."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Reporter.objects.select_for_update().get(pk=reporter.pk)
        state = dict(locked.conversation_state)
        token, deadline = state.pop("reply_token", ""), state.pop("reply_deadline", None)
        if not token:
            return "", None
        locked.conversation_state = state
        locked.save(update_fields=["conversation_state"])
        reporter.conversation_state = state
    deadline_at = dt.datetime.fromisoformat(deadline) if deadline else None
    if deadline_at is None or deadline_at <= now:
        return "", None
    return token, deadline_at


def send_to_reporter(
    reporter: Reporter,
    text: str,
    *,
    incident: Incident | None = None,
    sent_by=None,
    neutral_text: str | None = None,
) -> Message:
    """Queue one text to a reporter (an operator's answer, a status update). The public entry point
    for the console and dispatch.

    - Returns the outbound `Message` (delivery `queued`); the worker sends it within a second or so
      and sets `delivery` to sent / failed / withheld. If `incident` is given, a `message` timeline
      event is recorded (consoles hear of it after commit).
    - A safe-contact reporter is sent `neutral_text` if given (say nothing a shared phone's
      notification preview should not show), only when they write first.
    - Uses the reporter's last unused reply token if it is still fresh, else push.
    """
    if reporter.safe_contact_only and neutral_text is not None:
        text = neutral_text
    with transaction.atomic():
        token, deadline = take_reply_token(reporter)
        (message,) = queue(
            reporter,
            [texts.text(text)],
            incident=incident,
            reply_token=token,
            reply_deadline=deadline,
            sent_by=sent_by,
        )
    return message


def release_withheld(
    reporter: Reporter,
    reply_token: str,
    deadline: dt.datetime,
    room: int,
    *,
    retry_key: uuid.UUID,
    now: dt.datetime | None = None,
) -> int:
    """A safe-contact reporter wrote: what was withheld from them goes out with this reply token."""
    withheld = list(
        Message.objects.filter(reporter=reporter, direction=OUT, delivery=Message.Delivery.WITHHELD).order_by(
            "created_at", "id"
        )[: max(room, 0)]
    )
    if not withheld:
        return 0
    for message in withheld:
        message.delivery, message.reply_token, message.reply_deadline = QUEUED, reply_token, deadline
        message.retry_key, message.next_attempt_at, message.attempts = retry_key, now or timezone.now(), 0
        message.save(
            update_fields=["delivery", "reply_token", "reply_deadline", "retry_key", "next_attempt_at", "attempts"]
        )
    return len(withheld)


# --- Sending (the worker) ------------------------------------------------------------------------------


def due_batches(now: dt.datetime, limit: int = 50) -> dict[str, list[uuid.UUID]]:
    """The batches due, oldest first, by reporter (their LINE user id, or their row's id without one): each
    reporter's in the order they must reach them."""
    rows = (
        Message.objects.filter(direction=OUT, delivery=QUEUED, next_attempt_at__lte=now)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .order_by("next_attempt_at", "id")
        .values_list("retry_key", "reporter_id", "reporter__line_user_id")[: limit * MAX_BATCH]
    )
    groups: dict[str, list[uuid.UUID]] = {}
    for key, reporter_id, user_id in list(dict.fromkeys(rows))[:limit]:
        groups.setdefault(user_id or f"reporter-{reporter_id}", []).append(key)
    return groups


def line_key(user_id: str) -> tuple:
    """A worker makes one LINE call at a time per reporter (ess.worker.in_background): their event's
    processing with its profile lookup and loading animation, then their answers, in order."""
    return ("line", user_id)


def _lease(key: uuid.UUID, now: dt.datetime) -> list[Message]:
    with transaction.atomic():
        taken = (
            Message.objects.filter(retry_key=key, direction=OUT, delivery=QUEUED)
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
            .update(lease_until=now + dt.timedelta(seconds=LEASE_SECONDS))
        )
        if not taken:
            return []
        return list(
            Message.objects.filter(retry_key=key, direction=OUT, delivery=QUEUED)
            .select_related("reporter")
            .order_by("id")
        )


def _mark(batch: list[Message], **changes) -> None:
    Message.objects.filter(pk__in=[m.pk for m in batch]).update(**changes)
    for message in batch:
        for name, value in changes.items():
            setattr(message, name, value)


def _finish(batch: list[Message], delivery: str, *, error: str = "", now: dt.datetime) -> None:
    with transaction.atomic():
        for message in batch:
            message.delivery, message.error, message.lease_until = delivery, error[:2000], None
            fields = ["delivery", "error", "lease_until"]
            if delivery == Message.Delivery.SENT:
                message.sent_at = now
                fields.append("sent_at")
            message.save(update_fields=fields)
            if delivery == Message.Delivery.FAILED:
                actions.do_record_delivery_failure(message, error)
            elif delivery == Message.Delivery.UNCERTAIN:
                actions.do_record_delivery_uncertain(message, error)


def _retry_later(batch: list[Message], error: str, now: dt.datetime, *, drop_token: bool = False) -> None:
    attempts = batch[0].attempts + 1
    if attempts >= MAX_ATTEMPTS or now - batch[0].created_at > RETRY_KEY_LIFETIME:
        _finish(batch, Message.Delivery.FAILED, error=f"gave up after {attempts} attempts: {error}", now=now)
        return
    when = now + backoff(attempts)
    with transaction.atomic():
        for message in batch:
            message.attempts, message.next_attempt_at, message.error, message.lease_until = attempts, when, error, None
            if drop_token:
                message.reply_token = ""
            message.save(update_fields=["attempts", "next_attempt_at", "error", "lease_until", "reply_token"])


def send_batch(key: uuid.UUID, now: dt.datetime | None = None) -> str:
    """Try to send one batch; returns what became of it (sent, retry, failed, withheld, busy)."""
    now = now or timezone.now()
    batch = _lease(key, now)
    if not batch:
        return "busy"
    reporter = batch[0].reporter
    payloads = [m.payload for m in batch]
    if reporter.is_drill:
        # A drill reporter is nobody on LINE (#17): the reply is kept, as it would have been sent, and
        # never leaves the building.
        _finish(batch, Message.Delivery.DRILL, error="drill: not sent to LINE", now=now)
        return "drill"
    if not reporter.is_reachable:
        _finish(batch, Message.Delivery.FAILED, error="the reporter blocked ESS Help Me on LINE", now=now)
        return "failed"

    token, deadline = batch[0].reply_token, batch[0].reply_deadline
    if token and batch[0].error == REPLY_IN_FLIGHT:
        # A worker called LINE with this reply and was killed before it heard back (its lease expired): LINE
        # may have delivered it, and the retry would push it a second time. Uncertain, as after a timeout.
        _finish(batch, Message.Delivery.UNCERTAIN, error=REPLY_IN_FLIGHT, now=now)
        return "uncertain"
    if token and deadline and now < deadline:
        _mark(batch, error=REPLY_IN_FLIGHT)  # committed before the call: what a killed worker leaves behind
        try:
            client.reply(token, payloads)
        except client.LineError as exc:
            if exc.maybe_delivered:
                # LINE may have delivered it: a retry would find the token used and push it again (a
                # double). Marked uncertain, visibly; an operator may resend.
                _finish(batch, Message.Delivery.UNCERTAIN, error=str(exc), now=now)
                return "uncertain"
            if exc.retryable:
                _retry_later(batch, str(exc), now)
                return "retry"
            # 400: the token was used or has expired. Forget it and fall through to push (or to waiting); a
            # push is safe to repeat (its retry key).
            log.info("reply token refused for batch %s: %s", key, exc)
            _mark(batch, error="", reply_token="")
        else:
            _finish(batch, Message.Delivery.SENT, now=now)
            return "sent"

    if reporter.safe_contact_only:
        _finish(batch, Message.Delivery.WITHHELD, error="safe contact: waits for the reporter to write", now=now)
        return "withheld"
    if not reporter.line_user_id:
        _finish(batch, Message.Delivery.FAILED, error="the reporter has no LINE user id", now=now)
        return "failed"
    try:
        client.push(reporter.line_user_id, payloads, retry_key=str(key))
    except client.LineError as exc:
        if exc.retryable:
            _retry_later(batch, str(exc), now, drop_token=True)
            return "retry"
        _finish(batch, Message.Delivery.FAILED, error=str(exc), now=now)
        return "failed"
    _finish(batch, Message.Delivery.SENT, now=now)
    return "sent"


def send_due(now: dt.datetime | None = None, limit: int = 50) -> int:
    """Send every batch that is due; returns how many were tried (on the worker's threads: started)."""
    started = 0
    for user_id, keys in due_batches(now or timezone.now(), limit).items():
        # Reporters side by side on the worker's threads (each waits for LINE); one reporter's batches one
        # after another, in order. A reporter with a LINE call still in flight waits for the next round.
        if worker.in_background(line_key(user_id), partial(_send_all, keys, now)):
            started += len(keys)
    return started


def _send_all(keys: list[uuid.UUID], now: dt.datetime | None) -> None:
    for key in keys:
        _send_one(key, now)


def _send_one(key: uuid.UUID, now: dt.datetime) -> None:
    try:
        send_batch(key, now)
    except Exception:
        # A bug in one batch must not stop the others; its lease expires and it is tried again.
        log.exception("outbox batch %s", key)


def send_status_update(incident: Incident, *, sent_by=None) -> Message | None:
    """Tell the case's reporter, in their language, where their case stands — call it after a status
    change the citizen should hear of (dispatched, en route, on scene, resolved …). None when the case
    has no LINE reporter. A safe-contact reporter gets only the neutral notice, when they write next."""
    reporter = incident.reporter
    if reporter is None or not reporter.line_user_id:
        return None
    language = reporter.language
    text = texts.say(
        language, "status", reference=incident.reference, status=texts.status_words(language, incident.status)
    )
    return send_to_reporter(
        reporter, text, incident=incident, sent_by=sent_by, neutral_text=texts.say(language, "neutral_notice")
    )


def resend(message_pk: int, actor, *, now: dt.datetime | None = None) -> Message:
    """An operator decided a message whose delivery is uncertain must go out again: it is pushed anew
    (a new retry key: LINE cannot tell it from the first, so the reporter may see it twice)."""
    now = now or timezone.now()
    if role_of(actor) not in CONSOLE_ROLES:
        raise NotAllowed(_("Your role does not allow working on cases."))
    with transaction.atomic():
        message = Message.objects.select_for_update().filter(pk=message_pk, direction=OUT).first()
        scope = province_scope(actor)
        outside = scope is not None and (
            message is None or message.incident is None or message.incident.province_code not in scope
        )
        # One answer whether the message is missing, not uncertain or on a case outside the operator's
        # provinces: the refusal must not tell an outsider which messages exist or what became of them.
        if message is None or outside or message.delivery != Message.Delivery.UNCERTAIN:
            raise ActionRefused(_("No message awaiting a decision to resend was found."))
        message.delivery, message.reply_token, message.reply_deadline = QUEUED, "", None
        message.retry_key, message.attempts, message.next_attempt_at = uuid.uuid4(), 0, now
        message.save(
            update_fields=["delivery", "reply_token", "reply_deadline", "retry_key", "attempts", "next_attempt_at"]
        )
        if message.incident_id is not None:
            actions.record(message.incident, "delivery_resent", actor=actor, data={"message_id": message.pk})
    return message
