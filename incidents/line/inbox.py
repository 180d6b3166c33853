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
from django.db import DataError, connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from ess import worker
from incidents import geo
from incidents.line import client, conversation, outbox, parser
from incidents.line.models import LineEvent
from incidents.models import Language, Reporter
from privacy import pseudonyms

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
SQLITE_PAUSE = 0.01
PROFILE_CHECKED = "profile_checked"


def _row(event: dict, now: dt.datetime, drill: bool = False) -> LineEvent:
    return LineEvent(
        is_drill=drill,
        webhook_event_id=event["webhookEventId"],
        kind=event["type"],
        user_id=parser.user_id_of(event),
        timestamp=event["timestamp"],
        payload=event,
        is_redelivery=parser.is_redelivery(event),
        received_at=now,
        next_attempt_at=now,
    )


def _unstorable(row: LineEvent, exc: Exception, now: dt.datetime) -> LineEvent:
    """What is left of an event the database refused even alone: its ids and what a person can read,
    stored as failed so the console shows it (never dropped)."""
    readable = parser.read_event(row.payload)
    payload = {
        "type": row.kind,
        "webhookEventId": row.webhook_event_id,
        "timestamp": row.timestamp,
        "source": {"type": "user", "userId": row.user_id},
        "unstorable": True,
        "message": {"type": readable.message_kind, "text": readable.text[:2000]},
    }
    error = f"{type(exc).__name__}: {exc}"[:2000]
    return LineEvent(
        webhook_event_id=row.webhook_event_id,
        kind=row.kind,
        user_id=row.user_id,
        timestamp=row.timestamp,
        payload=payload,
        is_redelivery=row.is_redelivery,
        is_drill=row.is_drill,
        received_at=now,
        state=LineEvent.State.FAILED,
        processed_at=now,
        attempts=1,
        error=error,
    )


def store(events: list[dict], now: dt.datetime | None = None, *, drill: bool = False) -> int:
    """Insert the events of one webhook body (parser.parse_body made each storable); a webhookEventId seen
    before is ignored (redelivery). One INSERT for the body; should the database refuse it, event by event,
    so one bad event never sinks the others. An OperationalError (the database is away) propagates: the
    webhook answers 500 and LINE redelivers. `drill`: the body was the drill player's (guard.is_drill)."""
    now = now or timezone.now()
    rows = [_row(event, now, drill) for event in events]
    if not rows:
        return 0
    transaction.on_commit(worker.wake)  # the worker starts on them as soon as they are committed
    try:
        with transaction.atomic():
            LineEvent.objects.bulk_create(rows, ignore_conflicts=True)
        return len(rows)
    except (DataError, ValueError, OverflowError) as exc:
        log.warning("LINE webhook: the body's INSERT was refused (%s); storing event by event", exc)
    for row in rows:
        try:
            with transaction.atomic():
                LineEvent.objects.bulk_create([row], ignore_conflicts=True)
        except (DataError, ValueError, OverflowError) as exc:
            log.error("LINE event %s refused by the database: %s", row.webhook_event_id, exc)
            with transaction.atomic():
                LineEvent.objects.bulk_create([_unstorable(row, exc, now)], ignore_conflicts=True)
    return len(rows)


def _due(now: dt.datetime, limit: int) -> list[LineEvent]:
    """The oldest due events that are each their reporter's first pending one, chosen in SQL.

    An event behind an older pending event of the same reporter (one in back-off, say) is not selected at
    all, so a reporter whose event keeps failing never fills the round and holds up everybody else."""
    settled = now - dt.timedelta(milliseconds=settings.LINE_INBOX_SETTLE_MS)
    earlier = (
        LineEvent.objects.filter(state=LineEvent.State.PENDING, user_id=OuterRef("user_id"))
        .exclude(user_id="")
        .filter(Q(timestamp__lt=OuterRef("timestamp")) | Q(timestamp=OuterRef("timestamp"), id__lt=OuterRef("id")))
    )
    return list(
        LineEvent.objects.filter(state=LineEvent.State.PENDING, next_attempt_at__lte=now, received_at__lte=settled)
        .exclude(Exists(earlier))
        .order_by("timestamp", "id")[:limit]
    )


