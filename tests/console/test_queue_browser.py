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
