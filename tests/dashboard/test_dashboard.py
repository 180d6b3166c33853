"""The dashboard pages: who may see them, what each viewer sees, the live partial, the cases behind a
figure, the CSV export and the printable daily summary."""

import csv
import io
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboard.models import ExportRecord
from dispatch.models import Presence
from dispatch.staff import ensure_staff
from ess.models import Role
from incidents import actions
from incidents.models import Category, IncidentEvent, Status
from tests.factories import ReporterFactory, make_incident

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_shared_figures(settings):
    """Each test sees its own data at once: the period-figures cache is tested on its own below."""
    settings.DASHBOARD_CACHE_SECONDS = 0


def bangkok_case(**kwargs):
    kwargs.setdefault("received_at", timezone.now() - timedelta(minutes=30))
    return make_incident(**kwargs)


def chiang_mai_case(**kwargs):
    kwargs.setdefault("received_at", timezone.now() - timedelta(minutes=30))
    return make_incident(
        province_code="50",
        district_code="5001",
        latitude=18.79,
        longitude=98.98,
        address="ถนนช้างคลาน ตำบลช้างคลาน อำเภอเมืองเชียงใหม่ 50100",
        **kwargs,
    )


def body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8")


def csv_rows(response) -> list[list[str]]:
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 byte-order mark first, so Excel reads Thai"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_it_needs_a_login(client):
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("url", ["/dashboard/", "/dashboard/cases/", "/dashboard/cases.csv", "/dashboard/daily/"])
def test_it_refuses_responders(client, responder_bkk, url):
    client.force_login(responder_bkk)
    assert client.get(url).status_code == 403


def test_it_shows_a_supervisor_only_their_provinces(client, supervisor_cm):
    bkk = bangkok_case(description="ข่มขู่ที่ปทุมวัน")
    cm = chiang_mai_case()
    client.force_login(supervisor_cm)
    page = body(client.get("/dashboard/?range=7d"))
    assert "กรุงเทพมหานคร" not in page and 'data-province="10"' not in page
    assert 'data-kpi="received">1<' in page
    # The oldest unclaimed cases are listed by reference: the Chiang Mai one, never the Bangkok one.
    assert cm.reference in page and bkk.reference not in page
    # Asking for Bangkok by filter narrows to nothing instead of widening the scope.
    page = body(client.get("/dashboard/?range=7d&province=10"))
    assert 'data-kpi="received">1<' in page
    cases = body(client.get("/dashboard/cases/?range=7d&province=10"))
    assert bkk.reference not in cases and cm.reference in cases
    rows = csv_rows(client.get("/dashboard/cases.csv?range=7d&province=10"))
    assert [r[0] for r in rows[1:]] == [cm.reference]


def test_a_national_supervisor_gets_a_province_breakdown(client, admin_user):
    bangkok_case()
    bangkok_case()
    chiang_mai_case()
    client.force_login(admin_user)
    page = body(client.get("/dashboard/?range=today"))
    assert 'data-kpi="received">3<' in page
    assert 'data-province="10"' in page and 'data-province="50"' in page


def test_operators_may_read_it(client, operator):
    bangkok_case()
    client.force_login(operator)
    page = body(client.get("/dashboard/"))
    assert 'data-kpi="received">1<' in page
    assert '<form method="post"' not in page  # nothing to change here


def test_the_live_partial_is_the_figures_block_alone(client, supervisor_bkk):
    bangkok_case()
    client.force_login(supervisor_bkk)
    partial = body(client.get("/dashboard/?range=today&partial=figures"))
    assert 'data-kpi="received">1<' in partial
    assert "<html" not in partial and 'id="dash-data"' in partial
    page = body(client.get("/dashboard/?range=today"))
    assert 'data-refresh-url="/dashboard/?range=today&amp;partial=figures"' in page
    assert 'data-refresh-seconds="30"' in page


