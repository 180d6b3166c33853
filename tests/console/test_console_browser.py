"""The console in a real headless chromium against daphne: live rows and markers, claims seen by others."""

import urllib.request
import uuid

import pytest

from demo import fake_platform as fake
from incidents.models import Incident
from tests import line as line_harness
from tests.browser import in_thread, login, new_page, start_daphne
from tests.factories import make_incident

# The LINE test harness's fixtures (the fake LINE platform, `line`), made available to this module.

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def claim_as(pk: int, username: str):
    """Run in the server process (LiveServer.call): claim a case as another member of staff."""
    from django.contrib.auth import get_user_model

    from incidents import triage

    return triage.claim(pk, get_user_model().objects.get(username=username))


def open_case(page, **kwargs) -> Incident:
    """A case opened inside the server process (its announcement goes out on the server's layer)."""
    return Incident.objects.get(pk=page.ess_server.call("tests.factories.make_incident", **kwargs)["pk"])


def wait_live(page):
    page.goto("/console/")
    page.wait_for_selector("#conn.online", timeout=5000)


def test_a_signed_line_webhook_opens_a_case_whose_row_and_marker_appear_without_a_reload(page, request, operator):
    line = request.getfixturevalue("line")
    login(page, operator, language="en")
    wait_live(page)
    page.evaluate("window.__notReloaded = true")
    citizen = f"U{uuid.uuid4().hex}"
    body = fake.body_of([line.pin(citizen, "bangkok")])  # a pin alone is a report
    request = urllib.request.Request(
        f"{page.ess_server.url}/line/webhook/",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "X-Line-Signature": fake.signature(body, line_harness.SECRET)},
    )
    with urllib.request.urlopen(request, timeout=5) as response:  # the real webhook, on daphne
        assert response.status == 200
    # the worker runs as its own process in production: here a thread of the test process, so the
    # case is announced from outside the server (through Redis, or the console's timeline tail).
    in_thread(line.work)
    case = Incident.objects.get(reporter__line_user_id=citizen)
    row = page.wait_for_selector(f"#case-{case.pk}", timeout=1500)
    assert case.reference in row.inner_text()
    assert "fresh" in row.get_attribute("class")
    page.wait_for_selector(f'#map .case-marker[title^="{case.reference}"]', timeout=1000)
    assert page.evaluate("window.__notReloaded") is True
    assert page.inner_text("#open-count") == "1"
    # Its age counts up without a reload.
    age = page.inner_text(f"#case-{case.pk} .age")
    page.wait_for_function(f"document.querySelector('#case-{case.pk} .age').innerText !== {age!r}", timeout=2500)


def test_after_a_lost_connection_it_says_so_reconnects_and_catches_up(page, daphne_server, operator):
    login(page, operator, language="en")
    wait_live(page)
    page.evaluate("window.__notReloaded = true")
    daphne_server.stop()
    page.wait_for_selector("#conn.offline", timeout=5000)
    assert "disconnected" in page.inner_text("#conn")
    # Opened while this console is cut off: nobody could push it to the page.
    case = in_thread(make_incident)
    event_id = case.events.get(kind="created").pk
    server = start_daphne(port=daphne_server.port)
    try:
        # The console backs off 1, 2, 4, 8, 16 s (±25%) while the server is down: on a busy machine the
        # restart itself can take seconds, so allow for the next attempt after that.
        page.wait_for_selector("#conn.online", timeout=45000)
        page.wait_for_selector(f"#case-{case.pk}", timeout=5000)
        # The row came with the catch-up (which alone advances the last event id), not only by polling.
        page.wait_for_function(f"document.getElementById('console').dataset.lastEvent === '{event_id}'", timeout=5000)
        assert page.evaluate("window.__notReloaded") is True
        # A report that came in while this console was cut off is announced when the catch-up brings it.
        page.wait_for_function("(window.__essTones || []).length === 1", timeout=3000)
        assert "fresh" in page.get_attribute(f"#case-{case.pk}", "class")
    finally:
        server.stop()


def test_a_claim_in_one_browser_shows_as_claimed_in_another(browser, page, daphne_server, operator, supervisor_bkk):
    case = open_case(page)
    login(page, operator, language="en")
    other = new_page(browser, daphne_server)
    try:
        login(other, supervisor_bkk, language="en")
        wait_live(page)
        wait_live(other)
        assert "claimed" not in other.get_attribute(f"#case-{case.pk}", "class")
        page.click(f"#case-{case.pk}")
        page.wait_for_selector("#panel .panel-body")
        page.keyboard.press("c")  # the shortcut for Claim
        page.wait_for_selector("#panel .claim-bar >> text=Claimed by", timeout=3000)
        other.wait_for_selector(f"#case-{case.pk}.claimed", timeout=2000)
        assert "op" in other.inner_text(f"#case-{case.pk} .holder")
        assert Incident.objects.get(pk=case.pk).claimed_by == operator
    finally:
        other.context.close()


def test_a_change_by_someone_else_while_typing_is_flagged_and_the_late_action_refused(page, operator, supervisor_bkk):
    case = open_case(page)
    login(page, operator, language="en")
    wait_live(page)
    page.click(f"#case-{case.pk}")
    page.fill("#panel [data-note]", "โทรกลับแล้ว")
    # A supervisor claims the case while the operator is typing: the panel is not yanked away, it says so.
    page.ess_server.call("tests.console.test_console_browser.claim_as", pk=case.pk, username="sup_bkk")
    page.wait_for_selector("#panel .notice.stale", timeout=2000)
    page.click("#panel form:has([data-note]) button[type=submit]")
    notice = page.wait_for_selector("#panel .notice.error[role=alert]", timeout=3000)
    assert "changed by someone else" in notice.inner_text()  # the version it saw is stale
    assert "Claimed by sup_bkk" in page.inner_text("#panel .claim-bar")  # the fresh state


def test_a_canned_reply_is_picked_edited_and_sent_from_the_panel(page, operator):
    from console.models import CannedReply
    from incidents.models import Message

    # The migration's defaults may be there or not (earlier transactional tests flush them): pick ours by id.
    reply = CannedReply.objects.create(
        title="ทดสอบ รับเรื่องแล้ว", text_th="เจ้าหน้าที่ ESS ได้รับเรื่องของท่านแล้ว", text_en="ESS has received your report."
    )
    case = open_case(page)
    login(page, operator, language="en")
    wait_live(page)
    page.click(f"#case-{case.pk}")
    page.select_option("#panel [data-canned]", value=str(reply.pk))  # fills the box in the reporter's language
    box = page.locator("#panel [data-reply]")
    assert box.input_value().startswith("เจ้าหน้าที่ ESS ได้รับเรื่อง")
    box.fill(box.input_value() + " (ESS)")
    page.click("#panel form.reply button[type=submit]")
    page.wait_for_selector("#panel .msg-out", timeout=3000)
    sent = list(Message.objects.filter(incident=case, direction="out").values_list("text", flat=True))
    assert len(sent) == 1 and sent[0].endswith(" (ESS)")
