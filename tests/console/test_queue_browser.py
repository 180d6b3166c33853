"""The queue in real chromium: my cases pinned at the top (#15 item 5), timers per step (item 7), the
new-report banner and alerts (item 6)."""

import pytest

from tests.browser import in_thread, login
from tests.factories import make_incident

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def row_ids(page) -> list[str]:
    return page.eval_on_selector_all("#queue-body tr.case-row", "rows => rows.map(r => r.dataset.id)")


def test_a_case_i_claim_is_pinned_at_the_top_not_dropped_off_screen(page, operator):
    cases = [in_thread(make_incident, priority=p) for p in (1, 1, 2, 2, 3)]
    last = cases[-1]
    login(page, operator, language="en")
    page.goto("/console/")
    page.wait_for_selector("#conn.online", timeout=5000)
    assert row_ids(page)[-1] == str(last.pk)
    page.click(f"#case-{last.pk}")
    page.wait_for_selector("#panel button[data-action=claim]")
    page.keyboard.press("c")
    page.wait_for_selector(f"#case-{last.pk}.mine", timeout=3000)
    assert row_ids(page)[0] == str(last.pk)
    assert page.inner_text("#my-count") == "1"
    # After a reload too (the server orders the same way), and "only my cases" shows it alone.
    page.reload()
    page.wait_for_selector(f"#case-{last.pk}.mine")
    assert row_ids(page)[0] == str(last.pk)
    page.check("#filters input[name=mine]")
    page.wait_for_function("document.querySelectorAll('#queue-body tr.case-row').length === 1")
    assert row_ids(page) == [str(last.pk)]


def cases_at_each_step():
    from datetime import timedelta

    from django.utils import timezone

    from incidents.models import Incident

    now = timezone.now()
    fresh = make_incident(priority=2)
    late_triaged = make_incident(priority=1, received_at=now - timedelta(minutes=54))  # the P1
    Incident.objects.filter(pk=late_triaged.pk).update(status="triaged", triaged_at=now - timedelta(minutes=50))
    waiting_ack = make_incident(priority=2, received_at=now - timedelta(minutes=40))
    Incident.objects.filter(pk=waiting_ack.pk).update(
        status="dispatched", triaged_at=now - timedelta(minutes=38), dispatched_at=now - timedelta(minutes=30)
    )
    return fresh, late_triaged, waiting_ack


def test_every_step_has_its_own_running_timer_and_colour_from_the_sla_settings(page, operator):
    fresh, late_triaged, waiting_ack = in_thread(cases_at_each_step)
    login(page, operator, language="en")
    page.goto("/console/")
    page.wait_for_selector(f"#case-{waiting_ack.pk} .step-clock:not(:empty)")
    # Just in: "to triage", counting up, no colour yet.
    assert "to triage" in page.inner_text(f"#case-{fresh.pk} .step-timer")
    assert "sla" not in page.get_attribute(f"#case-{fresh.pk}", "class")
    # A P1 triaged 54 minutes ago and not dispatched (SLA_DISPATCH_MINUTES=30): red, "to dispatch", 50 min in.
    timer = page.locator(f"#case-{late_triaged.pk} .step-timer")
    assert "to dispatch" in timer.inner_text() and "50:" in timer.inner_text()
    assert "sla-breach" in page.get_attribute(f"#case-{late_triaged.pk}", "class")
    # Waiting for the agency: a countdown to SLA_ACKNOWLEDGE_MINUTES (45) from the report: 5 minutes left,
    # amber (past half the target), and it goes down.
    clock = page.inner_text(f"#case-{waiting_ack.pk} .step-clock")
    assert "to acknowledge" in page.inner_text(f"#case-{waiting_ack.pk} .step-timer")
    assert clock.startswith("4:") or clock.startswith("5:"), clock
    assert "sla-warn" in page.get_attribute(f"#case-{waiting_ack.pk}", "class")
    page.wait_for_function(
        f"document.querySelector('#case-{waiting_ack.pk} .step-clock').innerText < {clock!r}", timeout=2500
    )
    # The open panel shows the same timer, ticking, in its head.
    page.click(f"#case-{late_triaged.pk}")
    head = page.wait_for_selector("#panel .panel-head .step-timer.sla-breach")
    assert "to dispatch" in head.inner_text()


