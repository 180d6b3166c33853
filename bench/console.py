"""Benchmark the operator console: how fast a new case reaches N open consoles, and how long the queue
takes to render with 100,000 cases in the database.

    .venv/bin/python bench/console.py                      # SQLite file in /tmp, in-memory channel layer
    DATABASE_URL=postgres://… REDIS_URL=redis://… .venv/bin/python bench/console.py
    .venv/bin/python bench/console.py --consoles 1 10 50 --rounds 30 --cases 100000

Latency: a real daphne process (tests.browser.start_daphne, on 127.0.0.1 and an ephemeral port) serves
the app; N websocket clients are logged in as operators; each round opens a case *inside the server
process* the way the LINE intake does (incidents.actions.do_create_incident, through the test server's
call hook) and measures, per console, the time from just before the request to the moment that console
received the rendered row. With REDIS_URL set the case is created through a second daphne process, so
the figure includes the hop through Redis.

Queue render: the database is filled with `--cases` cases (bulk insert, ~2% still open, the rest closed,
spread over a year), then GET /console/ and /console/queue/ are timed in-process with Django's client.
The database named by DATABASE_URL is modified: point it at a scratch database.
"""

import argparse
import asyncio
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/ess-bench-console.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # a script: the ORM calls below are sync


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def setup_django():
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def operator_sessions(count: int, username: str = "bench_operator") -> list[str]:
    """`count` logged-in sessions of one operator (one per console tab)."""
    from django.test import Client

    from dispatch.staff import ensure_staff
    from ess.models import Role

    user = ensure_staff(username, role=Role.OPERATOR, national=True).user  # sees every province
    cookies = []
    for _ in range(count):
        client = Client()
        client.force_login(user)
        cookies.append(client.cookies["sessionid"].value)
    return cookies


async def connect_consoles(http, server, cookies: list[str]) -> list:
    """One console websocket per session cookie, each joined to its groups before it is returned."""
    sockets = []
    for cookie in cookies:
        ws = await http.ws_connect(
            f"{server.ws_url}/ws/console/", headers={"Origin": server.url, "Cookie": f"sessionid={cookie}"}
        )
        await ws.send_json({"type": "catch_up", "after": 10**12})
        await ws.receive_json(timeout=10)  # joined its groups
        sockets.append(ws)
    return sockets


async def measure_latency(server_in, server_out, consoles: int, rounds: int) -> list[float]:
    """Milliseconds from the case-creating request to each console's receipt of the row."""
    import aiohttp

    cookies = operator_sessions(consoles)
    async with aiohttp.ClientSession() as http:
        sockets = await connect_consoles(http, server_out, cookies)
        samples: list[float] = []
        loop = asyncio.get_running_loop()
        for round_ in range(rounds + 1):  # round 0 warms up (imports, caches) and is not counted
            started = time.perf_counter()
            created = await loop.run_in_executor(
                None,
                lambda: server_in.call(
                    "tests.factories.make_incident", latitude=13.5 + random.random(), longitude=100 + random.random()
                ),
            )

            async def wait_for(ws, pk=created["pk"], started=started):
                while True:
                    message = await ws.receive_json(timeout=15)
                    if message.get("type") == "case" and message["incident_id"] == pk:
                        return (time.perf_counter() - started) * 1000

            got = await asyncio.gather(*(wait_for(ws) for ws in sockets))
            if round_:
                samples.extend(got)
            await asyncio.sleep(0.05)
        for ws in sockets:
            await ws.close()
    return samples


class LineWorker:
    """the worker in a thread of this process (in production it is its own process): processes the
    webhook events daphne stored, replies to the fake LINE platform."""

    def __init__(self):
        import threading

        from django.conf import settings

        from demo import fake_platform

        self.platform = fake_platform.serve()
        settings.LINE_API_BASE_URL = settings.LINE_DATA_API_BASE_URL = self.platform.url
        self.stop_flag = threading.Event()
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self):
        from django.db import close_old_connections

        from incidents.line import worker

        while not self.stop_flag.is_set():
            close_old_connections()
            if not worker.run_once():
                self.stop_flag.wait(0.02)

    def stop(self):
        self.stop_flag.set()
        self.thread.join(10)
        self.platform.stop()


