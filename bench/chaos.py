#!/usr/bin/env python3
"""Chaos run (#12): replay the faults R1–R8 of the issue (and two of its fixes) against a real loopback stack
and print one table. Exits 1 if any row fails.

    .venv/bin/python bench/chaos.py --quick                     # small scale, short outages (~2 min)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ess_chaos REDIS_URL=redis://127.0.0.1:6379/2 \\
        .venv/bin/python bench/chaos.py                          # the issue's scale
    .venv/bin/python bench/chaos.py --rows R1,R8 --quick

The stack is a deployment's: daphne (tests.live_asgi, i.e. ess.asgi) and `manage.py worker` as subprocesses
on 127.0.0.1, the fake LINE platform (demo.fake_platform) as LINE's API, real signed webhooks posted the way
LINE does (a webhook not answered 2xx is redelivered, same webhookEventId, `isRedelivery`), real websocket
consoles that reconnect with the console page's back-off and catch up (static/js/console.js).

Faults are injected on loopback only, never on the machine's PostgreSQL or Redis: the processes reach
PostgreSQL through a tests.faults.Proxy (R4 takes it down), R3 runs its own redis-server on a free port and
kills it. Every row uses fresh LINE users, so the database named by DATABASE_URL is only added to: still,
point it at a scratch database. Rows that need PostgreSQL (R4) or a redis-server binary (R3) say "skipped"
otherwise.

Rows: R1 redeliveries, R2 claim/assign races, R3 Redis gone, R4 database stopped, R5 daphne killed -9,
R6 LINE failing (500/429/hanging), R7 worker killed -9 ×3, R8 forged signatures, H1 a poison reporter
(head of line), F1 fuzzed signed bodies, K1 the worker killed while a reply is in flight (found by this
script: the reply was pushed again once its lease expired).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import http.client
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SECRET = "8c570fa6dd201bb328f1c1eac23a96d8"  # the tests' channel secret (tests.line.SECRET)
OK = "nothing lost, nothing doubled, no 500, recovered by itself"
EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Timeout)\w*: ")
PING_EVERY = 30.0  # seconds, as static/js/console.js
R4_GRACE = 2.0  # seconds after the database is back before a 500 counts as "after" (see r4_database_stopped)
ALL_ROWS = ["R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8", "H1", "F1", "K1"]


@dataclass
class Scale:
    reporters: int  # R1 reporters (× 3 events × 3 copies)
    claim_races: int
    assign_races: int
    redis_reports: int
    redis_outage: float
    db_reports: int
    db_outage: float
    daphne_reports: int
    consoles: int
    line_reporters: int
    burst: int
    forged: int
    poison_others: int
    fuzzed: int
    settle: float  # seconds a row waits at most for the stack to finish after its fault


FULL = Scale(300, 50, 75, 20, 60, 20, 30, 20, 5, 30, 100, 200, 10, 60, settle=240)
QUICK = Scale(10, 5, 5, 5, 5, 5, 5, 5, 2, 6, 20, 20, 10, 15, settle=60)


@dataclass
class Row:
    name: str
    what: str
    sent: int = 0
    cases: int = 0
    lost: int = 0
    doubled: int = 0
    errors: int = 0  # 5xx answers (and, for the races, errors of any kind)
    recovery: float | None = None  # seconds from the end of the fault to everything done
    recovered: bool = True
    allowed_500: str = ""  # why 500s are expected in this row (R4: the database is down; LINE redelivers)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: str = ""

    @property
    def ok(self) -> bool:
        return self.skipped != "" or (
            not self.lost
            and not self.doubled
            and (not self.errors or bool(self.allowed_500))
            and self.recovered
            and not self.problems
        )

    @property
    def verdict(self) -> str:
        if self.skipped:
            return f"skipped: {self.skipped}"
        if self.ok:
            if self.errors:
                return f"nothing lost, nothing doubled, 500 only {self.allowed_500}, recovered by itself"
            return OK
        failed = []
        if self.lost:
            failed.append(f"{self.lost} lost")
        if self.doubled:
            failed.append(f"{self.doubled} doubled")
        if self.errors and not self.allowed_500:
            failed.append(f"{self.errors} × 500")
        if not self.recovered:
            failed.append("did not recover by itself")
        return "FAILED: " + "; ".join(failed + self.problems)


# --- the stack -------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(condition, timeout: float, every: float = 0.2) -> float | None:
    """Seconds until condition() was true, or None after `timeout`."""
    started = time.monotonic()
    while True:
        if condition():
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            return None
        time.sleep(every)


class Worker:
    """`manage.py worker` as a deployment runs it."""

    def __init__(self, env: dict):
        self.env = env
        self.process: subprocess.Popen | None = None
        self.log: list[str] = []

    def start(self, timeout: float = 60) -> float:
        """Start it; returns time.monotonic() when it said it started."""
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "worker", "--interval", "0.25"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        ready = threading.Event()
        process = self.process

        def read():
            for line in process.stderr:
                self.log.append(line)
                if "worker started" in line:
                    ready.set()

        threading.Thread(target=read, daemon=True).start()
        if not ready.wait(timeout):
            self.kill()
            raise RuntimeError("the worker did not start:\n" + "".join(self.log[-40:]))
        return time.monotonic()

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()  # SIGKILL: no clean-up at all
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


class RedisServer:
    """A redis-server of our own on a free loopback port (R3 kills it; the machine's Redis is never touched)."""

    def __init__(self):
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @staticmethod
    def available() -> bool:
        return subprocess.run(["which", "redis-server"], capture_output=True).returncode == 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        if wait_until(lambda: _pings(client), 10, 0.05) is None:
            raise RuntimeError("our redis-server did not start")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


def _pings(client) -> bool:
    try:
        return bool(client.ping())
    except Exception:
        return False


class Stack:
    """daphne + the worker, reaching PostgreSQL through a loopback proxy, LINE through the fake platform."""

    def __init__(self, line_url: str, *, redis_url: str | None = None, env: dict | None = None):
        from django.conf import settings

        from tests.browser import test_database_url
        from tests.faults import Proxy

        url = test_database_url()
        self.db_proxy = None
        if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
            db = settings.DATABASES["default"]
            self.db_proxy = Proxy(db.get("HOST") or "127.0.0.1", int(db.get("PORT") or 5432))
            parts = urlsplit(url)
            netloc = parts.netloc.rsplit("@", 1)
            host = f"127.0.0.1:{self.db_proxy.port}"
            url = urlunsplit(parts._replace(netloc=f"{netloc[0]}@{host}" if len(netloc) == 2 else host))
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",
            "DATABASE_URL": url,
            "LINE_API_BASE_URL": line_url,
            "LINE_DATA_API_BASE_URL": line_url,
            "LINE_CHANNEL_SECRET": SECRET,
            "LINE_CHANNEL_ACCESS_TOKEN": "chaos-access-token",
            "LINE_API_TIMEOUT_SECONDS": "2",
            "LINE_INBOX_SETTLE_MS": "0",
            "API_RATE_LIMIT_PER_MINUTE": "100000",
            **(env or {}),
        }
        if redis_url is not None:
            self.env["REDIS_URL"] = redis_url
        self.daphne = None
        self.worker = Worker(self.env)

    def start(self) -> Stack:
        worker = threading.Thread(target=self.worker.start)  # both start at once: start-up is slow under load
        worker.start()
        self.start_daphne()
        worker.join()
        if self.worker.process is None or self.worker.process.poll() is not None:
            raise RuntimeError("the worker did not start:\n" + "".join(self.worker.log[-40:]))
        return self

    def start_daphne(self, port: int = 0):
        from tests.browser import start_daphne

        self.daphne = start_daphne(env=self.env, timeout=60, port=port)
        return self.daphne

    @property
    def url(self) -> str:
        return self.daphne.url

    def log_mark(self) -> tuple:
        return (id(self.daphne.log), len(self.daphne.log), len(self.worker.log))

    def logged_since(self, mark: tuple) -> list[str]:
        """The daphne and worker log lines written after `mark` (a daphne restarted since: its whole log)."""
        same = id(self.daphne.log) == mark[0]
        return [*self.daphne.log[mark[1] if same else 0 :], *self.worker.log[mark[2] :]]

    @staticmethod
    def exceptions(lines: list[str]) -> Counter:
        """The last line of each traceback (e.g. "psycopg.errors.Foo: …") and each ERROR line, counted."""
        found: Counter = Counter()
        for line in lines:
            if EXCEPTION_LINE.match(line) or " ERROR " in line:
                found[line.strip()[:200]] += 1
        return found

    def stop(self) -> None:
        self.worker.stop()
        if self.daphne is not None:
            self.daphne.stop()
        if self.db_proxy is not None:
            self.db_proxy.stop()