def test_the_queue_warning_shows_and_explains_itself(client, supervisor_bkk, operator, settings):
    settings.DASHBOARD_QUEUE_GROWTH_WARNING = 2
    Presence.objects.create(user=operator, channel_name="op-1")
    client.force_login(supervisor_bkk)
    bangkok_case()
    assert "data-queue-warning" not in body(client.get("/dashboard/"))
    bangkok_case()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = body(client.get("/dashboard/"))
    assert "data-queue-warning" in page
    assert "In the last hour 2 cases came in and 0 left the queue: it grew by 2." in page
    assert "at least 2 more cases came in than left the queue" in page


def test_custom_ranges_and_bad_input_fall_back_safely(client, supervisor_bkk):
    bangkok_case(received_at=timezone.now() - timedelta(days=40))
    client.force_login(supervisor_bkk)
    day = (timezone.localdate() - timedelta(days=40)).isoformat()
    page = body(client.get(f"/dashboard/?range=custom&from={day}&to={day}"))
    assert 'data-kpi="received">1<' in page
    for junk in ("?range=custom&from=nonsense", "?range=bogus", "?province=xx&category=nope", "?hour=99"):
        assert client.get("/dashboard/" + junk).status_code == 200


def test_each_figure_links_to_the_cases_behind_it(client, supervisor_bkk):
    threat = bangkok_case(category=Category.THREAT)
    confinement = bangkok_case(category=Category.CONFINEMENT)
    actions.do_transition(confinement, Status.FALSE_REPORT)
    client.force_login(supervisor_bkk)
    page = body(client.get("/dashboard/?range=today"))
    assert 'href="/dashboard/cases/?range=today&amp;category=threat"' in page
    assert 'href="/dashboard/cases/?range=today&amp;status=false_report"' in page
    threats = body(client.get("/dashboard/cases/?range=today&category=threat"))
    assert threat.reference in threats and confinement.reference not in threats
    false_reports = body(client.get("/dashboard/cases/?range=today&status=false_report"))
    assert confinement.reference in false_reports and threat.reference not in false_reports
    open_now = body(client.get("/dashboard/cases/?range=today&when=now&open=1"))
    assert threat.reference in open_now and confinement.reference not in open_now


def test_the_csv_is_excel_ready_thai_and_neutralised(client, supervisor_bkk):
    bangkok_case(description='=HYPERLINK("http://evil")', address="+66 ถนนพระราม 1")
    bangkok_case(description="@SUM(A1)", address="-1+2")
    bangkok_case(description="\tแท็บ", address="\rขึ้นบรรทัด")
    bangkok_case(description="ขอความช่วยเหลือด่วน")
    client.force_login(supervisor_bkk)
    response = client.get("/dashboard/cases.csv?range=today")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment;" in response["Content-Disposition"]
    rows = csv_rows(response)
    header = rows[0]
    assert "reporter LINE user id" not in header
    cells = [cell for row in rows[1:] for cell in row]
    assert "ขอความช่วยเหลือด่วน" in cells
    assert "กรุงเทพมหานคร" in cells  # the province by name, in Thai
    for dangerous in ('=HYPERLINK("http://evil")', "@SUM(A1)", "-1+2", "+66 ถนนพระราม 1", "\tแท็บ", "\rขึ้นบรรทัด"):
        assert dangerous not in cells
        assert "'" + dangerous in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_identity_only_for_supervisors_who_ask_and_every_such_export_is_logged(client, supervisor_bkk, operator):
    reporter = ReporterFactory(display_name="สมศรี ใจดี", phone="0812345678")
    case = bangkok_case(reporter=reporter)
    client.force_login(operator)
    # Operators export no case rows at all (#11 item 8), identity or not.
    assert client.get("/dashboard/cases.csv?range=today&identity=1").status_code == 403
    assert not ExportRecord.objects.exists()
    assert not IncidentEvent.objects.filter(kind="identity_exported").exists()

    client.force_login(supervisor_bkk)
    rows = csv_rows(client.get("/dashboard/cases.csv?range=today"))
    assert "reporter display name" not in rows[0]
    rows = csv_rows(client.get("/dashboard/cases.csv?range=today&identity=1"))
    assert rows[0][-3:] == ["reporter display name", "reporter LINE user id", "reporter phone"]
    assert rows[1][-3:] == ["สมศรี ใจดี", reporter.line_user_id, "0812345678"]
    export = ExportRecord.objects.filter(with_identity=True).get()
    assert (export.user, export.rows, export.role) == (supervisor_bkk, 1, "supervisor")
    event = IncidentEvent.objects.get(kind="identity_exported")
    assert (event.incident, event.actor, event.data) == (case, supervisor_bkk, {"export_id": export.pk})