def post_webhook_pin(server, worker: LineWorker) -> None:
    """A citizen shares a location (a pin alone opens a case): a signed webhook POST to daphne."""
    import urllib.request
    import uuid

    from django.conf import settings

    from demo import fake_platform as fake

    user = f"U{uuid.uuid4().hex}"
    event = fake.make_event(
        "message",
        user,
        reply_token=worker.platform.platform.issue_reply_token(user),
        message=fake.location_message(**fake.PLACES["bangkok"]),
    )
    body = fake.body_of([event])
    request = urllib.request.Request(
        f"{server.url}/line/webhook/",
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-Line-Signature": fake.signature(body, settings.LINE_CHANNEL_SECRET),
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


async def measure_webhook_latency(server_in, server_out, consoles: int, rounds: int, worker) -> list[float]:
    """Milliseconds from the signed webhook POST to each console's receipt of the new case's row."""
    import aiohttp

    cookies = operator_sessions(consoles)
    async with aiohttp.ClientSession() as http:
        sockets = await connect_consoles(http, server_out, cookies)
        samples: list[float] = []
        loop = asyncio.get_running_loop()
        for round_ in range(rounds + 1):  # round 0 warms up (imports, caches) and is not counted
            started = time.perf_counter()
            await loop.run_in_executor(None, post_webhook_pin, server_in, worker)

            async def wait_for(ws, started=started):
                while True:
                    message = await ws.receive_json(timeout=15)
                    if message.get("type") == "case" and message.get("kind") == "created":
                        return (time.perf_counter() - started) * 1000

            got = await asyncio.gather(*(wait_for(ws) for ws in sockets))
            if round_:
                samples.extend(got)
            await asyncio.sleep(0.3)  # let the bot's follow-up events (its answers) pass
            for ws in sockets:  # drop the follow-up events of that case before the next round
                while True:
                    try:
                        await ws.receive_json(timeout=0.05)
                    except TimeoutError:
                        break
        for ws in sockets:
            await ws.close()
    return samples


def fill(cases: int) -> None:
    """Bulk-insert `cases` cases (a benchmark fixture: bypasses the per-case actions for speed)."""
    from django.db import transaction
    from django.utils import timezone

    from incidents.models import Category, Incident, Priority, ReferenceCounter, Status

    have = Incident.objects.count()
    if have >= cases:
        return
    now = timezone.now()
    year = now.year + 543
    counter, _ = ReferenceCounter.objects.get_or_create(year=year)
    categories = [c for c in Category.values if c != Category.UNSPECIFIED]
    provinces = [
        ("10", 13.75, 100.5),
        ("50", 18.79, 98.98),
        ("40", 16.43, 102.83),
        ("90", 7.0, 100.47),
        ("20", 13.36, 100.98),
    ]
    batch = []
    number = counter.last_number
    for _ in range(cases - have):
        number += 1
        code, lat, lng = random.choice(provinces)
        is_open = random.random() < 0.02
        received = now - timedelta(minutes=random.randint(1, 90) if is_open else random.randint(60, 525_600))
        batch.append(
            Incident(
                reference=f"ESS-{year}-{number:06d}" if number < 10**6 else f"ESS-{year}-{number}",
                category=random.choice(categories),
                priority=random.choice(Priority.values),
                status=random.choice([Status.NEW, Status.TRIAGED, Status.DISPATCHED]) if is_open else Status.CLOSED,
                latitude=lat + random.uniform(-0.3, 0.3),
                longitude=lng + random.uniform(-0.3, 0.3),
                province_code=code,
                received_at=received,
                closed_at=None if is_open else received + timedelta(hours=2),
            )
        )
        if len(batch) == 5000:
            with transaction.atomic():
                Incident.objects.bulk_create(batch)
            batch = []
    with transaction.atomic():
        Incident.objects.bulk_create(batch)
        ReferenceCounter.objects.filter(year=year).update(last_number=number)


def measure_render(runs: int) -> dict[str, list[float]]:
    """GET /console/ and /console/queue/ `runs` times each, in-process: as a server process renders them
    once it has started (ess.startup: the start-up's objects frozen), its row cache warm (console.screen
    row_html: the rows of a queue shown before), then with that cache emptied before every request (every
    row rendered: the first queue after a start, or one whose every row changed)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from console import screen
    from dispatch.staff import ensure_staff
    from ess import startup
    from ess.models import Role

    client = Client()
    client.force_login(ensure_staff("bench_operator", role=Role.OPERATOR, national=True).user)
    startup.freeze_startup_objects()
    results: dict[str, list[float]] = {}
    for label, url, headers in (
        ("GET /console/ (page)", "/console/", {}),
        ("GET /console/queue/ (htmx rows)", "/console/queue/", {"HX-Request": "true"}),
    ):
        client.get(url, headers=headers)  # warm caches
        with CaptureQueriesContext(connection) as queries:
            client.get(url, headers=headers)
        for cold in (False, True):
            times = []
            for _ in range(runs):
                if cold:
                    screen.clear_row_cache()
                started = time.perf_counter()
                response = client.get(url, headers=headers)
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.status_code
            rows = "every row rendered" if cold else "rows cached"
            results[f"{label}, {len(queries)} queries, {rows}"] = times
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--consoles", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--render-runs", type=int, default=20)
    parser.add_argument("--skip", nargs="*", default=[], choices=["a", "b", "render"], help="Parts to skip.")
    args = parser.parse_args()

    setup_django()
    from django.conf import settings
    from django.db import connection

    from tests.browser import start_daphne

    layer = settings.CHANNEL_LAYERS["default"]["BACKEND"].rsplit(".", 1)[-1]
    print(f"database: {connection.vendor}; channel layer: {layer}; CPUs: {os.cpu_count()}")
    two = bool(settings.REDIS_URL)
    server_out = start_daphne()
    server_in = start_daphne() if two else server_out
    worker = LineWorker()
    try:
        where = "through a second daphne, via Redis" if two else "one daphne process"
        print(f"\n(a) Case opened inside daphne → row shown on N consoles (ms; {args.rounds} cases each; {where})")
        print(f"{'N':>4} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}")
        for n in args.consoles if "a" not in args.skip else []:
            samples = asyncio.run(measure_latency(server_in, server_out, n, args.rounds))
            print(
                f"{n:>4} {percentile(samples, 50):8.1f} {percentile(samples, 95):8.1f} "
                f"{percentile(samples, 99):8.1f} {max(samples):8.1f}"
            )
        relay = "Redis" if two else "the consoles' timeline tail (in-memory layer)"
        print(
            f"\n(b) Signed LINE webhook → the worker (another process) opens the case → row shown on N "
            f"consoles (ms; {args.rounds} cases each; via {relay})"
        )
        print(f"{'N':>4} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}")
        for n in args.consoles if "b" not in args.skip else []:
            samples = asyncio.run(measure_webhook_latency(server_in, server_out, n, args.rounds, worker))
            print(
                f"{n:>4} {percentile(samples, 50):8.1f} {percentile(samples, 95):8.1f} "
                f"{percentile(samples, 99):8.1f} {max(samples):8.1f}"
            )
    except Exception:
        for server in {id(server_out): server_out, id(server_in): server_in}.values():
            log = "".join(server.log)
            print(log[log.find("Traceback") :][:6000] if "Traceback" in log else log[-3000:], file=sys.stderr)
        raise
    finally:
        worker.stop()
        server_out.stop()
        if two:
            server_in.stop()

    if "render" in args.skip:
        return
    started = time.perf_counter()
    fill(args.cases)
    from incidents.models import Incident

    total, open_ = Incident.objects.count(), Incident.objects.open().count()
    print(
        f"\nQueue render with {total:,} cases in the database ({open_:,} open; the queue shows up to 200; "
        f"filled in {time.perf_counter() - started:.0f} s)"
    )
    print(f"{'what':<68} {'p50':>8} {'p95':>8} {'max':>8}")
    for label, times in measure_render(args.render_runs).items():
        print(f"{label:<68} {percentile(times, 50):8.1f} {percentile(times, 95):8.1f} {max(times):8.1f}")


if __name__ == "__main__":
    main()
