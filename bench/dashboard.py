"""Benchmark: the supervisor dashboard on a million cases in PostgreSQL.

    .venv/bin/python bench/dashboard.py [--scenario surge|year] [--cases 1000000] [--runs 20]
                                        [--exact-runs 5] [--keep | --reuse] [--db NAME] [--json FILE]

From Python (e.g. `python -m bench all`): `bench.dashboard.measure(scenario="surge", ...) -> dict`.

Scenarios: "surge" (default) puts the million cases inside the 30-day view — a national-disaster month;
"year" spreads them over 365 days (about 82,000 in the 30-day view), the benchmark of #16's table.

Creates its own database (ess_bench_surge / ess_bench, dropped again at the end unless --keep; reused
with --reuse), migrates it, fills it with COPY — cases spread over 77 provinces (Bangkok busiest) with
a day/night rhythm, their milestones, one assignment per dispatched case, and timeline events for the
last two days — builds the dashboard rollups of the last 30 days (timed, as `manage.py rebuild_rollups`
does after installing) and one worker round recomputing today, then times GET /dashboard/ through
Django's test client (the whole view: every query, template rendering) and prints p50/p95 per view:
the exact query and the path as deployed (rollups above DASHBOARD_EXACT_MAX_CASES) side by side.
Target: p95 ≤ 500 ms for the 30-day national view, cold (the figures cache off).

Needs a PostgreSQL server: BENCH_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres).
Not part of the test suite.
"""