def test_the_printable_daily_summary(client, admin_user, supervisor_cm):
    yesterday = timezone.localdate() - timedelta(days=1)
    bkk = bangkok_case(received_at=timezone.now() - timedelta(days=1))
    cm = chiang_mai_case(received_at=timezone.now() - timedelta(days=1))
    client.force_login(admin_user)
    page = body(client.get(f"/dashboard/daily/?day={yesterday.isoformat()}"))
    assert "@media print" not in page  # print rules live in the stylesheet
    assert "กรุงเทพมหานคร" in page and "เชียงใหม่" in page
    assert str(yesterday.year + 543) in page  # a Buddhist-era date in Thai
    # The day's cases are listed, and a block for the shifts to sign.
    assert bkk.reference in page and cm.reference in page
    assert "data-signoff" in page and "ลงชื่อ" in page
    client.force_login(supervisor_cm)
    page = body(client.get(f"/dashboard/daily/?day={yesterday.isoformat()}"))
    assert "เชียงใหม่" in page and "กรุงเทพมหานคร" not in page
    assert cm.reference in page and bkk.reference not in page


def test_the_daily_case_list_is_capped_and_points_to_the_csv(client, admin_user, monkeypatch):
    from dashboard import stats

    day = timezone.localdate() - timedelta(days=1)
    noon = datetime.combine(day, time(12), tzinfo=ZoneInfo("Asia/Bangkok"))
    for minutes in (10, 20, 30):
        bangkok_case(received_at=noon + timedelta(minutes=minutes))
    monkeypatch.setattr(stats, "DAILY_CASES_SHOWN", 2)
    client.force_login(admin_user)
    page = body(client.get(f"/dashboard/daily/?day={(day - timedelta(days=1)).isoformat()}"))
    assert "แสดง 2 เรื่องแรก" not in page
    page = body(client.get(f"/dashboard/daily/?day={day.isoformat()}"))
    assert "แสดง 2 เรื่องแรกจาก 3 เรื่อง" in page
    assert "/dashboard/cases.csv?range=custom" in page


def test_dates_are_typed_and_read_in_the_buddhist_era_in_thai(client, supervisor_bkk):
    bangkok_case(received_at=timezone.now() - timedelta(days=40))
    day = timezone.localdate() - timedelta(days=40)
    client.force_login(supervisor_bkk)
    page = body(client.get("/dashboard/"))
    today = timezone.localdate()
    # Thai: a text box holding day/month/Buddhist-era year, not the browser's AD date picker.
    assert f'name="from" value="{today.day}/{today.month}/{today.year + 543}"' in page
    assert 'type="date"' not in page
    be = f"{day.day}/{day.month}/{day.year + 543}"
    assert 'data-kpi="received">1<' in body(client.get(f"/dashboard/?range=custom&from={be}&to={be}"))
    ad = f"{day.day}/{day.month}/{day.year}"  # an AD year typed by habit is read as AD
    assert 'data-kpi="received">1<' in body(client.get(f"/dashboard/?range=custom&from={ad}&to={ad}"))
    for junk in ("31/02/2569", "1/13/2569", "x/y/z", "1/1"):
        assert client.get(f"/dashboard/?range=custom&from={junk}&to={junk}").status_code == 200


