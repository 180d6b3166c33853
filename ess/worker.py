"""The background worker's jobs: one `manage.py worker` runs every job the apps register.

Each app registers what it needs done after a response in its AppConfig.ready (the LINE inbox, photos and
outbox in incidents; acknowledgement deadlines in dispatch), so this module knows no app and the
dependency direction (ess ← incidents ← dispatch) holds. Several workers may run at once: each job
coordinates through the database (row locks, state columns), never through this process.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import close_old_connections, connection
from django.utils import timezone

log = logging.getLogger("ess.worker")

# PostgreSQL NOTIFY channel: whoever stores work for the worker (the LINE webhook) calls wake() and a worker
# waiting in Listener.wait starts its round at once, instead of at its next poll.
CHANNEL = "ess_worker"


def wake() -> None:
    """Tell waiting workers there is work (PostgreSQL: NOTIFY, delivered when the transaction commits;
    call it inside or after the transaction that stored the work). Elsewhere a no-op: they poll."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, '')", [CHANNEL])


class Threads:
    """A worker process's threads for work that waits on LINE (#16).

    A reporter's profile, a reply, the loading animation: ~100 ms each over the internet. In one thread,
    every report waited for the LINE calls of every report before it (measured, LINE answering in 100 ms:
    pin → consoles p95 7.1 s at 5 reports/s, the worker idle on CPU). `manage.py worker` starts these
    threads (WORKER_THREADS); a round then hands each event and each reporter's answers to them
    (`in_background`) instead of doing them in turn. A finished call wakes the worker (NOTIFY), so what it
    unblocked — the reporter's next event, the answer to the event just processed — is taken at once.

    Each thread has a database connection of its own, so every item is its own transactions as with one
    thread; the jobs already coordinate through row locks (several worker processes may run), so threads
    need nothing more. Without started threads (tests calling the jobs, `worker --once`), on SQLite (one
    writer), or inside a caller's transaction (other connections would not see its rows) everything runs in
    line, one after another, as before."""

    def __init__(self, size: int):
        self.pool = ThreadPoolExecutor(max_workers=size, thread_name_prefix="ess-worker")
        self.busy: set = set()
        self.lock = threading.Condition()
        self.cpu = threading.Lock()  # one_at_a_time()


_THREADS: Threads | None = None


def start_threads(size: int) -> None:
    global _THREADS
    if size > 1 and _THREADS is None:
        _THREADS = Threads(size)


def stop_threads(timeout: float = 30.0) -> None:
    """Let the background calls in flight finish (each is bounded by LINE's timeout), then stop."""
    global _THREADS
    threads = _THREADS
    if threads is not None:
        with threads.lock:
            threads.lock.wait_for(lambda: not threads.busy, timeout)
        _THREADS = None
        threads.pool.shutdown(wait=False)


def threaded() -> bool:
    return _THREADS is not None and connection.vendor == "postgresql" and not connection.in_atomic_block


def in_background(key, fn: Callable[[], object]) -> bool:
    """Start `fn()` on a worker thread unless a call with the same `key` is still running (False: not
    started; the caller tries again next round). Keys serialise what must not overlap — one LINE call at a
    time per reporter, so their loading animation never lands after their reply. In line when not threaded()."""
    if not threaded():
        fn()
        return True
    threads = _THREADS
    with threads.lock:
        if key in threads.busy:
            return False
        threads.busy.add(key)
    threads.pool.submit(_background, threads, key, fn)
    return True


@contextmanager
def one_at_a_time():
    """The part of an item that works the CPU and the database (not LINE): one item at a time per worker
    process, as without threads. The threads are there to overlap waits on LINE; run eight items' database
    work at once and a worker far behind took both cores of the 2-core bench machine — itself and eight
    PostgreSQL backends — and the webhook's answer p99 at 50 req/s went from 17 ms to 210 ms. CPU is
    scaled with worker *processes* (docs/capacity.md), waits with threads."""
    threads = _THREADS
    if threads is None:
        yield
        return
    with threads.cpu:
        yield


def is_busy(key) -> bool:
    threads = _THREADS
    if threads is None:
        return False
    with threads.lock:
        return key in threads.busy


def _background(threads: Threads, key, fn: Callable[[], object]) -> None:
    try:
        _reuse_or_replace_connection()
        fn()
    except Exception:
        log.exception("worker: background call %s failed", key)
    finally:
        with threads.lock:
            threads.busy.discard(key)
            threads.lock.notify_all()
        try:
            wake()  # autocommit: sent at once; the worker's next round takes what this call unblocked
        except Exception:
            log.warning("worker: could not wake the worker after %s", key)


