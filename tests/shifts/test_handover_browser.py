"""The shift hand-over in chromium against daphne: the outgoing operator writes a status line for every
case they hold, hands one to the night operator and releases the other; the night operator sees the
hand-over waiting on the console and acknowledges it."""

import pytest

from dispatch.staff import ensure_staff
from ess.models import Role
from incidents import triage
from incidents.models import Incident
from shifts.models import Handover
from tests.browser import in_thread, login, new_page
from tests.conftest import PASSWORD
from tests.factories import make_incident

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_outgoing_operator_hands_over_and_the_incoming_one_acknowledges(page, browser, operator):
    night = ensure_staff("night_op", role=Role.OPERATOR, password=PASSWORD, first_name="สมหญิง", national=True).user
    a, b = in_thread(make_incident), in_thread(make_incident)
    for case in (a, b):
        in_thread(triage.claim, case.pk, operator)
    login(page, operator, language="en")
    page.goto("/console/")
    page.click("[data-handover-link]")
    page.wait_for_selector("#handover-form")
    page.select_option("select[name=incoming]", str(night.pk))
    # Submitting without a status line for every case is stopped (each is required).
    page.fill(f"input[name=status_{a.pk}]", "รอ สน.ปทุมวัน ยืนยันถึงที่เกิดเหตุ")
    page.click("[data-hand-over]")
    assert page.evaluate(f"document.querySelector('input[name=status_{b.pk}]').validity.valueMissing")
    page.fill(f"input[name=status_{b.pk}]", "ผู้แจ้งไม่ตอบแชต ลองอีกครั้ง 22:00")
    page.select_option(f"select[name=claim_{a.pk}]", str(night.pk))
    page.click("[data-hand-over]")
    page.wait_for_selector("[data-handover]")
    assert "Waiting for the incoming operator" in page.inner_text("[data-handover]")
    assert "Handed to a colleague: สมหญิง" in page.inner_text(f"[data-item-case='{a.reference}']")
    assert "Released to the queue" in page.inner_text(f"[data-item-case='{b.reference}']")
    assert Incident.objects.get(pk=a.pk).claimed_by == night
    assert Incident.objects.get(pk=b.pk).claimed_by is None

    incoming = new_page(browser, page.ess_server)
    login(incoming, night, language="en")
    incoming.goto("/console/")
    waiting = incoming.wait_for_selector("[data-handover-waiting]")
    assert "1 to acknowledge" in waiting.inner_text()
    incoming.click("[data-handover-link]")
    incoming.click("[data-waiting] a")
    incoming.click("[data-acknowledge]")
    incoming.wait_for_selector("[data-acknowledged]")
    assert Handover.objects.get().acknowledged_at is not None
    incoming.goto("/console/")
    incoming.wait_for_selector("[data-handover-link]")
    assert incoming.query_selector("[data-handover-waiting]") is None
    incoming.context.close()
