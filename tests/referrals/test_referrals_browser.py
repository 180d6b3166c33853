"""A follow-up referral in chromium against daphne: an operator resolves a case with a child involved and
refers the child at once from the case panel; the home visit goes overdue; the supervisor sees it on the
dashboard, opens it and records the visit; the owner agency's worker sees the follow-up on the phone."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.triage import set_triage
from referrals.models import FollowUpTask, Referral, TaskKind
from tests.browser import in_thread, login, new_page
from tests.factories import make_incident

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_referral_made_at_resolution_goes_overdue_on_the_dashboard_and_is_worked(
    page, browser, operator, supervisor_bkk, pmj_worker, followup_agencies
):
    case = in_thread(make_incident, description="พ่อเมาทำร้ายแม่ ลูกอายุ 8 ขวบอยู่ด้วย")
    in_thread(set_triage, case.pk, operator, priority=2)
    login(page, operator, language="en")
    page.goto(f"/console/?case={case.pk}")
    section = page.wait_for_selector(f"#followup-{case.pk}")
    assert "Refer for follow-up" not in section.inner_text()
    # Opening the case is itself a timeline event: once the socket is live, its push may refresh the panel
    # (and replace the checkbox under the click). Wait until the panel shows the case's latest event.
    page.wait_for_selector("#conn.online", timeout=10000)
    latest = in_thread(lambda: case.events.order_by("-id").values_list("id", flat=True)[0])
    page.wait_for_selector(f"#panel .panel-body[data-event='{latest}']")
    section = page.wait_for_selector(f"#followup-{case.pk}")
    # Who is involved: a child (the flag is written on the case's timeline).
    page.check(f"#followup-{case.pk} input[name=child]")
    page.click(f"#followup-{case.pk} [data-save-flags]")
    page.wait_for_selector(f"#followup-{case.pk} >> text=offered once the case is resolved")
    # The flag's timeline event comes back over the websocket and the panel refreshes itself: wait for it.
    flags_event = case.events.get(kind="flags").pk
    page.wait_for_selector(f"#panel .panel-body[data-event='{flags_event}']")
    # Resolve and close it on the chat: the panel now offers the follow-up referral.
    page.click("#panel summary:has-text('Close with outcome')")
    page.fill("#panel .actions textarea[name=outcome]", "แยกคู่กรณีแล้ว เด็กอยู่กับยาย")
    page.click("#panel .actions button:has-text('Close case')")
    page.wait_for_selector(f"#followup-{case.pk} [data-refer]")
    page.select_option(f"#followup-{case.pk} select[name=kind]", "case_worker")
    page.select_option(f"#followup-{case.pk} select[name=owner_agency]", str(followup_agencies["pmj"].pk))
    page.fill(f"#followup-{case.pk} input[name=reason]", "เด็กเห็นความรุนแรงในบ้าน ต้องเยี่ยมบ้าน")
    page.click(f"#followup-{case.pk} [data-refer]")
    row = page.wait_for_selector(f"#followup-{case.pk} .referral")
    assert followup_agencies["pmj"].name in row.inner_text()
    referral = Referral.objects.get(incident=case)
    case.refresh_from_db()
    assert case.status == "closed" and referral.is_open
    assert [t.kind for t in referral.tasks.all()] == [TaskKind.HOME_VISIT, TaskKind.REVIEW]

    # Four days on, nobody has visited: the home visit (due in 3 days) is overdue.
    FollowUpTask.objects.filter(referral=referral, kind=TaskKind.HOME_VISIT).update(
        due_on=timezone.localdate() - timedelta(days=1)
    )
    boss = new_page(browser, page.ess_server)
    login(boss, supervisor_bkk, language="en")
    boss.goto("/dashboard/")
    panel = boss.wait_for_selector("#followup-overdue")
    assert case.reference in panel.inner_text()
    assert boss.inner_text("#followup-overdue [data-overdue-count]") == "1"
    boss.click(f"#followup-overdue a:has-text('{case.reference}')")
    boss.wait_for_selector(f"[data-referral='{referral.pk}']")
    assert "Overdue" in boss.inner_text(".tasks")

    # The owner agency's worker sees it on the phone and records the visit.
    phone = new_page(browser, page.ess_server, viewport={"width": 390, "height": 844})
    login(phone, pmj_worker, language="en")
    phone.goto("/responder/")
    card = phone.wait_for_selector(f"#followups [data-referral='{referral.pk}']")
    assert case.reference in card.inner_text()
    visit = referral.tasks.get(kind=TaskKind.HOME_VISIT)
    phone.fill(f"[data-task='{visit.pk}'] input[name=result]", "เยี่ยมบ้านแล้ว เด็กปลอดภัย")
    phone.click(f"[data-done-task='{visit.pk}']")
    phone.wait_for_selector(f"[data-task='{visit.pk}'].done")
    boss.goto("/dashboard/")
    assert boss.inner_text("#followup-overdue [data-overdue-count]") == "0"
    for p in (boss, phone):
        p.context.close()
