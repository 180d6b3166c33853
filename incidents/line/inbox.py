"""The durable inbox: store webhook events (fast), process them later (per reporter, in order).

Processing one event is one transaction: the reporter's row is locked (so two workers never run one
reporter's conversation at once), the conversation runs, its answer is queued in the outbox and the
event is marked done — all or nothing. A worker killed at any point leaves the event pending and it is
processed when a worker runs again; the outbox is sent separately, so nothing is answered twice.
"""

import asyncio
import datetime as dt
import logging
import queue
import threading
import time
import uuid
from functools import partial

from django.conf import settings
from django.db import DataError, InterfaceError, OperationalError, connection, transaction
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
    try:
        with transaction.atomic():
            LineEvent.objects.bulk_create(rows, ignore_conflicts=True)
            # NOTIFY inside the INSERT's transaction: PostgreSQL delivers it at COMMIT, so a waiting worker
            # wakes when the rows are there (never before them), with no statement of its own afterwards.
            worker.wake()
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
    with transaction.atomic():
        worker.wake()
    return len(rows)


class Writer:
    """The web process's one inbox writer: a thread that stores the webhook bodies of every request in
    flight together (#16 item 2).

    Why: daphne runs each request's sync code in a thread of its own, so `sync_to_async(store)` opened a
    new PostgreSQL connection (a backend process forked, authenticated) for every webhook and committed
    each body on its own. This thread keeps one connection between requests and stores what has queued up
    while it was busy in one transaction (one INSERT, one NOTIFY, one COMMIT for all of them): under a
    burst, the cost per body falls as the burst grows.

    The guarantee is unchanged: a request is answered only after the COMMIT that holds its events (its
    future is resolved after `store` returns). `store` keeps its per-event fallback, so a bad event in one
    body never sinks another body's events. If the database is away, every request of that round gets the
    error (500: LINE redelivers); a connection the server dropped is replaced and the round tried once more
    (safe: a webhookEventId already stored is ignored). Idle for IDLE_SECONDS, the thread closes its
    connection. On SQLite (one writer at a time anyway) the view does not use it."""

    IDLE_SECONDS = 5.0
    MAX_EVENTS = 1000  # events in one round; the rest wait for the next
    APPLICATION_NAME = "ess-inbox-writer"

    def __init__(self):
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()
        self._tagged = None

    async def store(self, events: list[dict], *, drill: bool = False) -> None:
        """Return once `events` are committed (as `store(events, drill=drill)` would); raise what storing
        them raised."""
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        self._queue.put((events, drill, loop, done))
        self._ensure_running()
        await done

    def _ensure_running(self) -> None:
        with self._start:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="line-inbox-writer", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=self.IDLE_SECONDS)
            except queue.Empty:
                connection.close()
                continue
            if first is None:  # close()
                connection.close()
                return
            batch, count = [first], len(first[0])
            while count < self.MAX_EVENTS:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._queue.put(None)
                    break
                batch.append(item)
                count += len(item[0])
            self._round(batch)

    def _round(self, batch: list) -> None:
        # Drill bodies (#17) and real ones are stored apart: `drill` marks every event of a store() call.
        kinds = {
            drill: [event for events, is_drill, _loop, _done in batch if is_drill == drill for event in events]
            for drill in (False, True)
        }
        error: BaseException | None = None
        for _attempt in (1, 2):
            try:
                self._tag_connection()
                for drill, events in kinds.items():
                    if events:
                        store(events, drill=drill)
                error = None
                break
            except (OperationalError, InterfaceError) as exc:
                error = exc
                connection.close()  # a dropped connection: the next attempt opens a new one
            except BaseException as exc:  # anything else: every waiting request answers 500
                error = exc
                connection.close()
                break
        for _events, _drill, loop, done in batch:
            loop.call_soon_threadsafe(_settle, done, error)

    def _tag_connection(self) -> None:
        """Name the connection in pg_stat_activity (operators and tests can tell it from the others)."""
        connection.ensure_connection()
        if connection.connection is not self._tagged:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('application_name', %s, false)", [self.APPLICATION_NAME])
            self._tagged = connection.connection

    def close(self) -> None:
        """Stop the thread and close its connection (tests, before their database goes)."""
        with self._start:
            thread, self._thread = self._thread, None
        if thread is not None and thread.is_alive():
            self._queue.put(None)
            thread.join(10)


def _settle(done: asyncio.Future, error: BaseException | None) -> None:
    if done.cancelled():
        return
    if error is None:
        done.set_result(None)
    else:
        done.set_exception(error)


writer = Writer()


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
    read = parser.read_event(event.payload)
    with worker.one_at_a_time():  # the CPU and database part; the LINE calls before and after overlap
        if not _process_locked(event, reporter, read, now):
            return False
    if not event.is_drill:
        # After the commit: the new case is on the consoles before the worker waits for LINE (the
        # animation was a round trip *before* the case existed). The answer waits in the outbox until this
        # call has returned (outbox.line_key), so the animation never lands after it.
        _loading(event, now)
    return True


def _process_locked(event: LineEvent, reporter: Reporter, read, now: dt.datetime) -> bool:
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
    (a failure counts: the reporter's next event may now be due, so the worker should not idle).

    In the worker process (ess.worker.Threads) it only starts them and returns how many it started."""
    events = _due(now or timezone.now(), limit)
    if not worker.threaded():
        return sum(_process_one(event, now) for event in events)
    # On the worker's threads, each event as soon as it is due (`_due` gives each reporter's first pending
    # one): no report waits for another reporter's calls to LINE. One call at a time per reporter (the key);
    # one still running is skipped and taken again when it has finished (it wakes the worker).
    started = 0
    for event in events:
        if worker.in_background(
            outbox.line_key(event.user_id or f"event-{event.pk}"), partial(_process_one, event, now)
        ):
            started += 1
    return started


def _process_one(event: LineEvent, now: dt.datetime | None) -> int:
    if _earlier_pending_exists(event):
        return 0
    try:
        return 1 if process_event(event, now) else 0
    except Exception as exc:
        log.exception("LINE event %s", event.webhook_event_id)
        _failed(event, exc, now or timezone.now())
        return 1
    finally:
        if connection.vendor == "sqlite":
            # SQLite has one write lock and its busy handler backs off in steps of up to 100 ms: a worker
            # writing back-to-back would keep the webhook's INSERT waiting. A short gap lets it in.
            time.sleep(SQLITE_PAUSE)
