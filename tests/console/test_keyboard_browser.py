"""Keyboard only (#15 item 8): triage → assign → reply without the mouse, every panel action's key shown on
it and in the `?` help."""

import pytest

from console.models import CannedReply
from dispatch.models import Assignment
from incidents.models import Incident, Message, Status
from tests.browser import in_thread, login
from tests.factories import make_incident

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def a_case():
    CannedReply.objects.create(title="รับเรื่องแล้ว", text_th="เจ้าหน้าที่ได้รับเรื่องแล้ว", text_en="We have it.")
    return make_incident(priority=3)


def test_triage_assign_and_reply_with_the_keyboard_alone(page, agencies, operator):
    case = in_thread(a_case)
    login(page, operator, language="en")
    page.goto("/console/")
    page.wait_for_selector("#conn.online", timeout=5000)
    page.keyboard.press("j")  # the first row
    page.keyboard.press("Enter")
    page.wait_for_selector("#panel .panel-body")
    page.keyboard.press("c")
    page.wait_for_selector("#panel .claim-bar >> text=Claimed by", timeout=3000)
    # "1" then "s" saves: the priority select must not keep the focus.
    page.keyboard.press("1")
    page.keyboard.press("s")
    page.wait_for_function(f"document.querySelector('#case-{case.pk}').dataset.priority === '1'", timeout=3000)
    triaged = Incident.objects.get(pk=case.pk)
    assert triaged.priority == 1
    page.wait_for_selector(f'#panel .dispatch-panel[data-version="{triaged.version}"] .assign-form button[data-key=a]')
    page.wait_for_timeout(300)
    page.keyboard.press("a")
    page.wait_for_selector('#panel tr.assignment[data-status="pending"]', timeout=5000)
    assert Assignment.objects.filter(incident=case).count() == 1
    # The panel re-reads the dispatched case by itself (its forms then carry the new version).
    dispatched = Incident.objects.get(pk=case.pk)
    page.wait_for_selector(f'#panel .panel-body[data-version="{dispatched.version}"] form.reply textarea[data-reply]')
    page.keyboard.press("w")
    assert page.evaluate("document.activeElement.matches('[data-reply]')")
    page.keyboard.type("เจ้าหน้าที่กำลังประสานตำรวจ")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#panel .msg-out >> text=เจ้าหน้าที่กำลังประสานตำรวจ", timeout=3000)
    assert Message.objects.filter(incident=case, direction="out", text="เจ้าหน้าที่กำลังประสานตำรวจ").count() == 1
    assert Incident.objects.get(pk=case.pk).status == Status.DISPATCHED


def test_every_panel_action_shows_its_key_and_the_help_lists_it(page, operator):
    case = in_thread(a_case)
    login(page, operator, language="en")
    page.goto(f"/console/?case={case.pk}")
    page.wait_for_selector("#panel .assign-form")
    keys = page.eval_on_selector_all("#panel [data-key]", "els => els.map(e => e.dataset.key)")
    for key in ("c", "g", "s", "a", "w", "n", "d", "f", "x", "i"):  # (o: close, once it may be closed)
        assert key in keys, key
    # Shown on each control (a <kbd> on the button or next to the field) …
    for selector in ("button[data-key=c]", "button[data-key=s]", "button[data-key=a]", "summary[data-key=d]"):
        assert page.locator(f"#panel {selector} kbd").count() == 1, selector
    assert page.locator("#panel form.reply button[type=submit] kbd").count() == 2
    # … and in "?".
    page.keyboard.press("?")
    help_text = page.inner_text("#help")
    for key in ("c / r / t", "1 / 2 / 3", "s", "a", "w", "n", "d / f / x / o", "h", "i"):
        assert key in help_text
    page.keyboard.press("Escape")
    # A folded action opens with its key, its first field focused.
    page.keyboard.press("x")
    assert page.evaluate("document.activeElement.name") == "reason"
