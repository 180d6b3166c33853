"""The durable inbox: store webhook events (fast), process them later (per reporter, in order).

Processing one event is one transaction: the reporter's row is locked (so two workers never run one
reporter's conversation at once), the conversation runs, its answer is queued in the outbox and the
event is marked done — all or nothing. A worker killed at any point leaves the event pending and it is
processed when a worker runs again; the outbox is sent separately, so nothing is answered twice.
"""

import datetime as dt
import logging
import time
import uuid

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from incidents import geo
from incidents.line import client, conversation, outbox, parser
from incidents.line.models import LineEvent
from incidents.models import Language, Reporter
from privacy import pseudonyms

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
SQLITE_PAUSE = 0.01
PROFILE_CHECKED = "profile_checked"


def store(events: list[dict], now: dt.datetime | None = None) -> int:
    """Insert the events of one webhook body; a webhookEventId seen before is ignored (redelivery)."""
    now = now or timezone.now()
    rows = [
        LineEvent(
            webhook_event_id=event["webhookEventId"],
            kind=event["type"],
            user_id=parser.user_id_of(event),
            timestamp=event["timestamp"],
            payload=event,
            is_redelivery=parser.is_redelivery(event),
            received_at=now,
            next_attempt_at=now,
        )
        for event in events
    ]
    if rows:
        LineEvent.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _due(now: dt.datetime, limit: int) -> list[LineEvent]:
    settled = now - dt.timedelta(milliseconds=settings.LINE_INBOX_SETTLE_MS)
    return list(
        LineEvent.objects.filter(
            state=LineEvent.State.PENDING, next_attempt_at__lte=now, received_at__lte=settled
        ).order_by("timestamp", "id")[:limit]
    )


def _earlier_pending_exists(event: LineEvent) -> bool:
    """An older event of the same reporter still waits (e.g. in back-off): this one must wait too."""
    if not event.user_id:
        return False
    return (
        LineEvent.objects.filter(state=LineEvent.State.PENDING, user_id=event.user_id, timestamp__lt=event.timestamp)
        .exclude(pk=event.pk)
        .exists()
    )


def _reporter_for(user_id: str) -> Reporter:
    reporter, created = Reporter.objects.get_or_create(line_user_id=user_id)
    if created and (strikes := pseudonyms.remembered_strikes(user_id)):  # a prankster back after anonymisation
        Reporter.objects.filter(pk=reporter.pk).update(false_report_count=strikes)
        reporter.false_report_count = strikes
    if not reporter.conversation_state.get(PROFILE_CHECKED):
        _learn_profile(reporter)
    return reporter


def _learn_profile(reporter: Reporter) -> None:
    """Name and language from the LINE profile, once. Outside any transaction: it is a call to LINE.
    If LINE does not answer we go on in Thai and do not ask again (the conversation must not wait)."""
    try:
        profile = client.profile(reporter.line_user_id)
    except client.LineError as exc:
        log.warning("LINE profile of %s: %s", reporter.pk, exc)
        profile = {}
    language = Language.ENGLISH if str(profile.get("language") or "").lower().startswith("en") else Language.THAI
    with transaction.atomic():
        locked = Reporter.objects.select_for_update().get(pk=reporter.pk)
        locked.language = language
        locked.display_name = str(profile.get("displayName") or locked.display_name)[:200]
        locked.conversation_state = {**locked.conversation_state, PROFILE_CHECKED: True}
        locked.save(update_fields=["language", "display_name", "conversation_state"])
    reporter.refresh_from_db()


def _loading(event: LineEvent, now: dt.datetime) -> None:
    # Only while the reporter is likely looking at the chat; cosmetic, so failures are ignored.
    if event.kind not in ("message", "postback") or now.timestamp() * 1000 - event.timestamp > 20_000:
        return
    try:
        client.show_loading(event.user_id)
    except client.LineError as exc:
        log.info("loading animation: %s", exc)


def process_event(event: LineEvent, now: dt.datetime | None = None) -> bool:
    """Process one stored event; False when another worker already did (or is doing) it."""
    now = now or timezone.now()
    if not event.user_id:
        LineEvent.objects.filter(pk=event.pk).update(state=LineEvent.State.DONE, processed_at=now)
        return True
    reporter = _reporter_for(event.user_id)
    _loading(event, now)
    read = parser.read_event(event.payload)
    # Outside the transaction: on SQLite the transaction holds the database's write lock, which the
    # webhook's INSERT waits for.
    area = geo.resolve(read.latitude, read.longitude, read.address) if read.message_kind == "location" else None
    with transaction.atomic():
        # The reporter's row lock serialises their events across workers; the event is re-read under it.
        reporter = Reporter.objects.select_for_update().get(pk=reporter.pk)
        current = LineEvent.objects.select_for_update().filter(pk=event.pk, state=LineEvent.State.PENDING).first()
        if current is None:
            return False
        at = conversation.event_time(current.timestamp)
        answer = conversation.handle(reporter, read, event_id=current.webhook_event_id, at=at, area=area)
        deadline = current.received_at + dt.timedelta(seconds=outbox.REPLY_TOKEN_SECONDS)
        token = read.reply_token
        batch = uuid.uuid4()
        released = 0
        if token and reporter.safe_contact_only:
            room = outbox.MAX_BATCH - len(answer.messages)
            released = outbox.release_withheld(reporter, token, deadline, room, retry_key=batch, now=now)
        if answer.messages:
            outbox.queue(
                reporter,
                answer.messages,
                incident=answer.incident,
                reply_token=token,
                reply_deadline=deadline,
                retry_key=batch,
                now=now,
            )
        elif token and not released and read.kind in ("message", "postback"):
            outbox.remember_reply_token(reporter, token, deadline)
        current.state, current.processed_at, current.error = LineEvent.State.DONE, now, ""
        current.save(update_fields=["state", "processed_at", "error"])
    return True


def _failed(event: LineEvent, exc: Exception, now: dt.datetime) -> None:
    attempts = event.attempts + 1
    give_up = attempts >= MAX_ATTEMPTS
    LineEvent.objects.filter(pk=event.pk).update(
        attempts=attempts,
        error=f"{type(exc).__name__}: {exc}"[:2000],
        next_attempt_at=now + outbox.backoff(attempts),
        state=LineEvent.State.FAILED if give_up else LineEvent.State.PENDING,
        processed_at=now if give_up else None,
    )


def process_pending(now: dt.datetime | None = None, limit: int = 100) -> int:
    """Process due events, oldest first, each reporter's in timestamp order; returns how many."""
    done = 0
    for event in _due(now or timezone.now(), limit):
        if _earlier_pending_exists(event):
            continue
        try:
            if process_event(event, now):
                done += 1
        except Exception as exc:
            log.exception("LINE event %s", event.webhook_event_id)
            _failed(event, exc, now or timezone.now())
        if connection.vendor == "sqlite":
            # SQLite has one write lock and its busy handler backs off in steps of up to 100 ms: a worker
            # writing back-to-back would keep the webhook's INSERT waiting. A short gap lets it in.
            time.sleep(SQLITE_PAUSE)
    return done