def test_the_four_questions_name_cases_and_people(client, supervisor_bkk, operator, agencies, responder_bkk):
    from dispatch.models import Assignment, Responder

    operator.first_name = "สมศรี"
    operator.save()
    Presence.objects.create(user=operator, channel_name="op-1")
    Responder.objects.filter(user=responder_bkk).update(on_duty=True)
    responder_bkk.first_name, responder_bkk.last_name = "ประเสริฐ", "มั่นคง"
    responder_bkk.save()
    waiting = bangkok_case(received_at=timezone.now() - timedelta(hours=3))
    waiting.claimed_by, waiting.claim_expires_at = operator, timezone.now() + timedelta(minutes=5)
    waiting.save(update_fields=["claimed_by", "claim_expires_at"])  # claimed, yet no agency on it
    helped = bangkok_case(received_at=timezone.now() - timedelta(hours=5))
    helped = actions.do_transition(helped, Status.TRIAGED)
    helped = actions.do_transition(helped, Status.DISPATCHED)
    Assignment.objects.create(incident=helped, agency=agencies["bkk"], status="pending")
    chiang_mai_case(received_at=timezone.now() - timedelta(hours=9))  # outside the supervisor's province
    client.force_login(supervisor_bkk)
    page = body(client.get("/dashboard/"))
    assert f'data-oldest="{waiting.reference}"' in page
    assert f'data-oldest="{helped.reference}"' not in page
    assert 'data-kpi="open">2<' in page
    assert "สมศรี" in page and "ประเสริฐ มั่นคง" in page and "สน.ปทุมวัน" in page
    listed = body(client.get("/dashboard/cases/?when=now&no_agency=1"))
    assert waiting.reference in listed and helped.reference not in listed


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
        assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_number_of_queries_does_not_grow_with_the_number_of_cases(client, admin_user, agencies):
    from dispatch.models import Assignment

    def add_cases(n):
        # More operators online too: the staffing card must not ask per operator either.
        for i in range(n // 2):
            user = ensure_staff(f"op-{n}-{i}", role=Role.OPERATOR, national=True).user
            Presence.objects.create(user=user, channel_name=f"op-{n}-{i}")
        for i in range(n):
            case = bangkok_case() if i % 2 else chiang_mai_case()
            actions.do_transition(case, Status.TRIAGED)
            actions.do_transition(case, Status.DISPATCHED)
            Assignment.objects.create(incident=case, agency=agencies["bkk" if i % 2 else "cm"])

    client.force_login(admin_user)
    add_cases(2)
    urls = [
        "/dashboard/?range=7d",
        "/dashboard/?range=7d&partial=figures",
        "/dashboard/daily/",
        "/dashboard/cases/?range=7d",
        "/dashboard/cases.csv?range=7d",
    ]
    few = [_queries(client, url) for url in urls]
    add_cases(12)
    many = [_queries(client, url) for url in urls]
    assert few == many


def test_period_figures_are_shared_briefly_but_the_backlog_stays_live(client, supervisor_bkk, settings):
    # A private, empty cache: clearing the configured one would flush a Redis other runs share.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "dashboard-share-test"}
    }
    settings.DASHBOARD_CACHE_SECONDS = 60
    bangkok_case()
    client.force_login(supervisor_bkk)
    first = _queries(client, "/dashboard/?range=today&partial=figures")
    bangkok_case()
    page = body(client.get("/dashboard/?range=today&partial=figures"))
    assert 'data-kpi="received">1<' in page  # the period's count, from the cache …
    assert 'data-kpi="open">2<' in page  # … the backlog, live
    assert _queries(client, "/dashboard/?range=today&partial=figures") < first
    settings.DASHBOARD_CACHE_SECONDS = 0
    assert 'data-kpi="received">2<' in body(client.get("/dashboard/?range=today&partial=figures"))
