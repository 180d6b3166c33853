"""dashboard.rollups: the rollups answer what the exact query answers (counts exactly, percentiles within
the stated bound) on random data, stay current as old cases change, leave drills out, and the dashboard
page reads them within the viewer's scope."""

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from dashboard import rollups, stats
from dashboard.models import CaseRollup, DirtyDay, RollupDay
from dashboard.stats import Filters, Period
from dispatch.models import Agency, AgencyKind, Assignment
from ess import worker
from incidents import actions
from incidents.models import OPEN_STATUSES, Category, Hotline, Incident, Status
from tests.factories import make_incident

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 28, 5, 0, tzinfo=UTC)  # 12:00 in Bangkok
FIRST, LAST = date(2026, 11, 5), date(2026, 11, 28)  # Thursday to Saturday: two whole weeks between
START = Period(FIRST, LAST).start


def close(estimate, exact) -> bool:
    """The bound docs/dashboard-rollups.md states: within 4.5 % of the exact value, plus 0.5 s."""
    if exact is None or estimate is None:
        return exact is None and estimate is None
    return abs(estimate - exact) <= 0.045 * abs(exact) + 0.5 + 1e-6


def rollup_worker() -> worker.Worker:
    return worker.Worker([job for job in worker.jobs() if job.name == "dashboard_rollups"])


# --- The histogram on its own -------------------------------------------------------------------------


@given(st.lists(st.floats(min_value=0, max_value=40 * 86400, allow_nan=False), min_size=1, max_size=200))
def test_histogram_percentiles_stay_within_the_stated_bound(values):
    dense = [0] * (rollups.MAX_BUCKET + 1)
    for v in values:
        dense[rollups.bucket(v)] += 1
    n, (p50, p90) = rollups.histogram_percentiles(dense)
    ordered = sorted(values)

    def cont(f):  # percentile_cont
        pos = f * (len(ordered) - 1)
        k = int(pos)
        upper = ordered[min(k + 1, len(ordered) - 1)]
        return ordered[k] + (pos - k) * (upper - ordered[k])

    assert n == len(values)
    assert close(p50, cont(0.5)) and close(p90, cont(0.9))


# --- Rollups against the exact query on random data -------------------------------------------------------

PROVINCES = ["10", "50", "20", ""]  # "" a case whose province is not known yet
MILESTONE_FIELDS = [m.field for m in stats.MILESTONES]


def random_cases(rng: random.Random, n: int, agencies: list[Agency]) -> None:
    incidents = []
    for i in range(n):
        received = START + timedelta(seconds=rng.randrange(int((NOW - START).total_seconds())))
        status = rng.choice(Status.values)
        fields = {}
        at = received
        for field in MILESTONE_FIELDS[: rng.randrange(len(MILESTONE_FIELDS) + 1)]:
            # Durations from under a second to days: every bucket range gets used.
            at = min(NOW, at + timedelta(seconds=rng.choice([0, 0.4, rng.lognormvariate(6, 2)])))
            fields[field] = at
        pinned = rng.random() < 0.8
        incidents.append(
            Incident(
                reference=f"T-{i}",
                category=rng.choice(Category.values),
                status=status,
                referred_to=rng.choice(Hotline.values) if status == Status.REFERRED else "",
                province_code=rng.choice(PROVINCES),
                latitude=rng.uniform(13.5, 14.0) if pinned else None,
                longitude=rng.uniform(100.3, 100.8) if pinned else None,
                received_at=received,
                is_drill=rng.random() < 0.1,
                **fields,
            )
        )
    Incident.objects.bulk_create(incidents)
    assignments = []
    for incident in Incident.objects.all():
        for agency in rng.sample(agencies, rng.randrange(3)):
            assigned = incident.received_at + timedelta(seconds=rng.lognormvariate(6, 1))
            ack = assigned + timedelta(seconds=rng.lognormvariate(5, 1.5)) if rng.random() < 0.7 else None
            scene = ack + timedelta(seconds=rng.lognormvariate(7, 1)) if ack and rng.random() < 0.6 else None
            done = scene + timedelta(hours=rng.random() * 10) if scene and rng.random() < 0.5 else None
            declined = ack is None and rng.random() < 0.3
            assignments.append(
                Assignment(
                    incident=incident,
                    agency=agency,
                    status="declined" if declined else ("completed" if done else "pending"),
                    assigned_at=assigned,
                    acknowledged_at=ack,
                    on_scene_at=scene,
                    completed_at=done,
                )
            )
    Assignment.objects.bulk_create(assignments)


