"""An operator assigns a case; the responder's phone (narrow viewport) shows it live and taps it through
to completion. Real daphne serving ess.asgi:application on an ephemeral port, real headless chromium.

The server runs in its own process on the test database, so everything that must be heard live goes
through the browser (the in-memory channel layer is per process).
"""

import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection

from dispatch import reporter_updates
from dispatch.models import Assignment, AssignmentStatus, Responder
from incidents.line import worker
from incidents.models import Incident, Language, Status
from tests.conftest import CHROMIUM, PASSWORD
from tests.factories import ReporterFactory, make_incident
from tests.incidents.line.conftest import fake_line, later  # noqa: F401 — fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
SERVER_APP = "ess-dispatch-live-server"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    # Named, so that teardown can end exactly the server's sessions.
    return (f"postgres://{s['USER']}:{s['PASSWORD'] or ''}@{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}"
            f"?application_name={SERVER_APP}")


@pytest.fixture
def server(tmp_path):
    log = tmp_path / "daphne.log"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.dispatch.browser_settings",
           "DATABASE_URL": _database_url()}
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", "0", "ess.asgi:application"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            found = re.search(r"Listening on TCP address 127\.0\.0\.1:(\d+)", log.read_text())
            if found:
                yield f"http://127.0.0.1:{found.group(1)}"
                break
            if process.poll() is not None:
                pytest.fail(f"daphne stopped:\n{log.read_text()}")
            time.sleep(0.1)
        else:
            pytest.fail(f"daphne did not start:\n{log.read_text()}")
    finally:
        process.terminate()
        process.wait(timeout=10)
        if connection.vendor == "postgresql":
            # The server's sessions may outlive its process for a moment; the test database is dropped next.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                               "WHERE datname = current_database() AND application_name = %s", [SERVER_APP])


@pytest.fixture
def chromium(monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still sync.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _login(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_load_state()


def test_it_shows_an_assignment_live_on_the_responders_phone_and_follows_it_to_completion(
    server, chromium, fake_line, settings, agencies, operator, responder_bkk  # noqa: F811
):
    # The test process sends the outbox the server filled (as line_worker would) to the fake LINE platform.
    settings.LINE_API_BASE_URL = settings.LINE_DATA_API_BASE_URL = fake_line.url
    Responder.objects.filter(user=responder_bkk).update(on_duty=True)
    reporter = ReporterFactory(language=Language.THAI)
    incident = make_incident(reporter=reporter, description="สามีเมาสุรา ขู่จะทำร้าย")

    phone = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                 locale="th-TH").new_page()
    _login(phone, server, "resp_bkk")
    assert phone.url == f"{server}/responder/"
    phone.wait_for_selector("#live-state[data-state=live]")
    assert phone.locator(f'article[data-reference="{incident.reference}"]').count() == 0

    console = chromium.new_page()
    _login(console, server, "op")
    console.goto(f"{server}/console/cases/{incident.pk}/dispatch/")
    police = console.locator('[data-kind="police"] input[name=agency]')
    assert police.is_checked()  # the routing rule's choice comes pre-selected
    console.click("button.primary")
    console.wait_for_selector('tr.assignment[data-status="pending"]')

    # Live: the phone did not reload, the websocket told it.
    card = phone.locator(f'article[data-reference="{incident.reference}"]')
    card.wait_for(timeout=5000)
    assert "สามีเมาสุรา ขู่จะทำร้าย" in card.inner_text()
    assert phone.locator(f'article[data-reference="{incident.reference}"] a[href^="geo:"]').count() == 1

    for step, status in (("acknowledged", Status.ACKNOWLEDGED), ("en_route", Status.EN_ROUTE),
                         ("on_scene", Status.ON_SCENE)):
        phone.tap(f'article[data-reference="{incident.reference}"] button[data-step="{step}"]')
        phone.wait_for_selector(f'article[data-reference="{incident.reference}"][data-status="{step}"]')
        assert Incident.objects.get(pk=incident.pk).status == status
    phone.fill(f'article[data-reference="{incident.reference}"] textarea[name=outcome]', "แยกคู่กรณีแล้ว ปลอดภัย")
    phone.tap(f'article[data-reference="{incident.reference}"] button[data-step="completed"]')
    phone.wait_for_selector(f'article[data-reference="{incident.reference}"]', state="detached")

    assert Incident.objects.get(pk=incident.pk).status == Status.RESOLVED
    assert Assignment.objects.get(incident=incident).status == AssignmentStatus.COMPLETED
    console.reload()
    console.wait_for_selector('tr.assignment[data-status="completed"]')

    def send_outbox():
        try:
            worker.run_once(later(120))
        finally:
            connection.close()  # this thread's own connection

    # In a thread of its own: this one runs Playwright's event loop, and sending writes the timeline.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(send_outbox).result()
    ref = incident.reference
    told = [t for t in fake_line.platform.delivered_texts(reporter.line_user_id) if ref in t]
    assert told == [reporter_updates.text_for(s, Language.THAI, ref)
                    for s in (Status.DISPATCHED, Status.EN_ROUTE, Status.ON_SCENE, Status.RESOLVED)]
