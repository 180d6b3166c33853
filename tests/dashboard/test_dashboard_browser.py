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
        context = browser.new_context(viewport={"width": 1366, "height": 1800}, base_url=live_server.url)
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