def without_names(table: dict) -> dict:
    return {"rows": [{k: v for k, v in r.items() if k != "name"} for r in table["rows"]], "total": table["total"]}


def both(settings, scope, period, filters):
    settings.DASHBOARD_EXACT_MAX_CASES = 10**9
    exact = rollups.period_figures(scope, period, filters, NOW)
    settings.DASHBOARD_EXACT_MAX_CASES = -1  # the rollups even for an empty selection
    rolled = rollups.period_figures(scope, period, filters, NOW)
    assert (exact["source"], rolled["source"]) == ("exact", "rollup")
    return exact, rolled


def assert_same(exact: dict, rolled: dict) -> None:
    assert without_names(rolled["table"]) == without_names(exact["table"])
    assert rolled["days"] == exact["days"]
    assert rolled["hours"] == exact["hours"]
    key = lambda c: (c["lat"], c["lng"])  # noqa: E731
    assert sorted(rolled["cells"], key=key) == sorted(exact["cells"], key=key)

    def same_spans(a: dict, b: dict) -> None:
        assert a.keys() == b.keys()
        for span in a:
            assert a[span]["n"] == b[span]["n"], span
            assert close(a[span]["median"], b[span]["median"]), (span, a[span], b[span])
            assert close(a[span]["p90"], b[span]["p90"]), (span, a[span], b[span])

    same_spans(rolled["times"]["overall"], exact["times"]["overall"])
    # (On SQLite the exact query leaves out a province with no time measured at all; PostgreSQL keeps it.)
    rolled_provinces = [p for p in rolled["times"]["provinces"] if any(s["n"] for s in p["spans"].values())]
    exact_provinces = [p for p in exact["times"]["provinces"] if any(s["n"] for s in p["spans"].values())]
    assert [p["province_code"] for p in rolled_provinces] == [p["province_code"] for p in exact_provinces]
    for r, e in zip(rolled_provinces, exact_provinces, strict=True):
        same_spans(r["spans"], e["spans"])
    assert [(a["agency_id"], a["assignments"], a["declined"]) for a in rolled["agencies"]] == [
        (a["agency_id"], a["assignments"], a["declined"]) for a in exact["agencies"]
    ]
    for r, e in zip(rolled["agencies"], exact["agencies"], strict=True):
        same_spans(r["spans"], e["spans"])


@pytest.mark.parametrize("seed", [1, 2])
def test_rollups_answer_what_the_exact_query_answers(settings, seed):
    rng = random.Random(seed)
    agencies = [
        Agency.objects.create(code=f"a{i}", name=f"หน่วย {i}", kind=AgencyKind.POLICE, province_code=p)
        for i, p in enumerate(["10", "50", "20"])
    ]
    random_cases(rng, 500, agencies)
    rollups.rebuild_range(FIRST, LAST, NOW)
    assert rollups.segments(Period(FIRST, LAST))[0] == [date(2026, 11, 9), date(2026, 11, 16)]  # week rows read
    assert Incident.objects.filter(is_drill=True).exists()
    assert Incident.objects.filter(status__in=OPEN_STATUSES).exists()

    checked = 0
    for period in (
        Period(FIRST, LAST),
        Period(date(2026, 11, 9), date(2026, 11, 22)),
        Period(date(2026, 11, 22), date(2026, 11, 24)),
        Period(LAST, LAST),
    ):
        for scope in (None, ["10", "50"]):
            for filters in (
                Filters(),
                Filters(provinces=("10",)),
                Filters(categories=(Category.THREAT, Category.CONFINEMENT)),
                Filters(provinces=("50", "20"), categories=(Category.GANG_GATHERING,)),
            ):
                exact, rolled = both(settings, scope, period, filters)
                assert_same(exact, rolled)
                checked += exact["table"]["total"]["received"]
    assert checked > 1000  # the comparisons were about real numbers, not empty tables