import argparse
import hashlib
import os
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ADMIN_URL = os.environ.get("BENCH_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
DB_NAME = os.environ.get("BENCH_DB_NAME", "ess_bench")

# Share of all cases per status for cases old enough to be settled.
SETTLED = [
    ("closed", 0.70),
    ("resolved", 0.04),
    ("false_report", 0.06),
    ("duplicate", 0.04),
    ("referred", 0.12),
    ("cancelled", 0.04),
]
OPEN_RECENT = [
    ("new", 0.25),
    ("triaged", 0.2),
    ("dispatched", 0.2),
    ("acknowledged", 0.1),
    ("en_route", 0.1),
    ("on_scene", 0.15),
]
CATEGORIES = [
    ("threat", 0.38),
    ("confinement", 0.12),
    ("sexual_abuse_risk", 0.15),
    ("deranged_person", 0.15),
    ("gang_gathering", 0.15),
    ("unspecified", 0.05),
]
# Share of reports per hour of the Bangkok day (evenings busiest).
HOURLY = [2, 1.5, 1, 1, 1, 1.5, 2, 3, 4, 4.5, 5, 5, 5, 5, 5, 5, 5.5, 6, 7, 7.5, 7, 6, 4.5, 3]


def admin_connect():
    import psycopg

    return psycopg.connect(ADMIN_URL, autocommit=True)


def database_url() -> str:
    parts = urlparse(ADMIN_URL)
    return urlunparse(parts._replace(path=f"/{DB_NAME}"))


def create_database(reuse: bool) -> bool:
    """True when the database already existed and is kept (--reuse)."""
    with admin_connect() as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
        if exists and reuse:
            return True
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    return False


def drop_database() -> None:
    with admin_connect() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


def pick(rng: random.Random, table):
    x = rng.random()
    for value, share in table:
        x -= share
        if x <= 0:
            return value
    return table[-1][0]


def province_weights():
    from incidents import geo

    codes = [p.code for p in geo.provinces()]
    rng = random.Random(7)
    weights = {code: rng.uniform(0.4, 2.0) for code in codes}
    weights["10"] = sum(weights.values()) * 0.18  # Bangkok: about 15 % of all reports
    for code in ("50", "20", "40", "90"):  # Chiang Mai, Chon Buri, Khon Kaen, Songkhla
        weights[code] *= 3
    return codes, [weights[c] for c in codes]


def centre(code: str) -> tuple[float, float]:
    """A stable made-up centre per province inside Thailand's box (the bench needs spread, not truth)."""
    h = hashlib.sha256(code.encode()).digest()
    return 6.5 + 13.0 * h[0] / 255, 98.5 + 6.0 * h[1] / 255


def fill(n_cases: int, now: datetime, days: int = 365) -> None:
    from django.db import connection

    from dashboard.stats import Period, bangkok_today
    from dispatch.models import Agency, AgencyKind
    from incidents import geo
    from incidents.references import BUDDHIST_ERA_OFFSET, format_reference

    rng = random.Random(2569)
    codes, weights = province_weights()
    districts = {c: [d.code for d in geo.districts(c)] for c in codes}
    agencies = {}
    for code in codes:
        police = Agency.objects.create(
            code=f"bench-police-{code}", name=f"สถานีตำรวจ {code}", kind=AgencyKind.POLICE, province_code=code
        )
        pmj = Agency.objects.create(
            code=f"bench-pmj-{code}", name=f"พมจ. {code}", kind=AgencyKind.PROVINCIAL_MSDHS, province_code=code
        )
        agencies[code] = (police.pk, pmj.pk)

    hour_weights = HOURLY
    # Bangkok midnight `days` - 1 days ago: every case falls inside the dashboard's `days`-day view.
    start = Period.last_days(days, bangkok_today(now)).start
    # Receipt times: a day at random, then an hour by the Bangkok day's rhythm (none in the future);
    # sorted, as cases arrive in time.
    times = []
    while len(times) < n_cases:
        day = rng.randrange(days)
        hour = rng.choices(range(24), hour_weights)[0]
        local = start + timedelta(days=day, hours=hour, seconds=rng.randrange(3600))
        if local <= now:
            times.append(local)
    times.sort()
    province_of = rng.choices(codes, weights, k=n_cases)

    cols = [
        "reference",
        "category",
        "status",
        "priority",
        "latitude",
        "longitude",
        "outside_thailand",
        "address",
        "province_code",
        "district_code",
        "description",
        "flags",
        "referred_to",
        "outcome",
        "received_at",
        "triaged_at",
        "dispatched_at",
        "acknowledged_at",
        "en_route_at",
        "on_scene_at",
        "resolved_at",
        "closed_at",
        "updated_at",
        "version",
        "legal_hold",
        "legal_hold_reason",
        "is_drill",
    ]
    assignments = []
    events = []
    counters: dict[int, int] = {}
    t0 = time.monotonic()
    connection.ensure_connection()
    raw = connection.connection
    with connection.cursor() as cursor:
        # No per-row triggers while filling (the rollups' dirty-day marks): the rollups are built after.
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("SET statement_timeout = 0")  # one COPY of a million rows outlasts the web's limit
    with raw.cursor() as cursor, cursor.copy(f"COPY incidents_incident ({', '.join(cols)}) FROM STDIN") as copy:
        for i, received in enumerate(times, start=1):
            code = province_of[i - 1]
            year = (received + timedelta(hours=7)).year + BUDDHIST_ERA_OFFSET
            counters[year] = counters.get(year, 0) + 1
            age = now - received
            status = (
                pick(rng, SETTLED)
                if age > timedelta(days=2)
                else (pick(rng, OPEN_RECENT) if age < timedelta(hours=6) else pick(rng, [*SETTLED, ("on_scene", 0.05)]))
            )
            m = {}
            step = received
            # Milestones: log-normal delays, each step after the one before.
            order = [
                "triaged_at",
                "dispatched_at",
                "acknowledged_at",
                "en_route_at",
                "on_scene_at",
                "resolved_at",
                "closed_at",
            ]
            reach = {
                "new": 0,
                "triaged": 1,
                "dispatched": 2,
                "acknowledged": 3,
                "en_route": 4,
                "on_scene": 5,
                "resolved": 6,
                "closed": 7,
                "false_report": rng.choice([0, 1, 2]),
                "duplicate": 1,
                "referred": 1,
                "cancelled": rng.choice([0, 1, 2]),
            }[status]
            medians = [240, 600, 300, 200, 1500, 7200, 86400]
            for k in range(reach):
                step = step + timedelta(seconds=rng.lognormvariate(0, 0.8) * medians[k])
                if step > now:
                    step = now
                m[order[k]] = step
            lat0, lng0 = centre(code)
            row = (
                format_reference(year, counters[year]),
                pick(rng, CATEGORIES),
                status,
                rng.choice([1, 2, 2, 3]),
                lat0 + rng.gauss(0, 0.25),
                lng0 + rng.gauss(0, 0.25),
                False,
                "",
                code,
                rng.choice(districts[code]) if districts[code] else "",
                "",
                "{}",
                rng.choice(["191", "1669", "1300"]) if status == "referred" else "",
                "",
                received,
                m.get("triaged_at"),
                m.get("dispatched_at"),
                m.get("acknowledged_at"),
                m.get("en_route_at"),
                m.get("on_scene_at"),
                m.get("resolved_at"),
                m.get("closed_at"),
                max([received, *m.values()]),
                1,
                False,
                "",
                False,
            )
            copy.write_row(row)
            if "dispatched_at" in m:
                a_status = {5: "on_scene", 4: "en_route", 3: "acknowledged", 2: "pending"}.get(reach, "completed")
                assignments.append(
                    (
                        i,
                        agencies[code][rng.randrange(2)],
                        a_status,
                        m["dispatched_at"],
                        m.get("acknowledged_at"),
                        m.get("en_route_at"),
                        m.get("on_scene_at"),
                        m.get("resolved_at") if a_status == "completed" else None,
                    )
                )
            if age < timedelta(days=2):
                for field_name, value in m.items():
                    events.append((i, "status", "", field_name.removesuffix("_at"), value))
                if status in ("false_report", "duplicate", "referred", "cancelled"):
                    events.append((i, "status", "", status, max([received, *m.values()]) + timedelta(minutes=5)))
    print(f"  {n_cases:,} cases copied in {time.monotonic() - t0:.0f} s", flush=True)
    with connection.cursor() as cursor:
        # COPY gave ids 1..n in order, in a fresh table: the i above is each case's id.
        cursor.execute("SELECT setval(pg_get_serial_sequence('incidents_incident', 'id'), %s)", [n_cases])
        for year, last in counters.items():
            cursor.execute("INSERT INTO incidents_referencecounter (year, last_number) VALUES (%s, %s)", [year, last])
        with (
            raw.cursor() as c2,
            c2.copy(
                "COPY dispatch_assignment (incident_id, agency_id, status, assigned_at, acknowledged_at, en_route_at,"
                " on_scene_at, completed_at, reason, outcome, escalation_level, version) FROM STDIN"
            ) as copy,
        ):
            for a in assignments:
                copy.write_row((*a, "", "", 0, 1))
        with (
            raw.cursor() as c3,
            c3.copy(
                "COPY incidents_incidentevent (incident_id, kind, from_status, to_status, created_at, data) FROM STDIN"
            ) as copy,
        ):
            for e in events:
                copy.write_row((*e, "{}"))
    print(f"  {len(assignments):,} assignments, {len(events):,} timeline events copied", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute("RESET statement_timeout")


def viewers():
    """The two supervisors the scenarios log in as (idempotent: a reused database gets them brought in line)."""
    from dispatch.staff import ensure_staff
    from ess.models import Role

    national = ensure_staff("bench_national", role=Role.SUPERVISOR, national=True).user
    bangkok = ensure_staff("bench_bkk", role=Role.SUPERVISOR, provinces=["10"]).user
    return national, bangkok


def staff(now: datetime):
    from django.contrib.auth import get_user_model

    from dispatch.models import Agency, Presence, Responder
    from dispatch.staff import ensure_staff
    from ess.models import Role

    national, bangkok = viewers()
    User = get_user_model()
    for n in range(12):
        op = ensure_staff(f"bench_op{n}", role=Role.OPERATOR).user
        Presence.objects.create(user=op, channel_name=f"bench.op{n}", screen="console", last_seen_at=now)
    for agency in Agency.objects.filter(code__startswith="bench-")[:154]:
        for n in range(3):
            user = User.objects.create(username=f"bench_{agency.code}_{n}")
            Responder.objects.create(user=user, agency=agency, on_duty=n < 2)
    return national, bangkok


def time_view(client, url: str, runs: int) -> tuple[list[float], int, float]:
    """Wall-clock samples (ms), the number of queries, and the median CPU time one request costs (ms):
    this process plus its PostgreSQL backend. On a busy machine the wall clock mostly measures waiting for
    a core; the CPU time is what the request itself needs, i.e. about its latency on an idle machine."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):  # warm up: connection, template loading, PostgreSQL's caches
        assert client.get(url).status_code == 200
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200, response.status_code
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    return samples, len(ctx.captured_queries), cpu_per_request(client, url, runs=min(7, max(runs, 1)))


def _backend_cpu_ms(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def cpu_per_request(client, url: str, runs: int = 7) -> float:
    """Keep one connection across requests (CONN_MAX_AGE) so its backend's CPU counters can be read."""
    from django.db import connection

    max_age = connection.settings_dict["CONN_MAX_AGE"]
    connection.settings_dict["CONN_MAX_AGE"] = None
    try:
        client.get(url)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        costs = []
        for _ in range(runs):
            own, backend = time.process_time(), _backend_cpu_ms(pid)
            client.get(url)
            costs.append((time.process_time() - own) * 1000 + _backend_cpu_ms(pid) - backend)
        return statistics.median(costs)
    finally:
        connection.settings_dict["CONN_MAX_AGE"] = max_age
        connection.close()


def p(samples: list[float], q: float) -> float:
    if len(samples) < 2:
        return samples[0]
    return statistics.quantiles(sorted(samples), n=100, method="inclusive")[int(q * 100) - 1]


SCENARIOS = {
    # The benchmark of #16's table: a million cases over a year, about 82,000 of them in the 30-day view.
    "year": {"days": 365, "db_suffix": ""},
    # A national-disaster month: the million cases all inside the 30-day view.
    "surge": {"days": 30, "db_suffix": "_surge"},
}
TARGET_MS = 500
EXACT = 10**12  # DASHBOARD_EXACT_MAX_CASES that sends every period to the exact query


def _views(national, bangkok, exact_runs: int, runs: int):
    """(name, user, url, figures-cache seconds or None for as deployed, DASHBOARD_EXACT_MAX_CASES or None
    for as deployed, runs). Cold: the figures cache off, every request runs every query."""
    return [
        ("national, 30 days — exact query", national, "/dashboard/?range=30d", 0, EXACT, exact_runs),
        ("national, 30 days — as deployed", national, "/dashboard/?range=30d", 0, None, runs),
        ("national, today", national, "/dashboard/?range=today", 0, None, runs),
        ("national, 30 days, one category", national, "/dashboard/?range=30d&category=threat", 0, None, runs),
        ("Bangkok supervisor, 30 days", bangkok, "/dashboard/?range=30d", 0, None, runs),
        ("national, 30 days, live refresh (partial)", national, "/dashboard/?range=30d&partial=figures", 0, None, runs),
        ("national, 30 days, cached (as deployed)", national, "/dashboard/?range=30d", None, None, runs),
    ]


def _measure_here(
    scenario: str, cases: int, runs: int, exact_runs: int, keep: bool, reuse: bool, db_name: str, out
) -> dict:
    """Everything in this process (Django is set up here, on the bench database): see measure()."""
    global DB_NAME
    DB_NAME = db_name
    days = SCENARIOS[scenario]["days"]
    reused = create_database(reuse)
    os.environ["DATABASE_URL"] = database_url()
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    from django.conf import settings

    from tests.two_factor import verify_test_logins

    # The supervisors' test-client sessions pass the second factor as the test suite's do, so the
    # timings are of the dashboard, not of a redirect to the two-factor page.
    verify_test_logins()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client, override_settings
    from django.utils import timezone

    from dashboard import rollups, stats

    now = timezone.now()
    figures: dict = {"scenario": scenario, "database": DB_NAME, "target_ms": TARGET_MS}
    try:
        call_command("migrate", verbosity=0)  # a reused database may predate the rollup tables
        if not reused:
            t0 = time.monotonic()
            out(f"Filling {DB_NAME} with {cases:,} cases over {days} days …")
            fill(cases, now, days)
            staff(now)
            with connection.cursor() as cursor:
                cursor.execute("SET statement_timeout = 0")
                cursor.execute("VACUUM ANALYZE")
                cursor.execute("RESET statement_timeout")
            out(f"  filled in {time.monotonic() - t0:.0f} s")
        national, bangkok = viewers()
        # The rollups, as `manage.py rebuild_rollups` builds them after installing; then one worker round
        # with today dirty (what the worker pays every DASHBOARD_ROLLUP_SECONDS in a surge).
        period = stats.Period.last_days(30, stats.bangkok_today(now))
        t0 = time.monotonic()
        rollups.rebuild_range(period.first, period.last)
        figures["rebuild_30_days_s"] = round(time.monotonic() - t0, 1)
        # The worker builds a year back by itself; the roster panel's expected load reads 8 weeks of it.
        rollups.rebuild_range(
            period.first - timedelta(days=rollups.BACKFILL_DAYS - 30), period.first - timedelta(days=1)
        )
        rollups.mark_dirty([period.last])
        t0 = time.monotonic()
        rollups.refresh()
        figures["worker_round_today_s"] = round(time.monotonic() - t0, 2)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE dashboard_caserollup, dashboard_agencyrollup, dashboard_rollupday")
            cursor.execute(
                "SELECT count(*), count(*) FILTER (WHERE received_at >= %s) FROM incidents_incident",
                [period.start],
            )
            total, in_window = cursor.fetchone()
            cursor.execute("SELECT count(*) FROM dashboard_caserollup WHERE day >= %s", [period.first])
            rollup_rows = cursor.fetchone()[0]
            cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            size = cursor.fetchone()[0]
        figures.update(
            cases=total, in_window=in_window, rollup_rows_30_days=rollup_rows, database_size=size, cores=os.cpu_count()
        )
        out(
            f"Database: {total:,} cases ({in_window:,} in the 30-day view), {size}; PostgreSQL "
            f"{connection.pg_version // 10000}; {os.cpu_count()} cores"
        )
        out(
            f"Rollups: 30 days rebuilt in {figures['rebuild_30_days_s']} s ({rollup_rows:,} case rows); "
            f"a worker round recomputing today: {figures['worker_round_today_s']} s"
        )
        figures["load_before"] = [round(x, 2) for x in os.getloadavg()]
        out(f"\nload average before timing: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        out(f"\n{'view':44} {'runs':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'queries':>7} {'CPU ms':>7}")
        figures["views"] = {}
        for name, user, url, cache_seconds, exact_max, n in _views(national, bangkok, exact_runs, runs):
            client = Client()
            client.force_login(user)
            ttl = settings.DASHBOARD_CACHE_SECONDS if cache_seconds is None else cache_seconds
            threshold = settings.DASHBOARD_EXACT_MAX_CASES if exact_max is None else exact_max
            with override_settings(DASHBOARD_CACHE_SECONDS=ttl, DASHBOARD_EXACT_MAX_CASES=threshold):
                samples, queries, cpu = time_view(client, url, n)
            row = {
                "url": url,
                "runs": len(samples),
                "p50_ms": round(p(samples, 0.5)),
                "p95_ms": round(p(samples, 0.95)),
                "max_ms": round(max(samples)),
                "queries": queries,
                "cpu_ms": round(cpu),
            }
            figures["views"][name] = row
            out(
                f"{name:44} {row['runs']:>4} {row['p50_ms']:>8} {row['p95_ms']:>8} {row['max_ms']:>8} "
                f"{queries:>7} {row['cpu_ms']:>7}"
            )
        figures["load_after"] = [round(x, 2) for x in os.getloadavg()]
        out(f"load average after timing: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        deployed = figures["views"]["national, 30 days — as deployed"]
        exact = figures["views"]["national, 30 days — exact query"]
        figures["national_30d_p95_ms"] = deployed["p95_ms"]
        figures["exact_national_30d_p95_ms"] = exact["p95_ms"]
        figures["met"] = deployed["p95_ms"] <= TARGET_MS
        out(
            f"\nTarget p95 ≤ {TARGET_MS} ms for the 30-day national view, cold: {deployed['p95_ms']} ms — "
            + ("met" if figures["met"] else "NOT met")
            + f" (exact query: {exact['p95_ms']} ms; median {exact['p50_ms']} → {deployed['p50_ms']} ms, "
            f"×{exact['p50_ms'] / max(deployed['p50_ms'], 1):.0f})"
        )
    finally:
        connection.close()
        if not keep:
            drop_database()
            out(f"Dropped {DB_NAME}.")
    return figures


def default_db_name(scenario: str) -> str:
    return os.environ.get("BENCH_DB_NAME", "ess_bench") + SCENARIOS[scenario]["db_suffix"]


def measure(
    scenario: str = "surge",
    *,
    cases: int = 1_000_000,
    runs: int = 20,
    exact_runs: int = 5,
    keep: bool = False,
    reuse: bool = False,
    db_name: str | None = None,
    quiet: bool = False,
) -> dict:
    """Run one scenario ("surge": a million cases in the 30-day view; "year": a million over a year) and
    return its figures: {"national_30d_p95_ms", "exact_national_30d_p95_ms", "met", "target_ms",
    "views": {name: {"p50_ms", "p95_ms", "max_ms", "queries", "cpu_ms", "runs", "url"}}, "load_before",
    "load_after", "cases", "in_window", "rebuild_30_days_s", "worker_round_today_s", …}.

    Runs in a child process (Django is set up there, on its own database), so any caller — `python -m
    bench all` included, whatever it has set up — can call it; progress goes to this process's stdout
    unless `quiet`."""
    import json
    import subprocess
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".json") as result:
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--scenario",
            scenario,
            "--cases",
            str(cases),
            "--runs",
            str(runs),
            "--exact-runs",
            str(exact_runs),
            "--db",
            db_name or default_db_name(scenario),
            "--json",
            result.name,
        ]
        command += ["--keep"] if keep else []
        command += ["--reuse"] if reuse else []
        subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL if quiet else None)
        return json.loads(Path(result.name).read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), default="surge")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--exact-runs", type=int, default=5, help="runs of the exact query (seconds each)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="time a database filled by an earlier --keep run")
    parser.add_argument("--db", help="database name (default: BENCH_DB_NAME or ess_bench, + _surge for surge)")
    parser.add_argument("--json", help="also write the figures to this file, as JSON")
    args = parser.parse_args()
    figures = _measure_here(
        args.scenario,
        args.cases,
        args.runs,
        args.exact_runs,
        args.keep,
        args.reuse,
        args.db or default_db_name(args.scenario),
        lambda line: print(line, flush=True),
    )
    if args.json:
        import json

        Path(args.json).write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