def _reuse_or_replace_connection() -> None:
    """A worker thread keeps its database connection from one call to the next (opening one starts a
    PostgreSQL backend: milliseconds a report); one a database restart or outage left broken is replaced."""
    if connection.connection is None or not connection.errors_occurred:
        return
    if connection.is_usable():
        connection.errors_occurred = False
    else:
        connection.close()


class Listener:
    """LISTENs on CHANNEL on a connection of its own; wait() returns on a notification, on `stop`, or
    after `timeout` (the poll, kept as a safety net for a lost notification or a dropped connection)."""

    SLICE = 0.2  # seconds: how soon a stop request is noticed while waiting

    def __init__(self, stop: Callable[[], bool]):
        self.stop = stop
        self.conn = None

    @classmethod
    def available(cls) -> bool:
        return connection.vendor == "postgresql"

    def _connect(self):
        if self.conn is None or self.conn.closed:
            self.conn = connection.get_new_connection(connection.get_connection_params())
            self.conn.autocommit = True
            self.conn.execute(f"LISTEN {CHANNEL}")
        return self.conn

    def wait(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not self.stop():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            try:
                # list(): the generator holds the connection's lock until it is exhausted.
                if list(self._connect().notifies(timeout=min(self.SLICE, left), stop_after=1)):
                    list(self.conn.notifies(timeout=0))  # one round handles all that arrived meanwhile
                    return True
            except Exception as exc:  # the database went away: poll until it is back
                log.warning("worker: LISTEN connection lost (%s); polling", exc)
                self.close()
                time.sleep(min(self.SLICE, max(left, 0)))
        return False

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            finally:
                self.conn = None


@dataclass(frozen=True)
class Job:
    """`run(now)` does what is due and returns how much it did (0: nothing to do). `every()` is the least
    number of seconds between two runs (0: every round); a callable, so settings are read when it runs.
    `prepare()`, if any, runs once when a worker starts, before its first round: one-time costs (an import
    that takes a second) are paid there instead of by the first piece of work, with more queued behind it."""

    name: str
    run: Callable
    every: Callable[[], float]
    prepare: Callable[[], object] | None = None


_JOBS: dict[str, Job] = {}


def register(
    name: str,
    run: Callable,
    *,
    every: Callable[[], float] | float = 0.0,
    prepare: Callable[[], object] | None = None,
) -> None:
    """Register (or replace: ready() may run twice in tests) the job called `name`."""
    interval = every if callable(every) else (lambda: float(every))
    _JOBS[name] = Job(name, run, interval, prepare)


def jobs() -> list[Job]:
    return list(_JOBS.values())


class Worker:
    """Runs the registered jobs round after round until told to stop.

    A job that raises is logged and tried again next time (the database may be away for a moment); it
    never stops the others. Stopping (SIGTERM) is checked between jobs and while idle, so the worker
    finishes what it is doing — one job's slice of work — and exits well within a container's grace period.
    """

    def __init__(self, selected: list[Job] | None = None, clock: Callable[[], float] = time.monotonic):
        self.jobs = selected if selected is not None else jobs()
        self.clock = clock
        self.last_run: dict[str, float] = {}
        self.stopping = False

    def prepare(self) -> None:
        """Each job's one-time preparation, before the first round (a failure is logged, never fatal:
        the job then pays the cost on its first run, as it would have anyway)."""
        for job in self.jobs:
            if job.prepare is not None and not self.stopping:
                try:
                    job.prepare()
                except Exception:
                    log.exception("worker job %s: preparation failed", job.name)

    def run_once(self, now=None) -> int:
        done = 0
        for job in self.jobs:
            if self.stopping:
                break
            started = self.clock()
            last = self.last_run.get(job.name)
            if last is not None and started - last < job.every():
                continue
            self.last_run[job.name] = started
            try:
                done += job.run(now or timezone.now()) or 0
            except Exception:
                log.exception("worker job %s failed; it is tried again next round", job.name)
        return done

    def run_forever(self, idle: float, wait: Callable[[float], object] = time.sleep) -> None:
        while not self.stopping:
            # As a request would: drop a connection the database closed (a restart) or that is too old.
            close_old_connections()
            if not self.run_once() and not self.stopping:
                wait(idle)