def test_a_new_report_has_a_banner_and_a_repeating_p1_tone_until_someone_opens_it(
    browser, page, daphne_server, operator, supervisor_bkk
):
    from console.models import AlertSettings
    from tests.browser import new_page

    AlertSettings.objects.create(user=operator, p1_repeat_seconds=3, other_repeat_seconds=0)
    login(page, operator, language="en")
    page.goto("/console/")
    page.wait_for_selector("#conn.online", timeout=5000)
    assert page.is_hidden("#new-banner")
    p2 = page.ess_server.call("tests.factories.make_incident", priority=2)["pk"]
    # Rows that arrive together ring once, with the highest priority's tone: let the P2 ring on its own.
    page.wait_for_function("(window.__essTones || []).some(t => t.kind === 'p2')", timeout=5000)
    p1 = page.ess_server.call("tests.factories.make_incident", priority=1)["pk"]
    page.wait_for_selector(f"#case-{p1}.unopened", timeout=3000)
    banner = page.wait_for_selector("#new-banner.has-p1")
    assert "not opened yet (2)" in banner.inner_text()
    assert "unopened" in page.inner_text(f"#case-{p2} .flags")
    assert page.title().startswith("(2) ")
    assert page.get_attribute("link[rel=icon]", "href").startswith("data:image/png")
    # The P1 tone repeats (every 3 s for this operator) and differs from the P2 tone, which rang once.
    page.wait_for_function("window.__essTones.filter(t => t.kind === 'p1').length >= 3", timeout=15000)
    kinds = page.evaluate("window.__essTones.map(t => t.kind)")
    assert kinds.count("p2") == 1 and kinds.count("p1") >= 3, kinds
    # Someone else opens the P1 case: the banner keeps the P2 only, and the P1 tone stops.
    other = new_page(browser, daphne_server)
    try:
        login(other, supervisor_bkk, language="en")
        other.goto(f"/console/?case={p1}")
        page.wait_for_selector(f"#case-{p1}:not(.unopened)", timeout=3000)
        page.wait_for_function("!document.getElementById('new-banner').classList.contains('has-p1')")
        assert "not opened yet (1)" in page.inner_text("#new-banner")
        assert page.title().startswith("(1) ")
        rung = page.evaluate("window.__essTones.length")
        page.wait_for_timeout(4000)
        assert page.evaluate("window.__essTones.length") == rung
        # This operator opens the P2 from the banner: no banner, no count.
        page.click(f"#new-banner button[data-case-link='{p2}']")
        page.wait_for_selector("#new-banner", state="hidden", timeout=3000)
        assert not page.title().startswith("(")
    finally:
        other.context.close()


def test_the_banner_says_how_many_unopened_reports_it_leaves_out(page, operator):
    cases = [in_thread(make_incident, priority=2) for _ in range(6)]
    login(page, operator, language="en")
    page.goto("/console/")
    banner = page.wait_for_selector("#new-banner:not([hidden])")
    assert "not opened yet (6)" in banner.inner_text()
    assert page.eval_on_selector_all("#new-banner button", "bs => bs.length") == 4
    assert page.inner_text("#new-banner .more") == "+2"
    page.click(f"#case-{cases[0].pk}")
    page.wait_for_function("document.querySelector('#new-banner .more').textContent === '+1'", timeout=3000)


def test_the_search_runs_on_any_input_not_only_on_keys(page, operator):
    """Thai typed through an input method, or a phone number pasted with the mouse, fires no keyup."""
    found = in_thread(make_incident, description="มีคนทุบตีกันในชุมชน")
    other = in_thread(make_incident, description="แมวติดต้นไม้")
    login(page, operator, language="en")
    page.goto("/console/")
    page.wait_for_selector(f"#case-{other.pk}")
    page.focus("#q")
    page.keyboard.insert_text("ทุบตี")  # an input event only
    page.wait_for_selector(f"#case-{other.pk}", state="detached", timeout=3000)
    assert row_ids(page) == [str(found.pk)]
