"""The background worker's jobs: one `manage.py worker` runs every job the apps register.

Each app registers what it needs done after a response in its AppConfig.ready (the LINE inbox, photos and
outbox in incidents; acknowledgement deadlines in dispatch), so this module knows no app and the
dependency direction (ess ← incidents ← dispatch) holds. Several workers may run at once: each job
coordinates through the database (row locks, state columns), never through this process.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
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