# --- Which path answers ---------------------------------------------------------------------------------


def test_small_periods_and_uncovered_periods_are_answered_exactly(settings):
    today = stats.bangkok_today()
    make_incident(received_at=timezone.now() - timedelta(minutes=5))
    period = Period.last_days(30, today)
    settings.DASHBOARD_EXACT_MAX_CASES = 0
    # Not every day of the period has rows yet: exact, whatever the size.
    assert rollups.period_figures(None, period)["source"] == "exact"
    rollups.rebuild_range(period.first, period.last)
    assert rollups.period_figures(None, period)["source"] == "rollup"
    settings.DASHBOARD_EXACT_MAX_CASES = 1  # the period holds one case: at or under the threshold
    assert rollups.period_figures(None, period)["source"] == "exact"
    # An SLA target changed: rows counted met/late against the old one are not read until recomputed.
    settings.DASHBOARD_EXACT_MAX_CASES = 0
    settings.SLA_TRIAGE_MINUTES = 11
    assert rollups.period_figures(None, period)["source"] == "exact"
    rollup_worker().run_once()
    assert RollupDay.objects.exclude(signature=rollups.signature()).count() == 0
    assert rollups.period_figures(None, period)["source"] == "rollup"


# --- Staying current ---------------------------------------------------------------------------------------


def test_a_late_change_to_an_old_case_is_reflected_after_the_worker_runs(settings, agencies):
    settings.DASHBOARD_EXACT_MAX_CASES = 0
    now = timezone.now()
    period = Period.last_days(30)
    old = make_incident(received_at=now - timedelta(days=20))
    actions.do_transition(old, Status.TRIAGED, at=old.received_at + timedelta(minutes=3))
    rollups.rebuild_range(period.first, period.last)
    assert not DirtyDay.objects.exists()

    def figures():
        return rollups.period_figures(None, period)

    assert figures()["table"]["total"]["false_report"] == 0
    actions.do_transition(old, Status.FALSE_REPORT)
    old_day = stats.bangkok_today(old.received_at)
    assert set(DirtyDay.objects.values_list("day", flat=True)) == {old_day}  # marked by the trigger
    assert figures()["table"]["total"]["false_report"] == 0  # not yet: the rollup lags until the worker runs
    rollup_worker().run_once()
    assert figures()["source"] == "rollup"
    assert figures()["table"]["total"]["false_report"] == 1
    old_week = rollups.monday(old_day)
    assert old_week in rollups.segments(period)[0]  # read from its week's rows, rebuilt with the day

    # A day rebuilt on its own (another worker, the command) leaves its week stale, never wrong: its days
    # are read instead until the next round rebuilds the week.
    Incident.objects.filter(pk=old.pk).update(category=Category.CONFINEMENT)
    rollups.rebuild_day(old_day)
    assert old_week not in rollups.segments(period)[0]
    assert figures()["table"]["total"]["by_category"][Category.CONFINEMENT] == 1
    rollup_worker().run_once()
    assert old_week in rollups.segments(period)[0]
    assert figures()["table"]["total"]["by_category"][Category.CONFINEMENT] == 1
    assert not DirtyDay.objects.exists()

    # An assignment acknowledged late (no column of the case changes): its day is recomputed too.
    assignment = Assignment.objects.create(
        incident=old, agency=agencies["bkk"], assigned_at=old.received_at + timedelta(minutes=5)
    )
    rollup_worker().run_once()
    assert figures()["agencies"][0]["spans"]["acknowledge"]["n"] == 0
    assignment.acknowledged_at = old.received_at + timedelta(minutes=9)
    assignment.status = "acknowledged"
    assignment.save(update_fields=["acknowledged_at", "status"])
    rollup_worker().run_once()
    ack = figures()["agencies"][0]["spans"]["acknowledge"]
    assert ack["n"] == 1 and close(ack["median"], 240)

    # A case moved to another province: both provinces' rows of that day are right after the next round.
    Incident.objects.filter(pk=old.pk).update(province_code="50")
    rollup_worker().run_once()
    assert [r["province_code"] for r in figures()["table"]["rows"]] == ["50"]


