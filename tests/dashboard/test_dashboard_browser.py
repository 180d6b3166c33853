"""The dashboard in a real browser: charts drawn, map drawn, no console errors, live refresh.

Uses pytest-django's `live_server` (plain HTTP; the dashboard needs no websocket) with a minimal
Playwright fixture of its own: Debian's chromium, never `playwright install`.
"""

import io
import os
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from dispatch.models import Presence
from incidents import actions
from incidents.models import Category, Status
from tests.factories import make_incident

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/ess-screenshots"))

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def no_shared_figures(settings):
    """Each test sees its own data at once: the period-figures cache is tested on its own below."""
    settings.DASHBOARD_CACHE_SECONDS = 0


def _blank_tile() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGBA", (256, 256), (230, 235, 240, 255)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def page(live_server, monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; the test's own ORM calls (made
    # between browser steps) are still plain synchronous code. Only for these tests.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    tile = _blank_tile()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport={"width": 1366, "height": 1800}, base_url=live_server.url, bypass_csp=True
        )
        # Map tiles come from the internet in production; here every tile is a plain grey square.
        context.route(
            "https://tile.openstreetmap.org/**",
            lambda route: route.fulfill(status=200, content_type="image/png", body=tile),
        )
        page = context.new_page()
        page.errors = []
        page.on("console", lambda msg: msg.type == "error" and page.errors.append(msg.text))
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))
        yield page
        browser.close()


def off_loop(fn, *args, **kwargs):
    """Run a domain write in its own thread: Playwright's sync API keeps an event loop running in this one,
    where the on-commit live publish (async_to_sync) may not run."""
    result = {}

    def run():
        from django.db import connection

        try:
            result["value"] = fn(*args, **kwargs)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return result.get("value")


def seed(now):
    categories = list(Category)
    for i in range(24):
        received = now - timedelta(days=i % 6, hours=i % 5, minutes=7 * i)
        case = make_incident(
            received_at=received,
            category=categories[i % 5],
            province_code="10" if i % 3 else "50",
            district_code="1007" if i % 3 else "5001",
            latitude=13.74 if i % 3 else 18.79,
            longitude=100.53 if i % 3 else 98.98,
        )
        if i % 2:
            actions.do_transition(case, Status.TRIAGED, at=received + timedelta(minutes=3 + i))
        if i % 4 == 1:
            actions.do_transition(case, Status.DISPATCHED, at=received + timedelta(minutes=20 + i))


def test_it_draws_the_charts_and_the_map_without_console_errors(page, live_server, client, admin_user, operator):
    off_loop(seed, timezone.now())
    Presence.objects.create(user=operator, channel_name="browser-op")
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": _session(client, admin_user), "url": live_server.url}]
    )
    page.goto("/dashboard/?range=7d")
    page.wait_for_function("document.documentElement.dataset.dashboardDrawn")
    drawn = page.evaluate(
        "Array.from(document.querySelectorAll('canvas[data-chart]')).map(c => [c.dataset.chart, !!Chart.getChart(c)])"
    )
    assert dict(drawn) == {"days": True, "hours": True, "categories": True, "provinces": True}
    assert page.locator("#dash-map .leaflet-interactive").count() == 2  # a Bangkok cell and a Chiang Mai cell
    assert page.locator('[data-kpi="received"]').inner_text() == "24"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "dashboard.png"), full_page=True)
    assert page.errors == []


def test_it_refreshes_its_figures_without_a_reload(page, live_server, client, supervisor_bkk, settings):
    settings.DASHBOARD_REFRESH_SECONDS = 1
    off_loop(make_incident, received_at=timezone.now() - timedelta(minutes=5))
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": _session(client, supervisor_bkk), "url": live_server.url}]
    )
    page.goto("/dashboard/")
    page.wait_for_function("document.documentElement.dataset.dashboardDrawn")
    assert page.locator('[data-kpi="received"]').inner_text() == "1"
    page.evaluate("window.__sameDocument = true")
    off_loop(make_incident, received_at=timezone.now() - timedelta(minutes=1))
    page.wait_for_function("document.querySelector('[data-kpi=\"received\"]').textContent === '2'", timeout=10000)
    assert page.evaluate("window.__sameDocument") is True  # no reload happened
    assert page.errors == []
    page.goto("about:blank")  # stop polling before the live server and its database go away


def _session(client, user) -> str:
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def seed_now(now, agencies, operator, responder_bkk):
    """A busy Bangkok night: open cases at every step, a claimed case with no agency, people on duty."""
    from dispatch.models import Assignment, Responder

    operator.first_name, operator.last_name = "สมศรี", "ใจดี"
    operator.save()
    Presence.objects.create(user=operator, channel_name="browser-op")
    Responder.objects.filter(user=responder_bkk).update(on_duty=True)
    responder_bkk.first_name, responder_bkk.last_name = "ประเสริฐ", "มั่นคง"
    responder_bkk.save()
    oldest = None
    for i in range(12):
        case = make_incident(received_at=now - timedelta(minutes=9 + 23 * i), category=list(Category)[i % 5])
        if i % 3 == 1:
            case = actions.do_transition(case, Status.TRIAGED)
        if i % 3 == 2:
            case = actions.do_transition(actions.do_transition(case, Status.TRIAGED), Status.DISPATCHED)
            Assignment.objects.create(incident=case, agency=agencies["bkk"], status="pending")
        elif oldest is None or case.received_at < oldest.received_at:
            oldest = case
    return oldest