# --- LINE's side: signed webhooks, redelivered until answered 2xx -----------------------------------------


class Sender:
    """Posts webhook bodies as LINE does. Anything but a 2xx or a 4xx (no answer, 5xx, 429) is redelivered
    after `retry_every` seconds, with the same events marked isRedelivery, for at most `give_up` seconds."""

    def __init__(self, base_url: str, retry_every: float = 1.0, give_up: float = 120):
        self.netloc = urlsplit(base_url).netloc
        self.retry_every = retry_every
        self.deadline = time.monotonic() + give_up  # for all its deliveries: the row stays bounded in time
        self.statuses: Counter = Counter()
        self.lock = threading.Lock()
        self.local = threading.local()

    def _post(self, body: bytes, headers: dict) -> int:
        for attempt in (1, 2):
            conn = getattr(self.local, "conn", None)
            if conn is None:
                host, _, port = self.netloc.partition(":")
                conn = self.local.conn = http.client.HTTPConnection(host, int(port), timeout=10)
            try:
                conn.request("POST", "/line/webhook/", body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                return response.status
            except (http.client.HTTPException, OSError):
                conn.close()
                self.local.conn = None
                if attempt == 2:
                    return 0
        return 0

    def post_raw(self, body: bytes, signature: str | None) -> int:
        headers = {"Content-Type": "application/json"}
        if signature is not None:
            headers["X-Line-Signature"] = signature
        status = self._post(body, headers)
        with self.lock:
            self.statuses[status] += 1
        return status

    def deliver(self, events: list[dict], *, raw: bytes | None = None) -> int:
        from demo import fake_platform as fake

        body = raw if raw is not None else fake.body_of(events)
        while True:
            status = self.post_raw(body, fake.signature(body, SECRET))
            if 200 <= status < 300 or (400 <= status < 500 and status != 429):
                return status
            if time.monotonic() > self.deadline:
                return status
            time.sleep(self.retry_every)
            if raw is None:
                events = [{**e, "deliveryContext": {"isRedelivery": True}} for e in events]
                body = fake.body_of(events)

    @property
    def five_hundreds(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    def summary(self) -> str:
        return " ".join(f"{status or 'no answer'}×{n}" for status, n in sorted(self.statuses.items()))


def new_user() -> str:
    return f"U{uuid.uuid4().hex}"


def pin(platform, user: str, **kwargs) -> dict:
    from demo import fake_platform as fake

    return fake.make_event(
        "message",
        user,
        reply_token=platform.issue_reply_token(user),
        message=fake.location_message(**fake.PLACES["bangkok"]),
        **kwargs,
    )


def text(platform, user: str, words: str, **kwargs) -> dict:
    from demo import fake_platform as fake

    return fake.make_event(
        "message", user, reply_token=platform.issue_reply_token(user), message=fake.text_message(words), **kwargs
    )


# --- what happened, read from the database and the fake platform ------------------------------------------


def counted_cases(users: list[str]) -> tuple[int, int, int]:
    """(cases, reporters without a case, cases beyond one per reporter)."""
    from incidents.models import Incident

    owners = Counter(
        Incident.objects.filter(reporter__line_user_id__in=users).values_list("reporter__line_user_id", flat=True)
    )
    return sum(owners.values()), sum(1 for u in users if not owners[u]), sum(n - 1 for n in owners.values() if n > 1)


def settled(users: list[str]) -> bool:
    """Every event of these users processed and every answer to them out of the outbox."""
    from incidents.line.models import LineEvent
    from incidents.models import Message

    return (
        not LineEvent.objects.filter(user_id__in=users, state="pending").exists()
        and not Message.objects.filter(reporter__line_user_id__in=users, direction="out", delivery="queued").exists()
    )


def _shown(message: dict) -> str:
    return message.get("text") or message.get("altText", "")


def bot_messages(platform, users: list[str]) -> tuple[int, int, list[str]]:
    """(messages doubled on the reporters' phones, messages never delivered, notes): each outbound message
    the database says went out (sent, or uncertain: LINE may have it) against what the phones received, and
    each LINE event handled at most once (inbound messages stored once per webhookEventId)."""
    from django.db.models import Count

    from incidents.models import Message

    doubled = missing = 0
    notes = []
    outbound: dict[str, Counter] = {u: Counter() for u in users}
    states: Counter = Counter()
    for user, shown, delivery in Message.objects.filter(reporter__line_user_id__in=users, direction="out").values_list(
        "reporter__line_user_id", "text", "delivery"
    ):
        states[delivery] += 1
        if delivery in ("sent", "uncertain"):
            outbound[user][shown] += 1
        else:
            missing += 1
    for user in users:
        got = Counter(_shown(m["message"]) for m in platform.delivered(user))
        doubled += sum(max(0, n - outbound[user][t]) for t, n in got.items())
        missing += sum(max(0, n - got[t]) for t, n in outbound[user].items())
    twice = (
        Message.objects.filter(reporter__line_user_id__in=users, direction="in")
        .exclude(webhook_event_id="")
        .values("webhook_event_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    doubled += twice
    notes.append("bot messages " + ", ".join(f"{k} {v}" for k, v in sorted(states.items())))
    if twice:
        notes.append(f"{twice} LINE events stored twice")
    return doubled, missing, notes


def check_reports(row: Row, platform, users: list[str]) -> None:
    row.cases, lost, extra = counted_cases(users)
    doubled, undelivered, notes = bot_messages(platform, users)
    row.lost += lost + undelivered
    row.doubled += extra + doubled
    row.notes += notes
    if undelivered:
        row.problems.append(f"{undelivered} bot messages not delivered")


# --- consoles ----------------------------------------------------------------------------------------------


def console_sessions(count: int) -> list[tuple[object, str]]:
    """`count` national operators, each with a logged-in session: (user, session cookie)."""
    from django.test import Client

    from dispatch.staff import ensure_staff
    from ess.models import Role

    sessions = []
    for i in range(count):
        user = ensure_staff(f"chaos_console_{i}", role=Role.OPERATOR, national=True).user
        client = Client()
        client.force_login(user)
        sessions.append((user, client.cookies["sessionid"].value))
    return sessions


class Console:
    """An operator's console page, as static/js/console.js behaves: on open it asks to catch up after the
    last event it has; live rows and catch-ups mark events seen; on close it reconnects with exponential
    back-off (500 ms × 2^attempts, ±25 %, at most 30 s)."""

    def __init__(self, stack: Stack, user, cookie: str, after: int):
        self.stack, self.user, self.cookie = stack, user, cookie
        self.last = self.start = after
        self.seen: set[int] = set()
        self.online = False
        self.opened = 0
        self.stopping = False
        self.back_at: float | None = None  # when it last caught up after (re)connecting
        self.confirmed = after  # the server's pong: every event up to here reached this console

    async def run(self, http) -> None:
        import aiohttp

        attempts = 0
        while not self.stopping:
            url = self.stack.daphne.ws_url + "/ws/console/"
            try:
                async with http.ws_connect(
                    url,
                    headers={"Origin": self.stack.url, "Cookie": f"sessionid={self.cookie}"},
                    timeout=aiohttp.ClientWSTimeout(ws_close=2),
                ) as ws:
                    attempts = 0
                    self.opened += 1
                    await ws.send_json({"type": "catch_up", "after": min(self.confirmed, self.last)})
                    pinger = asyncio.ensure_future(self.ping(ws))
                    async for message in ws:
                        if message.type != aiohttp.WSMsgType.TEXT:
                            break
                        data = json.loads(message.data)
                        if data.get("type") == "case":
                            self.seen.add(data["event_id"])
                            self.last = max(self.last, data["event_id"])
                        elif data.get("type") == "catch_up":
                            self.seen.update(data["events"])
                            self.last = max(self.last, data["last_event_id"])
                            if data.get("truncated"):
                                await ws.send_json({"type": "catch_up", "after": self.last})
                            else:
                                self.online, self.back_at = True, time.monotonic()
                        elif data.get("type") == "pong" and isinstance(data.get("checked"), int):
                            self.confirmed = max(self.confirmed, data["checked"])
                        if self.stopping:
                            break
                    pinger.cancel()
            except (aiohttp.ClientError, OSError, TimeoutError):
                pass
            self.online = False
            if self.stopping:
                return
            attempts += 1
            delay = min(30.0, 0.5 * 2**attempts) * (0.75 + random.random() / 2)
            end = time.monotonic() + delay
            while time.monotonic() < end and not self.stopping:
                await asyncio.sleep(0.05)

    async def ping(self, ws) -> None:
        """The page's ping (every 30 s; PING_EVERY here): the server joins the groups again and sends what
        this socket missed."""
        while True:
            await asyncio.sleep(PING_EVERY)
            try:
                await ws.send_json({"type": "ping"})
            except Exception:
                return

    def expected(self) -> set[int]:
        from console import screen

        return {e.id for e in screen.events_after(self.user, self.start, limit=10**6)}

    def missing(self) -> int:
        return len(self.expected() - self.seen)


class Consoles:
    """Several consoles in a thread of their own (an asyncio loop), so the rows stay plain code."""

    def __init__(self, stack: Stack, count: int):
        from console import screen

        after = screen.last_event_id()
        self.items = [Console(stack, user, cookie, after) for user, cookie in console_sessions(count)]
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        if wait_until(self.all_online, 60) is None:
            raise RuntimeError("the consoles did not connect")

    def _run(self) -> None:
        import aiohttp

        async def main():
            async with aiohttp.ClientSession() as http:
                await asyncio.gather(*(c.run(http) for c in self.items))

        self.loop.run_until_complete(main())

    def all_online(self) -> bool:
        return all(c.online for c in self.items)

    def all_back_since(self, moment: float) -> bool:
        return all(c.online and c.back_at and c.back_at > moment for c in self.items)

    def missing(self) -> int:
        return sum(c.missing() for c in self.items)

    def summary(self) -> str:
        expected = [len(c.expected()) for c in self.items]
        return (
            f"each console: {expected[0] if len(set(expected)) == 1 else expected} timeline events to see, "
            f"{self.missing()} missing in all; connections opened {[c.opened for c in self.items]}"
        )

    def stop(self) -> None:
        for c in self.items:
            c.stopping = True
        self.thread.join(15)


def consoles_caught_up(consoles: Consoles) -> bool:
    return consoles.all_online() and consoles.missing() == 0


# --- the rows ----------------------------------------------------------------------------------------------


def deliver_all(sender: Sender, bodies: list[list[dict]], concurrency: int = 16) -> list[int]:
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        return list(pool.map(sender.deliver, bodies))


def r1_redeliveries(ctx: Context) -> Row:
    n = ctx.scale.reporters
    row = Row("R1", f"{n} reporters × 3 events × 3 copies, concurrent and late redeliveries")
    stack = ctx.stack()
    try:
        users = [new_user() for _ in range(n)]
        events = []
        for i, user in enumerate(users):
            base = int(time.time() * 1000) + i
            events.append(
                [
                    pin(ctx.platform, user, timestamp=base),
                    text(ctx.platform, user, "ช่วยด้วย สามีทำร้าย", timestamp=base + 1),
                    text(ctx.platform, user, "ตอนนี้อยู่หน้าบ้าน", timestamp=base + 2),
                ]
            )
        # Copies 1 and 2 of every event at once, in random order; copy 3 late (redelivered), after the rest.
        first = [[e] for evs in events for e in evs for _ in range(2)]
        random.shuffle(first)
        sender = Sender(stack.url, give_up=ctx.scale.settle)
        deliver_all(sender, first)
        late = [[{**e, "deliveryContext": {"isRedelivery": True}}] for evs in events for e in evs]
        random.shuffle(late)
        deliver_all(sender, late)
        row.sent = len(first) + len(late)
        done = time.monotonic()
        recovery = wait_until(lambda: settled(users), ctx.scale.settle)
        row.recovered, row.recovery = recovery is not None, (time.monotonic() - done)
        check_reports(row, ctx.platform, users)
        row.errors = sender.five_hundreds
        row.notes.append(f"webhook answers {sender.summary()}")
    finally:
        ctx.release(stack)
    return row


def api_post(base: str, secret: str, path: str, body: dict) -> int:
    netloc = urlsplit(base).netloc
    host, _, port = netloc.partition(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        conn.request(
            "POST",
            f"/api/{path}",
            body=json.dumps(body),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {secret}"},
        )
        response = conn.getresponse()
        response.read()
        return response.status
    except (http.client.HTTPException, OSError):
        return 0
    finally:
        conn.close()


def race(calls: list) -> list[int]:
    barrier = threading.Barrier(len(calls))

    def go(call):
        barrier.wait(30)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(go, calls))


def r2_races(ctx: Context) -> Row:
    from api.tokens import issue_token
    from dispatch.models import Agency, AgencyKind, Assignment
    from ess.models import Role
    from incidents.models import IncidentEvent
    from tests.factories import make_incident

    claims, assigns = ctx.scale.claim_races, ctx.scale.assign_races
    row = Row("R2", f"{claims} claim races (2 operators) and {assigns} assign races (a double submit), via the API")
    stack = ctx.stack()
    try:
        agency, _ = Agency.objects.get_or_create(
            code="chaos-1300",
            defaults={
                "name": "ศูนย์ 1300 (chaos)",
                "kind": AgencyKind.POLICE,
                "province_code": "10",
                "is_national": True,
            },
        )
        tag = uuid.uuid4().hex[:6]
        a = issue_token(f"chaos-a-{tag}", role=Role.OPERATOR).secret
        b = issue_token(f"chaos-b-{tag}", role=Role.OPERATOR).secret
        statuses: Counter = Counter()
        double_claims = double_assigns = 0
        claim_cases = [make_incident() for _ in range(claims)]
        for case in claim_cases:
            got = race([lambda s=s, c=case: api_post(stack.url, s, f"cases/{c.reference}/claim", {}) for s in (a, b)])
            statuses.update(got)
            won = got.count(200)
            events = IncidentEvent.objects.filter(incident=case, kind="claimed").count()
            if won != 1 or events != 1:
                double_claims += 1
        assign_cases = [make_incident() for _ in range(assigns)]
        body = {"agencies": [{"agency": agency.code}]}
        for case in assign_cases:
            got = race([lambda c=case: api_post(stack.url, a, f"cases/{c.reference}/assignments", body)] * 2)
            statuses.update(got)
            if Assignment.objects.filter(incident=case, agency=agency).count() != 1 or 200 not in got:
                double_assigns += 1
        row.sent = 2 * (claims + assigns)
        row.cases = claims + assigns
        row.doubled = double_claims + double_assigns
        row.errors = sum(n for status, n in statuses.items() if status >= 500 or status == 0)
        row.recovery = 0.0
        row.notes.append("answers " + " ".join(f"{s or 'no answer'}×{n}" for s, n in sorted(statuses.items())))
        if double_claims or double_assigns:
            row.problems.append(f"{double_claims} claim races and {double_assigns} assign races not decided once")
    finally:
        ctx.release(stack)
    return row


def r3_redis_gone(ctx: Context) -> Row:
    n, outage = ctx.scale.redis_reports, ctx.scale.redis_outage
    row = Row(
        "R3", f"our redis-server killed -9 for {outage:g} s during {n} reports; {ctx.scale.consoles} consoles open"
    )
    if not RedisServer.available():
        row.skipped = "no redis-server binary"
        return row
    redis = RedisServer()
    redis.start()
    stack = ctx.stack(redis_url=redis.url)
    consoles = None
    try:
        stack.start()
        consoles = Consoles(stack, ctx.scale.consoles)
        users = [new_user() for _ in range(n)]
        sender = Sender(stack.url, give_up=ctx.scale.settle)
        redis.kill()
        threads = []
        for user in users:
            thread = threading.Thread(target=sender.deliver, args=([pin(ctx.platform, user)],))
            thread.start()
            threads.append(thread)
            time.sleep(outage * 0.8 / n)
        time.sleep(max(0.0, outage - outage * 0.8))
        redis.start()
        back = time.monotonic()
        for thread in threads:
            thread.join()
        row.sent = n
        recovery = wait_until(lambda: settled(users) and consoles_caught_up(consoles), ctx.scale.settle)
        row.recovered, row.recovery = recovery is not None, time.monotonic() - back
        check_reports(row, ctx.platform, users)
        missing = consoles.missing()
        if missing:
            row.problems.append(f"{missing} events missing on the consoles")
        row.lost += missing
        row.notes.append(consoles.summary())
        row.notes.append(f"webhook answers {sender.summary()}")
        row.errors = sender.five_hundreds
    finally:
        if consoles:
            consoles.stop()
        ctx.release(stack)
        redis.kill()
    return row


def r4_database_stopped(ctx: Context) -> Row:
    n, outage = ctx.scale.db_reports, ctx.scale.db_outage
    row = Row("R4", f"PostgreSQL unreachable {outage:g} s (proxy down) during {n} reports")
    row.allowed_500 = "while the database was down (LINE redelivers)"
    stack = ctx.stack()
    if stack.db_proxy is None:
        row.skipped = "needs PostgreSQL (DATABASE_URL)"
        return row
    try:
        users = [new_user() for _ in range(n)]
        sender = Sender(stack.url, give_up=ctx.scale.settle)
        stack.db_proxy.down()
        threads = []
        for user in users:
            thread = threading.Thread(target=sender.deliver, args=([pin(ctx.platform, user)],))
            thread.start()
            threads.append(thread)
            time.sleep(outage * 0.8 / n)
        time.sleep(max(0.0, outage * 0.2))
        stack.db_proxy.up()
        back = time.monotonic()
        # A webhook refused by the proxy just before it came back is answered (500) a moment after: count
        # the 500s as "during" until R4_GRACE seconds after the database is back, not at the very instant.
        time.sleep(R4_GRACE)
        during = sender.five_hundreds
        for thread in threads:
            thread.join()
        row.sent = n
        recovery = wait_until(lambda: settled(users) and counted_cases(users)[1] == 0, ctx.scale.settle)
        row.recovered, row.recovery = recovery is not None, time.monotonic() - back
        check_reports(row, ctx.platform, users)
        row.errors = sender.five_hundreds
        if row.errors > during:
            row.problems.append(f"{row.errors - during} × 500 after the database was back")
        row.notes.append(f"webhook answers {sender.summary()}")
    finally:
        ctx.release(stack)
    return row


def r5_daphne_killed(ctx: Context) -> Row:
    n = ctx.scale.daphne_reports
    row = Row("R5", f"daphne killed -9 during {n} reports, restarted after 1 s; {ctx.scale.consoles} consoles open")
    stack = ctx.stack()
    consoles = None
    try:
        consoles = Consoles(stack, ctx.scale.consoles)
        users = [new_user() for _ in range(n)]
        sender = Sender(stack.url, give_up=ctx.scale.settle)
        half = n // 2
        for user in users[:half]:
            sender.deliver([pin(ctx.platform, user)])
        killed = time.monotonic()
        stack.daphne.process.kill()
        stack.daphne.process.wait(10)
        threads = [threading.Thread(target=sender.deliver, args=([pin(ctx.platform, u)],)) for u in users[half:]]
        for thread in threads:
            thread.start()
        time.sleep(1)
        stack.start_daphne(port=stack.daphne.port)
        for thread in threads:
            thread.join()
        row.sent = n
        reconnect = wait_until(lambda: consoles.all_back_since(killed), ctx.scale.settle)
        reconnect_time = time.monotonic() - killed
        recovery = wait_until(lambda: settled(users) and consoles_caught_up(consoles), ctx.scale.settle)
        row.recovered = reconnect is not None and recovery is not None
        row.recovery = time.monotonic() - killed
        row.notes.append(f"consoles back {reconnect_time:.1f} s after the kill; {consoles.summary()}")
        check_reports(row, ctx.platform, users)
        missing = consoles.missing()
        if missing:
            row.problems.append(f"{missing} events missing on the consoles")
        row.lost += missing
        row.errors = sender.five_hundreds
        row.notes.append(f"webhook answers {sender.summary()}")
    finally:
        if consoles:
            consoles.stop()
        ctx.release(stack)
    return row


def r6_line_failing(ctx: Context) -> Row:
    from api.tokens import issue_token
    from ess.models import Role
    from incidents.line.models import LineEvent
    from incidents.models import Incident, Message

    n = ctx.scale.line_reporters
    row = Row(
        "R6",
        f"LINE answers 500, then 429, then hangs (takes the message, answers after 3 s > the 2 s timeout): "
        f"{n} reporters in each phase, each answered by reply, then written to by an operator (push)",
    )
    stack = ctx.stack()
    platform = ctx.platform
    try:
        sender = Sender(stack.url, give_up=ctx.scale.settle)
        everyone: list[str] = []
        took = []
        operator = issue_token(f"chaos-r6-{uuid.uuid4().hex[:6]}", role=Role.OPERATOR).secret

        def reports(count: int, hang: bool = False) -> list[str]:
            """Each reporter's pin (answered with its reply token), then an operator's message (a push)."""
            users = [new_user() for _ in range(count)]
            for user in users:
                sender.deliver([pin(platform, user)])
            wait_until(lambda: not LineEvent.objects.filter(user_id__in=users, state="pending").exists(), 60)
            if hang:
                # From now on LINE takes every message and answers late. (A 500 answered late would be as
                # "uncertain" to the client, rightly, but LINE would not have it: not this row's question.)
                platform._failures.clear()
                platform.delay = 3.0
                hung.append(len(platform.calls))
            for case in Incident.objects.filter(reporter__line_user_id__in=users):
                status = api_post(stack.url, operator, f"cases/{case.reference}/reply", {"text": "เจ้าหน้าที่กำลังไป"})
                if status != 200:
                    row.problems.append(f"the operator's reply was answered {status}")
            everyone.extend(users)
            return users

        for status in (500, 429):
            platform.fail("/v2/bot/message/", status, times=2 * n)
            users = reports(n)
            started = time.monotonic()
            took.append(wait_until(lambda users=users: settled(users), ctx.scale.settle))
            row.notes.append(f"{status} phase settled {time.monotonic() - started:.1f} s after the reports")
        # The hang: the first answers fail (500), so every batch is waiting for its retry when LINE starts
        # hanging; the retries (replies and pushes) then time out after LINE took the message.
        platform.fail("/v2/bot/message/", 500, times=n)
        hung: list[int] = []
        users = reports(n, hang=True)
        time.sleep(12)  # retries come 5-6 s after the first try; pushes that time out are retried with their key
        platform.delay = 0.0
        during = Counter(f"{c.path.rsplit('/', 1)[-1]} {c.status}" for c in platform.calls[hung[0] :])
        row.notes.append("while LINE hung: " + " ".join(f"{k}×{v}" for k, v in sorted(during.items())))
        back = time.monotonic()
        took.append(wait_until(lambda: settled(users), ctx.scale.settle))
        row.sent = 3 * n
        row.recovered, row.recovery = None not in took, time.monotonic() - back
        check_reports(row, platform, everyone)
        # The retry key: every push of a batch carries the batch's key, and LINE accepted each key once.
        keys = {
            str(k)
            for k in Message.objects.filter(reporter__line_user_id__in=everyone, direction="out").values_list(
                "retry_key", flat=True
            )
        }
        wanted = set(everyone)
        pushes = [c for c in platform.calls if c.path.endswith("/push") and (c.body or {}).get("to") in wanted]
        accepted = Counter(c.headers.get("x-line-retry-key") for c in pushes if 200 <= c.status < 300)
        foreign = sum(1 for c in pushes if c.headers.get("x-line-retry-key") not in keys)
        twice = sum(1 for v in accepted.values() if v > 1)
        if foreign:
            row.problems.append(f"{foreign} pushes without their batch's retry key")
        row.doubled += twice
        statuses = Counter(
            c.status for c in platform.calls if "/v2/bot/message/" in c.path and (c.body or {}).get("to", "") != "x"
        )
        row.notes.append(
            f"{len(pushes)} push attempts, {len(accepted)} retry keys each accepted once; LINE answered "
            + " ".join(f"{s}×{k}" for s, k in sorted(statuses.items()))
        )
        row.errors = sender.five_hundreds
    finally:
        platform.delay = 0.0
        platform._failures.clear()
        ctx.release(stack)
    return row


def r7_worker_killed(ctx: Context) -> Row:
    from incidents.line.models import LineEvent

    n = ctx.scale.burst
    row = Row("R7", f"worker killed -9 three times during a burst of {n} reports (restarted at once)")
    stack = ctx.stack()
    try:
        users = [new_user() for _ in range(n)]
        sender = Sender(stack.url, give_up=ctx.scale.settle)
        bodies = [[pin(ctx.platform, u)] for u in users]
        burst = threading.Thread(target=deliver_all, args=(sender, bodies))
        burst.start()

        def done() -> int:
            return LineEvent.objects.filter(user_id__in=users).exclude(state="pending").count()

        kills = []
        for _ in range(3):
            # Kill it in the middle of its work: once it has done a few more events since it started.
            before = done()
            wait_until(lambda before=before: done() >= min(n, before + max(2, n // 8)), 30, every=0.02)
            kills.append(done())
            stack.worker.kill()
            stack.worker.start()
        burst.join()
        back = time.monotonic()
        row.sent = n
        recovery = wait_until(lambda: settled(users), ctx.scale.settle)
        row.recovered, row.recovery = recovery is not None, time.monotonic() - back
        row.notes.append(f"killed after {kills} of {n} events were processed")
        check_reports(row, ctx.platform, users)
        row.errors = sender.five_hundreds
    finally:
        ctx.release(stack)
    return row


def k1_killed_mid_reply(ctx: Context) -> Row:
    n = 3
    row = Row("K1", f"worker killed -9 while its reply is in flight (LINE answers after 1.5 s), {n} times")
    stack = ctx.stack()
    platform = ctx.platform
    try:
        sender = Sender(stack.url, give_up=ctx.scale.settle)
        users = []
        for _ in range(n):
            user = new_user()
            users.append(user)
            event = pin(platform, user)
            token = event["replyToken"]
            platform.delay = 1.5  # LINE takes the reply at once, answers 1.5 s later (within the 2 s timeout)
            sender.deliver([event])
            in_flight = wait_until(
                lambda token=token: any(
                    c.path.endswith("/reply") and (c.body or {}).get("replyToken") == token for c in platform.calls
                ),
                30,
                every=0.01,
            )
            stack.worker.kill()  # LINE has the reply; the worker never hears back
            platform.delay = 0.0
            if in_flight is None:
                row.problems.append("no reply was in flight to kill")
            stack.worker.start()
        row.sent = n
        back = time.monotonic()
        recovery = wait_until(lambda: settled(users), ctx.scale.settle)  # the lease (60 s) expires first
        row.recovered, row.recovery = recovery is not None, time.monotonic() - back
        check_reports(row, platform, users)
        row.errors = sender.five_hundreds
    finally:
        platform.delay = 0.0
        ctx.release(stack)
    return row


def r8_forged(ctx: Context) -> Row:
    from demo import fake_platform as fake
    from incidents.line.models import LineEvent

    n = ctx.scale.forged
    row = Row("R8", f"{n} forged webhooks (no, wrong, other secret's, replayed-with-changes signatures)")
    stack = ctx.stack()
    try:
        users = [new_user() for _ in range(n)]
        sender = Sender(stack.url, give_up=ctx.scale.settle)
        for i, user in enumerate(users):
            body = fake.body_of([pin(ctx.platform, user)])
            kind = i % 4
            if kind == 0:
                sender.post_raw(body, None)
            elif kind == 1:
                sender.post_raw(body, "bm90IGEgc2lnbmF0dXJl")
            elif kind == 2:
                sender.post_raw(body, fake.signature(body, uuid.uuid4().hex))
            else:  # a genuine signature of another body
                sender.post_raw(body, fake.signature(body.replace(b"Bangkok", b"bangkok") + b" ", SECRET))
        row.sent = n
        time.sleep(1)
        stored = LineEvent.objects.filter(user_id__in=users).count()
        row.cases = counted_cases(users)[0]
        row.doubled = stored + row.cases  # anything stored from a forgery is one too many
        if stored:
            row.problems.append(f"{stored} forged events stored")
        row.errors = sender.five_hundreds
        row.recovery = 0.0
        if any(status not in (401, 429) for status in sender.statuses):
            row.problems.append(f"answers other than 401/429: {sender.summary()}")
        row.notes.append(f"webhook answers {sender.summary()}")
    finally:
        ctx.release(stack)
    return row


def h1_poison(ctx: Context) -> Row:
    from django.utils import timezone

    from incidents.line.models import LineEvent

    others = ctx.scale.poison_others
    row = Row(
        "H1",
        f"a poison reporter (1 event in back-off for 90 s + 25 behind it, all older), then {others} others' pins",
    )
    stack = ctx.stack()
    try:
        sender = Sender(stack.url, give_up=ctx.scale.settle)
        warm = new_user()
        sender.deliver([pin(ctx.platform, warm)])
        wait_until(lambda: settled([warm]), ctx.scale.settle)

        def others_pins() -> tuple[list[str], float | None]:
            users = [new_user() for _ in range(others)]
            sent = time.monotonic()
            sender.deliver([pin(ctx.platform, u) for u in users])
            took = wait_until(lambda: counted_cases(users)[1] == 0, ctx.scale.settle, every=0.02)
            return users, None if took is None else time.monotonic() - sent

        control, baseline = others_pins()  # the same, with nobody in back-off
        poison = new_user()
        now = int(time.time() * 1000)
        first = text(ctx.platform, poison, "ช่วยด้วย", timestamp=now - 60_000)
        LineEvent.objects.create(  # as the worker leaves an event that failed once: waiting 90 s
            webhook_event_id=first["webhookEventId"],
            kind="message",
            user_id=poison,
            timestamp=first["timestamp"],
            payload=first,
            attempts=1,
            error="OperationalError: (chaos) try again later",
            next_attempt_at=timezone.now() + dt.timedelta(seconds=90),
        )
        sender.deliver([text(ctx.platform, poison, f"ข้อความ {i}", timestamp=now - 50_000 + i) for i in range(25)])
        users, took = others_pins()
        row.sent = 1 + 2 * others + 26
        row.recovered, row.recovery = took is not None, took
        limit = max(1.0, 2 * (baseline or 0))
        if took is not None and took > limit:
            row.problems.append(f"the others waited {took:.2f} s (> {limit:.2f} s)")
        wait_until(lambda: settled(users + control), ctx.scale.settle)
        check_reports(row, ctx.platform, users + control)
        waiting = LineEvent.objects.filter(user_id=poison, state="pending").count()
        row.notes.append(
            f"the others' cases {took and round(took, 2)} s after their pins (with nobody in back-off: "
            f"{baseline and round(baseline, 2)} s); the poison reporter's events waiting their turn: {waiting}"
        )
        row.errors = sender.five_hundreds
    finally:
        ctx.release(stack)
    return row


def fuzz_corpus(platform, user: str) -> list[bytes]:
    """Signed bodies of one bad event (each a kind #12 item 3 saw give a 500) and one good pin of `user`."""
    good = json.dumps(pin(platform, user))

    def ev(**fields) -> dict:
        base = text(platform, new_user(), "x")
        base.update(fields)
        return base

    bad = [
        json.dumps(ev(timestamp=2**63)),
        json.dumps(ev(timestamp=-(2**70))),
        json.dumps(ev(timestamp=10**15)),
        json.dumps(ev(replyToken="r" * 300)),
        json.dumps(ev(message={"id": "9" * 100, "type": "text", "text": "x"})),
        json.dumps(ev(message=["ช่วยด้วย"])),
        json.dumps(ev(message={"id": "1", "type": "text", "text": "a\x00b"})),
        json.dumps(ev(webhookEventId="E\x00" + uuid.uuid4().hex)),
        json.dumps(ev(source={"type": "user", "userId": "U\x00" + uuid.uuid4().hex})),
        json.dumps(ev(message={"id": "1", "type": "text", "text": "x" * 200_000})),
        json.dumps(ev(message={"id": "1", "type": "text", "text": 12345})),
        json.dumps(ev(source=None)),
        '"just a string"',
        json.dumps(ev()).replace('"text": "x"', '"text": "\\ud800 lone"'),
        json.dumps(ev()).replace('"text": "x"', '"text": ' + "[" * 5000 + "]" * 5000),
    ]
    return [f'{{"destination":"U{"0" * 32}","events":[{b},{good}]}}'.encode() for b in bad]


def f1_fuzzed(ctx: Context) -> Row:
    n = ctx.scale.fuzzed
    row = Row("F1", f"{n} signed malformed bodies, each one bad event + one good pin")
    stack = ctx.stack()
    try:
        users = [new_user() for _ in range(n)]
        sender = Sender(stack.url, give_up=10)
        for i, user in enumerate(users):
            corpus = fuzz_corpus(ctx.platform, user)
            sender.deliver([], raw=corpus[i % len(corpus)])
        row.sent = n
        back = time.monotonic()
        recovery = wait_until(lambda: settled(users), ctx.scale.settle)
        row.recovered, row.recovery = recovery is not None, time.monotonic() - back
        check_reports(row, ctx.platform, users)
        row.errors = sender.five_hundreds
        row.notes.append(f"webhook answers {sender.summary()}")
    finally:
        ctx.release(stack)
    return row


ROWS = {
    "R1": r1_redeliveries,
    "R2": r2_races,
    "R3": r3_redis_gone,
    "R4": r4_database_stopped,
    "R5": r5_daphne_killed,
    "R6": r6_line_failing,
    "R7": r7_worker_killed,
    "R8": r8_forged,
    "K1": k1_killed_mid_reply,
    "H1": h1_poison,
    "F1": f1_fuzzed,
}


@dataclass
class Context:
    scale: Scale
    platform: object
    line_url: str
    shared: Stack | None = None

    def stack(self, *, redis_url: str | None = None) -> Stack:
        """The stack most rows share (started, and whatever a row killed started again); with `redis_url`, a
        stack of the row's own, not started."""
        if redis_url is not None:
            return Stack(self.line_url, redis_url=redis_url)
        if self.shared is None:
            self.shared = Stack(self.line_url).start()
        stack = self.shared
        if stack.daphne.process.poll() is not None:
            stack.start_daphne(port=stack.daphne.port)
        if stack.worker.process is None or stack.worker.process.poll() is not None:
            stack.worker.start()
        if stack.db_proxy is not None:
            stack.db_proxy.up()
        return stack

    def release(self, stack: Stack) -> None:
        if stack is not self.shared:
            stack.stop()

    def close(self) -> None:
        if self.shared is not None:
            self.shared.stop()


# --- the table ---------------------------------------------------------------------------------------------


def table(rows: list[Row]) -> str:
    head = f"{'row':<4} {'sent':>5} {'cases':>5} {'lost':>4} {'doubled':>7} {'500s':>4} {'recovery':>8}  verdict"
    lines = [head, "-" * len(head)]
    for r in rows:
        recovery = "-" if r.recovery is None else f"{r.recovery:.1f} s"
        lines.append(
            f"{r.name:<4} {r.sent:>5} {r.cases:>5} {r.lost:>4} {r.doubled:>7} {r.errors:>4} {recovery:>8}  {r.verdict}"
        )
        lines.append(f"       what: {r.what}")
        for note in r.notes:
            lines.append(f"       {note}")
    return "\n".join(lines)


def run(argv: list[str] | None = None) -> list[Row]:
    """Run the rows (Django must be set up and the database migrated); print the table; return the rows."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small scale and 5 s outages")
    parser.add_argument("--rows", default=",".join(ALL_ROWS), help="comma-separated, e.g. R1,R8")
    parser.add_argument("--redis-outage", type=float, help="seconds (full: 60, quick: 5)")
    parser.add_argument("--db-outage", type=float, help="seconds (full: 30, quick: 5)")
    parser.add_argument("--reporters", type=int, help="R1's reporters (full: 300, quick: 10)")
    args = parser.parse_args(argv)
    scale = replace(QUICK if args.quick else FULL)
    if args.reporters is not None:
        scale.reporters = args.reporters
    if args.redis_outage is not None:
        scale.redis_outage = args.redis_outage
    if args.db_outage is not None:
        scale.db_outage = args.db_outage
    names = [n.strip().upper() for n in args.rows.split(",") if n.strip()]
    unknown = [n for n in names if n not in ROWS]
    if unknown:
        parser.error(f"unknown rows {unknown}; choose from {', '.join(ALL_ROWS)}")

    from django.conf import settings
    from django.db import connection

    from demo import fake_platform as fake

    layer = "Redis" if settings.REDIS_URL else "in-memory"
    print(
        f"chaos ({'quick' if args.quick else 'full'} scale): database {connection.vendor}, channel layer {layer}, "
        f"outages: Redis {scale.redis_outage:g} s, database {scale.db_outage:g} s; load {os.getloadavg()}",
        flush=True,
    )
    line = fake.serve()
    ctx = Context(scale, line.platform, line.url)
    rows = []
    try:
        if set(names) - {"R3"}:
            ctx.stack()  # the shared stack, started before the first row so its log is watched from the start
        for name in names:
            started = time.monotonic()
            mark = ctx.shared.log_mark() if ctx.shared else None
            try:
                row = ROWS[name](ctx)
            except Exception as exc:
                import traceback

                traceback.print_exc()
                row = Row(name, "(crashed)", problems=[f"the row itself crashed: {type(exc).__name__}: {exc}"])
                row.recovered = False
            if ctx.shared and mark and (row.errors or not row.ok):
                logged = Stack.exceptions(ctx.shared.logged_since(mark))
                for logged_line, count in logged.most_common(4):
                    row.notes.append(f"logged {count}×: {logged_line}")
            row.notes.append(f"row took {time.monotonic() - started:.0f} s; load {os.getloadavg()[0]:.2f}")
            print(f"{name}: {row.verdict}", flush=True)
            rows.append(row)
    finally:
        ctx.close()
        line.stop()
    print()
    print(table(rows))
    print(f"\nload average at the end: {os.getloadavg()}")
    return rows


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/ess-chaos.sqlite3")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    rows = run()
    sys.exit(0 if all(r.ok for r in rows) else 1)


if __name__ == "__main__":
    main()
