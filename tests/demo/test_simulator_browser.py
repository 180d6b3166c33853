"""The simulator in a real browser: chromium taps through a report on the simulated phone."""

import threading

import pytest
from django.db import connections

from incidents.line import worker
from incidents.models import Incident
from tests.conftest import CHROMIUM, PASSWORD

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture
def running_worker(line):
    stop = threading.Event()

    def loop():
        try:
            while not stop.is_set():
                if not worker.run_once():
                    stop.wait(0.05)
        finally:
            connections.close_all()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(timeout=10)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_it_reports_from_the_simulated_phone_in_a_browser(line, live_server, operator, settings, running_worker):
    from playwright.sync_api import sync_playwright

    settings.ESS_DEMO = True
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(bypass_csp=True)
        page.set_default_timeout(15_000)
        page.goto(live_server.url + "/accounts/login/?next=/dev/line/")
        page.fill("input[name=username]", operator.username)
        page.fill("input[name=password]", PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_url("**/dev/line/")

        page.click("#sim-follow")
        page.wait_for_selector(".bubble.bot")
        assert "ESS Help Me" in page.inner_text(".bubble.bot >> nth=0")
        page.click("#sim-quick button >> nth=1")  # ถูกกักขัง (confinement)
        page.wait_for_function("document.querySelectorAll('.bubble.bot').length >= 2")
        page.click("#sim-quick button >> nth=0")  # the location action opens the place picker
        page.click("#sim-places button[data-place=chiangmai]")
        page.wait_for_function("document.querySelectorAll('.bubble.bot').length >= 4")
        assert "webhook → 200" in page.inner_text("#sim-status")
        browser.close()

    case = Incident.objects.get()
    assert (case.category, case.province_code) == ("confinement", "50")
    assert case.reference in "".join(line.texts_to(case.reporter.line_user_id))
