"""A report without a pin, seen by an operator in chromium: the case is on the console at once."""

import urllib.request
import uuid

import pytest

from demo import fake_platform as fake
from incidents.line import texts
from incidents.models import Incident
from tests import line as line_harness
from tests.browser import in_thread, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = "ช่วยด้วย ถูกขังอยู่ในห้อง ส่งตำแหน่งไม่ได้ อยู่หอพักแถว ม.เชียงใหม่"


def post_webhook(page, body: bytes) -> None:
    request = urllib.request.Request(
        f"{page.ess_server.url}/line/webhook/",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "X-Line-Signature": fake.signature(body, line_harness.SECRET)},
    )
    with urllib.request.urlopen(request, timeout=5) as response:  # the real webhook, on daphne
        assert response.status == 200


def test_a_report_in_words_with_no_pin_becomes_a_case_on_the_console_at_once(page, request, operator):
    line = request.getfixturevalue("line")
    login(page, operator, language="en")
    page.goto("/console/")
    page.wait_for_selector("#conn.online", timeout=5000)
    citizen = f"U{uuid.uuid4().hex}"
    body = fake.body_of([line.text(citizen, WORDS), line.tap(citizen, texts.POSTBACK_CATEGORY + "confinement")])
    post_webhook(page, body)
    in_thread(line.work)  # the worker (its own process in production)

    case = Incident.objects.get(reporter__line_user_id=citizen)
    assert case.latitude is None and case.province_code == "50"
    row = page.wait_for_selector(f"#case-{case.pk}", timeout=1500)
    assert case.reference in row.inner_text()
    assert "location unknown" in row.inner_text()
    assert "Chiang Mai" in row.inner_text()

    page.click(f"#case-{case.pk}")  # the row is re-rendered as events arrive: click it afresh
    panel = page.wait_for_selector(f'.panel-body[data-case="{case.pk}"]', timeout=5000)
    text = panel.inner_text()
    assert "location unknown" in text
    assert WORDS in text  # the reporter's own words, for the operator to read and answer on the chat
