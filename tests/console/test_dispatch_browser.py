"""An operator assigns a case; the responder's phone (narrow viewport) shows it live and taps it through
to completion, while the operator's console and the reporter's LINE chat (the fake LINE platform) follow.
Real daphne (tests.browser), real headless chromium, real line-bot-sdk against the fake platform."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from dispatch import reporter_updates
from dispatch.models import Assignment, AssignmentStatus, Responder
from incidents.line import worker
from incidents.models import Incident, Language, Status
from tests.browser import login, new_page
from tests.factories import ReporterFactory, make_incident
from tests.line import later

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def test_it_shows_an_assignment_live_on_the_responders_phone_and_the_console_and_reporter_follow(
    browser,
    page,
    daphne_server,
    fake_line,
    settings,
    agencies,
    operator,
    responder_bkk,
):
    # The test process sends the outbox (as the worker would) to the fake LINE platform.
    settings.LINE_API_BASE_URL = settings.LINE_DATA_API_BASE_URL = fake_line.url
    Responder.objects.filter(user=responder_bkk).update(on_duty=True)
    reporter = ReporterFactory(language=Language.THAI)
    incident = make_incident(reporter=reporter, description="สามีเมาสุรา ขู่จะทำร้าย")
    ref = incident.reference
    card = f'article[data-reference="{ref}"]'

    phone = new_page(browser, daphne_server, **PHONE)
    login(phone, responder_bkk)
    phone.goto("/responder/")
    phone.wait_for_selector("#live-state[data-state=live]", timeout=5000)
    assert phone.locator(card).count() == 0

    login(page, operator)
    page.goto("/console/")
    page.wait_for_selector("#conn.online", timeout=5000)
    page.wait_for_selector(f'#case-{incident.pk}[data-status="new"]')

    dispatcher = new_page(browser, daphne_server)
    login(dispatcher, operator)
    dispatcher.goto(f"/console/cases/{incident.pk}/dispatch/")
    assert dispatcher.locator('[data-kind="police"] input[name=agency]').is_checked()  # the rules' choice
    dispatcher.click("button.primary")
    dispatcher.wait_for_selector('tr.assignment[data-status="pending"]')

    # Live, without a reload: the agency's websocket told the phone, the console's told the console.
    phone.wait_for_selector(card, timeout=3000)
    assert "สามีเมาสุรา ขู่จะทำร้าย" in phone.inner_text(card)
    assert phone.locator(f'{card} a[href^="geo:"]').count() == 1
    page.wait_for_selector(f'#case-{incident.pk}[data-status="dispatched"]', timeout=3000)

    for step in ("acknowledged", "en_route", "on_scene"):
        phone.tap(f'{card} button[data-step="{step}"]')
        phone.wait_for_selector(f'{card}[data-status="{step}"]')
        page.wait_for_selector(f'#case-{incident.pk}[data-status="{step}"]', timeout=3000)
    phone.fill(f"{card} textarea[name=outcome]", "แยกคู่กรณีแล้ว ผู้แจ้งปลอดภัย")
    phone.tap(f'{card} button[data-step="completed"]')
    phone.wait_for_selector(card, state="detached")

    assert Incident.objects.get(pk=incident.pk).status == Status.RESOLVED
    assert Assignment.objects.get(incident=incident).status == AssignmentStatus.COMPLETED
    page.wait_for_selector(f"#case-{incident.pk}", state="detached", timeout=3000)  # left the open queue

    # In a thread of its own: this one runs Playwright's event loop, and sending writes the timeline.
    def send_outbox():
        try:
            worker.run_once(later(120))
        finally:
            connection.close()  # this thread's own connection; the test database is dropped afterwards

    with ThreadPoolExecutor(1) as pool:
        pool.submit(send_outbox).result()
    told = [t for t in fake_line.platform.delivered_texts(reporter.line_user_id) if ref in t]
    assert told == [
        reporter_updates.text_for(s, Language.THAI, ref)
        for s in (Status.DISPATCHED, Status.EN_ROUTE, Status.ON_SCENE, Status.RESOLVED)
    ]