def test_the_worker_builds_days_that_have_no_rows_newest_first(settings):
    settings.DASHBOARD_EXACT_MAX_CASES = 0
    make_incident(received_at=timezone.now() - timedelta(days=12))
    period = Period.last_days(30)
    rounds = 0
    while rollups.period_figures(None, period)["source"] == "exact":
        assert rollup_worker().run_once(), "a round with days still missing built none"
        rounds += 1
    assert rounds == -(-30 // rollups.BACKFILL_PER_ROUND)  # a week a round: the month in five rounds
    assert rollups.period_figures(None, period)["table"]["total"]["received"] == 1


def test_two_rebuilds_of_a_day_leave_one_set_of_rows():
    make_incident(received_at=NOW)
    rollups.rebuild_day(LAST, NOW)
    rollups.rebuild_day(LAST, NOW)
    assert CaseRollup.objects.filter(day=LAST, category=rollups.ALL).count() == 1


# --- Drills -------------------------------------------------------------------------------------------------


def test_drill_cases_are_in_no_figure_exact_or_rolled_up(settings, client, admin_user):
    settings.DASHBOARD_CACHE_SECONDS = 0
    now = timezone.now()
    period = Period.last_days(30)
    make_incident(received_at=now - timedelta(days=3))
    drill = make_incident(received_at=now - timedelta(days=3))
    Incident.objects.filter(pk=drill.pk).update(is_drill=True)
    rollups.rebuild_range(period.first, period.last)
    client.force_login(admin_user)
    for threshold, source in ((10**9, "exact"), (0, "rollup")):
        settings.DASHBOARD_EXACT_MAX_CASES = threshold
        found = rollups.period_figures(None, period)
        assert (found["source"], found["table"]["total"]["received"]) == (source, 1)
        page = client.get("/dashboard/?range=30d&partial=figures").content.decode()
        assert 'data-kpi="received">1<' in page
    # A case turned into a drill afterwards leaves the rollups at the next round.
    Incident.objects.exclude(pk=drill.pk).update(is_drill=True)
    rollup_worker().run_once()
    assert rollups.period_figures(None, period)["table"]["total"]["received"] == 0


# --- The dashboard page on the rollups ------------------------------------------------------------------------


def test_the_page_reads_the_rollups_within_the_viewers_scope(settings, client, supervisor_bkk, supervisor_cm):
    settings.DASHBOARD_CACHE_SECONDS = 0
    settings.DASHBOARD_EXACT_MAX_CASES = 0
    now = timezone.now()
    for days_ago in (1, 2, 9):
        make_incident(received_at=now - timedelta(days=days_ago))
    make_incident(received_at=now - timedelta(days=4), province_code="50", district_code="5001")
    period = Period.last_days(30)
    rollups.rebuild_range(period.first, period.last)
    assert rollups.period_figures(["10"], period)["source"] == "rollup"
    client.force_login(supervisor_bkk)
    assert 'data-kpi="received">3<' in client.get("/dashboard/?range=30d&partial=figures").content.decode()
    # Asking for a province outside the scope is dropped, never widened to.
    assert 'data-kpi="received">3<' in client.get("/dashboard/?range=30d&province=50").content.decode()
    client.force_login(supervisor_cm)
    assert 'data-kpi="received">1<' in client.get("/dashboard/?range=30d&partial=figures").content.decode()


def test_reading_the_rollups_takes_as_many_queries_for_many_cases_as_for_few(settings, client, admin_user):
    settings.DASHBOARD_CACHE_SECONDS = 0
    settings.DASHBOARD_EXACT_MAX_CASES = 0
    period = Period.last_days(30)
    client.force_login(admin_user)
    now = timezone.now()

    def queries(n_new: int) -> int:
        for i in range(n_new):
            make_incident(received_at=now - timedelta(days=i % 25, hours=1), province_code=["10", "50"][i % 2])
        rollups.rebuild_range(period.first, period.last)
        assert rollups.period_figures(None, period)["source"] == "rollup"
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/dashboard/?range=30d&partial=figures").status_code == 200
        return len(ctx.captured_queries)

    assert queries(2) == queries(20)


# --- The command ------------------------------------------------------------------------------------------------


def test_the_rebuild_command_builds_a_range_and_refuses_bad_input(capsys, english):
    make_incident(received_at=NOW)
    call_command("rebuild_rollups", "--from", "2026-11-20", "--to", "2026-11-28")
    assert RollupDay.objects.count() == 9
    assert CaseRollup.objects.get(day=LAST, province_code="10", category=rollups.ALL).received == 1
    assert "9 days" in capsys.readouterr().out
    with pytest.raises(CommandError, match="is not a date"):
        call_command("rebuild_rollups", "--from", "20/11/2026")
    with pytest.raises(CommandError, match="after"):
        call_command("rebuild_rollups", "--from", "2026-11-28", "--to", "2026-11-20")
    assert RollupDay.objects.count() == 9


def test_a_supervisor_with_no_province_sees_empty_figures_not_an_error(client, settings):
    from dispatch.staff import ensure_staff
    from ess.models import Role

    settings.DASHBOARD_CACHE_SECONDS = 0
    make_incident(received_at=timezone.now() - timedelta(days=2))
    nobody = ensure_staff("sup_none", role=Role.SUPERVISOR).user  # neither national nor any province
    client.force_login(nobody)
    for threshold in (10**9, 0):
        settings.DASHBOARD_EXACT_MAX_CASES = threshold
        response = client.get("/dashboard/?range=30d")
        assert response.status_code == 200
        assert 'data-kpi="received">0<' in response.content.decode()


def test_the_roster_panels_expected_load_comes_from_the_rollups_and_leaves_drills_out(settings):
    from shifts import actions as shifts

    rng = random.Random(5)
    now = datetime(2026, 11, 29, 5, 30, tzinfo=UTC)
    for i in range(60):
        received = now - timedelta(days=rng.randrange(1, 60), minutes=rng.randrange(1440))
        case = make_incident(received_at=received, province_code=rng.choice(["10", "50"]), district_code="")
        if i % 10 == 0:
            Incident.objects.filter(pk=case.pk).update(is_drill=True)
    today = stats.bangkok_today(now)
    rollups.rebuild_range(today - timedelta(days=60), today, now)
    settings.DASHBOARD_EXACT_MAX_CASES = 0
    since = Period(today - timedelta(weeks=8), today).start
    for scope in (None, ["50"]):
        exact = shifts.expected_load_by_hour(scope, now)
        assert rollups.expected_load_by_hour(scope, now) == exact
        # The average per hour × 56 days gives back the counts (rounding to 0.01 loses less than 0.5).
        counted = sum(round(x * 56) for x in exact)
        window = Incident.objects.in_provinces(scope).filter(
            received_at__gte=since, received_at__lt=Period(today, today).start
        )
        assert counted == window.filter(is_drill=False).count() < window.count()
    settings.DASHBOARD_EXACT_MAX_CASES = 10**9
    assert rollups.expected_load_by_hour(None, now) is None  # few cases: shifts counts them itself
