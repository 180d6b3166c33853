"""dashboard.stats: every figure against hand-made cases whose answers are worked out here by hand."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from dashboard import stats
from dashboard.stats import Filters, Period
from dispatch.models import Assignment, Presence, Responder
from dispatch.staff import ensure_staff
from ess.models import Role
from incidents import actions
from incidents.models import Category, Hotline, Status
from tests.factories import make_incident

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 28, 5, 0, tzinfo=UTC)  # 12:00 in Bangkok
TODAY = Period(date(2026, 11, 28), date(2026, 11, 28))

PATH = {
    Status.TRIAGED: [Status.TRIAGED],
    Status.DISPATCHED: [Status.TRIAGED, Status.DISPATCHED],
    Status.ACKNOWLEDGED: [Status.TRIAGED, Status.DISPATCHED, Status.ACKNOWLEDGED],
    Status.ON_SCENE: [Status.TRIAGED, Status.DISPATCHED, Status.ON_SCENE],
    Status.RESOLVED: [Status.TRIAGED, Status.DISPATCHED, Status.ON_SCENE, Status.RESOLVED],
}


def case(received: datetime, *, steps: dict | None = None, province: str = "10", **kwargs):
    """A case received at `received` that went through `steps` ({status: minutes after receipt}) in order."""
    incident = make_incident(
        received_at=received, province_code=province, district_code="1007" if province == "10" else "", **kwargs
    )
    for status, minutes in (steps or {}).items():
        incident = actions.do_transition(incident, status, at=received + timedelta(minutes=minutes))
    return incident


def test_it_counts_days_and_hours_by_bangkok_clock():
    # 23:59:59 on the 27th in Bangkok is 16:59:59 UTC; one second later is the 28th in Bangkok.
    case(datetime(2026, 11, 27, 16, 59, 59, tzinfo=UTC))
    case(datetime(2026, 11, 27, 17, 0, 0, tzinfo=UTC))
    case(datetime(2026, 11, 28, 2, 30, tzinfo=UTC))  # 09:30 Bangkok

    assert stats.province_table(None, TODAY, now=NOW)["total"]["received"] == 2
    two_days = Period(date(2026, 11, 27), date(2026, 11, 28))
    assert stats.by_day(None, two_days) == [{"day": date(2026, 11, 27), "n": 1}, {"day": date(2026, 11, 28), "n": 2}]
    hours = stats.by_hour(None, two_days)
    assert (hours[23], hours[0], hours[9], sum(hours)) == (1, 1, 1, 3)
    assert Period(date(2026, 11, 28), date(2026, 11, 28)).start == datetime(2026, 11, 27, 17, 0, tzinfo=UTC)


def test_it_computes_median_and_p90_like_percentile_cont():
    base = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)
    for minutes in (1, 2, 3, 4, 10):
        case(base, steps={Status.TRIAGED: minutes})
    for minutes in (5, 7):
        case(base, province="50", steps={Status.TRIAGED: minutes})
    case(base)  # never triaged: no time, not in n

    times = stats.response_times(None, TODAY)
    overall = times["overall"]["triage"]
    # Seven values 1,2,3,4,5,7,10 min: median the 4th = 4 min; p90 at rank 0.9·6 = 5.4 → 7 + 0.4·3 = 8.2 min.
    assert overall["n"] == 7
    assert overall["median"] == pytest.approx(240, abs=0.01)
    assert overall["p90"] == pytest.approx(8.2 * 60, abs=0.01)
    per = {row["province_code"]: row["spans"]["triage"] for row in times["provinces"]}
    # Bangkok 1,2,3,4,10: median 3; p90 at 3.6 → 4 + 0.6·6 = 7.6 min. Chiang Mai 5,7: 6 and 5 + 0.9·2 = 6.8.
    assert (per["10"]["median"], per["10"]["p90"]) == (pytest.approx(180, abs=0.01), pytest.approx(456, abs=0.01))
    assert (per["50"]["median"], per["50"]["p90"]) == (pytest.approx(360, abs=0.01), pytest.approx(408, abs=0.01))
    assert times["overall"]["dispatch"] == {"n": 0, "median": None, "p90": None}


def test_the_windowed_percentile_matches_on_every_backend():
    base = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)
    for minutes in (3, 9, 27, 81):
        case(base, steps={Status.TRIAGED: minutes})
    qs = (
        stats.received(None, TODAY)
        .annotate(grp=stats.Value(""), val=stats.SecondsBetween(stats.F("received_at"), stats.F("triaged_at")))
        .values_list("grp", "val")
    )
    n, (p50, p90) = stats._windowed_percentiles(qs)[""]
    # 3, 9, 27, 81 min: median (9+27)/2 = 18 min; p90 at 2.7 → 27 + 0.7·54 = 64.8 min.
    assert n == 4
    assert (p50, p90) == (pytest.approx(18 * 60, abs=0.01), pytest.approx(64.8 * 60, abs=0.01))


def test_sla_counts_late_arrivals_and_cases_still_waiting_past_the_target(settings):
    settings.SLA_TRIAGE_MINUTES = 10
    case(NOW - timedelta(hours=2), steps={Status.TRIAGED: 9})  # met
    case(NOW - timedelta(hours=2), steps={Status.TRIAGED: 11})  # late
    case(NOW - timedelta(minutes=20))  # new, waiting past 10 min: late
    case(NOW - timedelta(minutes=2))  # new, still inside the target: not counted
    referred = case(NOW - timedelta(hours=1))
    actions.do_transition(referred, Status.REFERRED, extra_fields={"referred_to": Hotline.POLICE_191})

    total = stats.province_table(None, TODAY, now=NOW)["total"]
    triage = next(s for s in stats.sla(total) if s["key"] == "triage")
    assert (triage["met"], triage["late"], triage["percent"], triage["target_minutes"]) == (1, 2, 33.3, 10)
    late = stats.cases_behind(None, Filters(), TODAY, late="triage", now=NOW)
    assert late.count() == 2


def test_quality_rates_and_referrals_by_hotline():
    base = NOW - timedelta(hours=3)
    for _ in range(4):
        case(base)
    false = case(base)
    actions.do_transition(false, Status.FALSE_REPORT)
    dup_of = case(base)
    dup = case(base)
    actions.do_transition(dup, Status.DUPLICATE, extra_fields={"duplicate_of": dup_of})
    for hotline in (Hotline.POLICE_191, Hotline.SOCIAL_1300):
        actions.do_transition(case(base), Status.REFERRED, extra_fields={"referred_to": hotline})
    actions.do_transition(case(base), Status.CANCELLED)

    total = stats.province_table(None, TODAY, now=NOW)["total"]
    assert total["received"] == 10
    assert (total["false_report"], total["false_rate"], total["duplicate_rate"]) == (1, 10.0, 10.0)
    assert (total["duplicate"], total["cancelled"], total["referred"]) == (1, 1, 2)
    assert (total["referred_191"], total["referred_1669"], total["referred_1300"]) == (1, 0, 1)


def test_volume_by_category_and_province_with_filters():
    base = NOW - timedelta(hours=1)
    case(base, category=Category.THREAT)
    case(base, category=Category.THREAT)
    case(base, category=Category.CONFINEMENT, province="50")
    categories = {c["code"]: c["n"] for c in stats.by_category(None, TODAY)}
    assert (categories["threat"], categories["confinement"], categories["gang_gathering"]) == (2, 1, 0)
    table = stats.province_table(None, TODAY, now=NOW)
    assert [(r["province_code"], r["received"]) for r in table["rows"]] == [("10", 2), ("50", 1)]
    assert table["rows"][0]["name"] in ("กรุงเทพมหานคร", "Bangkok")
    only_threats = Filters(categories=("threat",))
    assert stats.province_table(None, TODAY, only_threats, NOW)["total"]["received"] == 2
    assert stats.province_table(None, TODAY, Filters(provinces=("50",)), NOW)["total"]["received"] == 1


def test_a_province_scope_sees_nothing_of_other_provinces():
    base = NOW - timedelta(hours=1)
    case(base, province="10", steps={Status.TRIAGED: 4})
    case(base, province="10")
    cm = ["50"]
    assert stats.province_table(cm, TODAY, now=NOW)["rows"] == []
    assert sum(stats.by_hour(cm, TODAY)) == 0
    assert stats.response_times(cm, TODAY)["overall"]["triage"]["n"] == 0
    assert stats.backlog(cm, now=NOW)["total"] == 0
    assert stats.map_cells(cm, TODAY) == []
    # Asking for Bangkok by filter does not widen a Chiang Mai scope.
    assert stats.cases_behind(cm, Filters(provinces=("10",)), TODAY).count() == 0
    assert stats.province_table(["10"], TODAY, now=NOW)["total"]["received"] == 2


def test_backlog_by_status_and_age_band_with_deadlines_and_the_oldest_with_no_agency(settings, operator, agencies):
    settings.SLA_TRIAGE_MINUTES = 10
    settings.SLA_DISPATCH_MINUTES = 30
    old = case(NOW - timedelta(hours=30))  # new, > 24 h, overdue
    claimed = case(NOW - timedelta(hours=2))  # new, 1–4 h, overdue, claimed
    claimed.claimed_by, claimed.claim_expires_at = operator, NOW + timedelta(minutes=5)
    claimed.save(update_fields=["claimed_by", "claim_expires_at"])
    fresh = case(NOW - timedelta(minutes=5))  # new, < 15 min, in time
    triaged = case(NOW - timedelta(minutes=20), steps={Status.TRIAGED: 2})  # triaged, 15 min–1 h, in time (30)
    case(NOW - timedelta(hours=5), steps=dict.fromkeys(PATH[Status.RESOLVED], 1))  # not open

    backlog = stats.backlog(None, now=NOW)
    rows = {r["status"]: r for r in backlog["rows"]}
    assert backlog["total"] == 4
    assert [b["n"] for b in rows[Status.NEW]["bands"]] == [1, 0, 1, 0, 1]
    assert [b["n"] for b in rows[Status.TRIAGED]["bands"]] == [0, 1, 0, 0, 0]
    assert (rows[Status.NEW]["overdue"], rows[Status.TRIAGED]["overdue"], backlog["overdue"]) == (2, 0, 2)
    assert backlog["band_totals"] == [1, 1, 1, 0, 1]
    # "No agency" is about help on the way, not an operator's claim: the claimed case still counts.
    oldest = [c["reference"] for c in backlog["oldest_without_agency"]]
    assert oldest[:2] == [old.reference, claimed.reference]
    assert backlog["without_agency"] == 4
    assert stats.cases_behind(None, band="gt24h", now=NOW).get() == old
    assert stats.cases_behind(None, overdue=True, now=NOW).count() == 2
    # A case with an agency on it (even long ago, even on scene) is not "with no agency"; a declined one is.
    on_scene = case(NOW - timedelta(hours=40), steps=dict.fromkeys(PATH[Status.ON_SCENE], 1))
    Assignment.objects.create(incident=on_scene, agency=agencies["bkk"], status="on_scene")
    declined = case(NOW - timedelta(hours=50), steps={Status.TRIAGED: 1})
    Assignment.objects.create(incident=declined, agency=agencies["cm"], status="declined")
    backlog = stats.backlog(None, now=NOW)
    assert [c["reference"] for c in backlog["oldest_without_agency"]][:2] == [declined.reference, old.reference]
    assert on_scene.reference not in [c["reference"] for c in backlog["oldest_without_agency"]]
    assert set(stats.cases_behind(None, no_agency=True, now=NOW)) == {declined, old, claimed, fresh, triaged}
    # The step each open case waits for: how many, and how many past that step's target.
    steps = {s["key"]: s for s in backlog["steps"]}
    assert (steps["triage"]["waiting"], steps["triage"]["overdue"]) == (3, 2)
    assert (steps["dispatch"]["waiting"], steps["dispatch"]["overdue"]) == (2, 1)  # the declined one is late
    assert (steps["resolve"]["waiting"], steps["resolve"]["overdue"]) == (1, 1)
    assert stats.cases_behind(None, step="dispatch", overdue=True, now=NOW).get() == declined


def test_agency_times_from_assignments(agencies):
    base = NOW - timedelta(hours=3)
    for ack, scene in ((2, 20), (4, 40)):
        incident = case(base, steps={Status.TRIAGED: 1, Status.DISPATCHED: 5})
        Assignment.objects.create(
            incident=incident,
            agency=agencies["bkk"],
            assigned_at=base + timedelta(minutes=5),
            acknowledged_at=base + timedelta(minutes=5 + ack),
            on_scene_at=base + timedelta(minutes=5 + scene),
            status="on_scene",
        )
    rows = stats.agency_times(None, TODAY)
    assert [(r["name"], r["assignments"]) for r in rows] == [("สน.ปทุมวัน", 2)]
    spans = rows[0]["spans"]
    assert spans["acknowledge"]["median"] == pytest.approx(180, abs=0.01)
    assert spans["on_scene"]["p90"] == pytest.approx((20 + 0.9 * 20) * 60, abs=0.01)
    assert spans["complete"]["n"] == 0
    assert stats.agency_times(["50"], TODAY) == []


def test_staffing_counts_fresh_presence_and_duty_in_scope(agencies, responder_bkk, responder_cm, settings):
    # Timeline events are stamped by the real clock, so this test counts from it too.
    now = timezone.now()
    settings.DASHBOARD_QUEUE_GROWTH_WARNING = 3
    national_op = ensure_staff("op_nat", role=Role.OPERATOR, national=True).user
    cm_op = ensure_staff("op_cm", role=Role.OPERATOR, provinces=["50"]).user
    gone_op = ensure_staff("op_gone", role=Role.OPERATOR, national=True).user
    Presence.objects.create(user=national_op, channel_name="a", last_seen_at=now)
    Presence.objects.create(user=national_op, channel_name="a2", last_seen_at=now)  # two tabs: one operator
    Presence.objects.create(user=cm_op, channel_name="b", last_seen_at=now)
    Presence.objects.create(user=gone_op, channel_name="c", last_seen_at=now - timedelta(minutes=10))
    Responder.objects.filter(user__in=[responder_bkk, responder_cm]).update(on_duty=True)
    for minutes in (10, 20, 30, 40):
        case(now - timedelta(minutes=minutes))
    in_field = case(now - timedelta(hours=3), steps={Status.TRIAGED: 1, Status.DISPATCHED: 2})
    Assignment.objects.create(incident=in_field, agency=agencies["bkk"], status="pending")
    cleared = case(now - timedelta(hours=3))
    actions.do_transition(cleared, Status.FALSE_REPORT)  # its timeline event is inside the last hour
    later = timezone.now()

    bkk = stats.staffing(["10"], now=later)
    assert bkk["operators_online"] == 1  # the national one; not the Chiang Mai one, not the stale one
    assert bkk["responders_on_duty"] == 1
    assert [(a["name"], a["on_duty"], a["active_cases"]) for a in bkk["agencies"]] == [("สน.ปทุมวัน", 1, 1)]
    assert bkk["open_cases"] == 5
    assert bkk["open_per_operator"] == 5.0
    assert (bkk["in_field"], bkk["in_field_per_responder"]) == (1, 1.0)
    trend = bkk["trend"]
    assert (trend.arrived, trend.cleared, trend.growth, trend.growing, trend.warning) == (4, 1, 3, True, True)
    assert trend.cleared_per_operator == 1.0
    everywhere = stats.staffing(None, now=later)
    assert (everywhere["operators_online"], everywhere["responders_on_duty"]) == (2, 2)
    cm = stats.staffing(["50"], now=later)
    assert (cm["operators_online"], cm["open_cases"], cm["trend"].arrived) == (2, 0, 0)


def test_the_warning_names_an_unstaffed_queue():
    case(NOW - timedelta(hours=2))
    staffing = stats.staffing(None, now=NOW)
    assert staffing["operators_online"] == 0
    assert (staffing["trend"].unstaffed, staffing["trend"].growing, staffing["trend"].warning) == (True, False, True)


def test_map_cells_count_cases_on_a_tenth_of_a_degree_grid():
    base = NOW - timedelta(hours=1)
    case(base, latitude=13.74, longitude=100.53)
    case(base, latitude=13.71, longitude=100.54)
    case(base, latitude=18.79, longitude=98.98, province="50")
    cells = sorted((c["lat"], c["lng"], c["n"]) for c in stats.map_cells(None, TODAY))
    # Cells are given by their centres: 13.7–13.8 N × 100.5–100.6 E holds both Bangkok pins.
    assert cells == [(13.75, 100.55, 2), (18.75, 98.95, 1)]


def test_daily_summary_per_province():
    day = date(2026, 11, 27)
    start = Period(day, day).start
    case(start + timedelta(hours=1), steps={Status.TRIAGED: 6}, category=Category.THREAT)
    case(start + timedelta(hours=2), steps={Status.TRIAGED: 8}, category=Category.CONFINEMENT, province="50")
    case(start + timedelta(days=1, minutes=1))  # the next day
    summary = stats.daily_summary(None, day, now=NOW)
    rows = {r["province_code"]: r for r in summary["table"]["rows"]}
    assert set(rows) == {"10", "50"}
    assert rows["10"]["spans"]["triage"]["median"] == pytest.approx(360, abs=0.01)
    assert summary["table"]["total"]["received"] == 2
    assert summary["table"]["total"]["categories"][list(Category.values).index("confinement")] == 1
    assert stats.daily_summary(["50"], day, now=NOW)["table"]["total"]["received"] == 1
