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