def _earlier_pending_exists(event: LineEvent) -> bool:
    """An older event of the same reporter still waits (e.g. in back-off): this one must wait too.
    (Checked again just before processing: another worker may have stored or failed one meanwhile.)"""
    if not event.user_id:
        return False
    return (
        LineEvent.objects.filter(state=LineEvent.State.PENDING, user_id=event.user_id)
        .filter(Q(timestamp__lt=event.timestamp) | Q(timestamp=event.timestamp, id__lt=event.pk))
        .exists()
    )


class DrillMismatch(ValueError):
    """A drill event for a real reporter, or a real one for a drill reporter: refused (a permanent
    failure), so a drill can never write to a real reporter's case nor a real report land in a drill."""


def _reporter_for(user_id: str, drill: bool = False) -> Reporter:
    reporter, created = Reporter.objects.get_or_create(line_user_id=user_id, defaults={"is_drill": drill})
    if reporter.is_drill != drill:
        raise DrillMismatch(f"reporter {reporter.pk}: drill event {drill}, drill reporter {reporter.is_drill}")
    if drill:
        return reporter  # nobody on LINE to ask for a profile
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
    reporter = _reporter_for(event.user_id, event.is_drill)
    if not event.is_drill:
        _loading(event, now)
    read = parser.read_event(event.payload)
    # Outside the transaction: on SQLite the transaction holds the database's write lock, which the
    # webhook's INSERT waits for.
    area = geo.resolve(read.latitude, read.longitude, read.address) if read.message_kind == "location" else None
    with transaction.atomic():
        # The reporter's row lock serialises their events across workers; the event is re-read under it.
        # SKIP LOCKED: another worker is on this reporter, so this one goes on with other reporters
        # instead of queueing behind it (PostgreSQL; SQLite has one writer anyway).
        reporter = Reporter.objects.select_for_update(skip_locked=True).filter(pk=reporter.pk).first()
        if reporter is None:
            return False
        current = (
            LineEvent.objects.select_for_update(skip_locked=True)
            .filter(pk=event.pk, state=LineEvent.State.PENDING)
            .first()
        )
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


# Errors that trying again cannot cure: the event itself is bad (a value too long for its column, a year
# out of range, a field of the wrong type). Such an event fails at once, visibly (inbox.failed_events), instead
# of spending minutes in back-off.
PERMANENT_ERRORS = (
    DataError,
    TypeError,
    ValueError,
    KeyError,
    IndexError,
    AttributeError,
    OverflowError,
    RecursionError,
)


def is_permanent(exc: Exception) -> bool:
    return isinstance(exc, PERMANENT_ERRORS)


def _failed(event: LineEvent, exc: Exception, now: dt.datetime) -> None:
    attempts = event.attempts + 1
    give_up = is_permanent(exc) or attempts >= MAX_ATTEMPTS
    LineEvent.objects.filter(pk=event.pk).update(
        attempts=attempts,
        error=f"{type(exc).__name__}: {exc}"[:2000],
        next_attempt_at=now + outbox.backoff(attempts),
        state=LineEvent.State.FAILED if give_up else LineEvent.State.PENDING,
        processed_at=now if give_up else None,
    )


def process_pending(now: dt.datetime | None = None, limit: int = 100) -> int:
    """Process due events, oldest first, each reporter's in timestamp order; returns how many were handled
    (a failure counts: the reporter's next event may now be due, so the worker should not idle)."""
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
            done += 1
        if connection.vendor == "sqlite":
            # SQLite has one write lock and its busy handler backs off in steps of up to 100 ms: a worker
            # writing back-to-back would keep the webhook's INSERT waiting. A short gap lets it in.
            time.sleep(SQLITE_PAUSE)
    return done