def test_the_four_questions_fit_above_the_fold_at_1366x768(
    page, live_server, client, supervisor_bkk, settings, agencies, operator, responder_bkk
):
    settings.DASHBOARD_QUEUE_GROWTH_WARNING = 1  # the warning line shows too, and must not push them down
    oldest = off_loop(seed_now, timezone.now(), agencies, operator, responder_bkk)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": _session(client, supervisor_bkk), "url": live_server.url}]
    )
    page.goto("/dashboard/")
    page.wait_for_function("document.documentElement.dataset.dashboardDrawn")
    assert page.locator("[data-queue-warning]").is_visible()
    boxes = page.evaluate(
        """Array.from(document.querySelectorAll('[data-question]')).map(el => {
             const r = el.getBoundingClientRect();
             return {q: el.dataset.question, top: r.top, bottom: r.bottom, left: r.left, right: r.right,
                     clipped: el.scrollHeight > el.clientHeight + 1};
           })"""
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "dashboard-1366.png"))
    assert [b["q"] for b in boxes] == ["open", "oldest", "sla", "duty"]
    for box in boxes:
        assert box["top"] >= 0 and box["bottom"] <= 768, box
        assert box["left"] >= 0 and box["right"] <= 1366, box
        assert not box["clipped"], box  # everything in the box shows, nothing hidden by its height
    assert page.evaluate("window.scrollY") == 0
    # What each box answers, readable without scrolling.
    first = page.locator("[data-question=oldest] li").first
    assert first.get_attribute("data-oldest") == oldest.reference
    assert page.locator("[data-question=sla] tr[data-step]").count() == 5
    duty = page.locator("[data-question=duty]").inner_text()
    assert "สมศรี ใจดี" in duty and "ประเสริฐ มั่นคง" in duty
    # The filters take one line.
    filters = page.locator("#dash-filters").bounding_box()
    assert filters["height"] < 60, filters
    assert page.errors == []
    page.goto("about:blank")


def test_a_custom_range_is_typed_in_the_buddhist_era(page, live_server, client, supervisor_bkk, settings):
    day = timezone.localdate() - timedelta(days=40)
    off_loop(make_incident, received_at=timezone.now() - timedelta(days=40))
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": _session(client, supervisor_bkk), "url": live_server.url}]
    )
    page.goto("/dashboard/")
    be = f"{day.day}/{day.month}/{day.year + 543}"
    page.fill("input[name=from]", be)
    page.fill("input[name=to]", be)
    assert page.locator("select[name=range]").input_value() == "custom"  # typing a date picks "custom"
    page.click("#dash-filters button[type=submit]")
    page.wait_for_function("document.documentElement.dataset.dashboardDrawn")
    assert page.locator('[data-kpi="received"]').inner_text() == "1"
    assert page.locator("input[name=from]").input_value() == be
    page.goto("about:blank")


def test_the_daily_summary_prints_on_a4_landscape_without_cut_columns(page, live_server, client, admin_user):
    import re

    yesterday = timezone.localdate() - timedelta(days=1)
    off_loop(seed, timezone.now() - timedelta(days=1))
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": _session(client, admin_user), "url": live_server.url}]
    )
    page.goto(f"/dashboard/daily/?day={yesterday.isoformat()}")
    page.emulate_media(media="print")
    # A4 landscape less 10 mm margins each side: 277 mm at 96 px per inch.
    printable = round(277 / 25.4 * 96)
    page.set_viewport_size({"width": printable, "height": 700})
    tables = page.evaluate(
        """Array.from(document.querySelectorAll('.daily table')).map(t => ({
             right: t.getBoundingClientRect().right, width: t.scrollWidth,
             cells: Math.max(...Array.from(t.querySelectorAll('th, td')).map(c => c.getBoundingClientRect().right)),
           }))"""
    )
    assert len(tables) >= 4  # received, SLA, per province, cases, sign-off
    for t in tables:
        assert t["right"] <= printable + 1 and t["cells"] <= printable + 1, t
    assert page.locator("[data-case-list] tbody tr").count() > 0
    assert page.locator("[data-signoff]").is_visible()
    pdf = page.pdf(prefer_css_page_size=True, print_background=False)
    box = [float(x) for x in re.search(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)", pdf).groups()]
    assert box[0] > box[1] and abs(box[0] - 841.9) < 2, box  # A4 landscape in points
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "daily.pdf").write_bytes(pdf)
