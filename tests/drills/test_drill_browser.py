"""A drill in chromium against daphne: a supervisor starts a scenario on the drills page; the player (run
here as the worker runs it) POSTs its signed webhooks over HTTP to daphne's real webhook; the operator
sees the banner and the DRILL chip, opens and triages the case; the supervisor stops the drill and the
after-action report shows that operator's times."""

import datetime as dt

import pytest
from django.utils import timezone

from drills import actions, player
from drills.models import Drill
from tests.browser import in_thread, login, new_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_drill_is_played_worked_and_reported(page, browser, request, settings, operator, supervisor_bkk):
    line = request.getfixturevalue("line")  # the fake LINE platform: it must hear nothing
    settings.DRILL_WEBHOOK_URL = f"{page.ess_server.url}/line/webhook/"
    login(page, supervisor_bkk, language="en")
    page.goto("/drills/")
    page.select_option("select[name=scenario]", "2-confinement.yaml")
    page.select_option("select[name=province]", "10")
    page.click("[data-start-drill]")
    page.wait_for_selector("[data-stop-drill]")
    drill = Drill.objects.get()
    assert drill.is_running and drill.province_code == "10"

    # The worker's round, a few minutes into the drill: every step goes to daphne's webhook over HTTP.
    in_thread(player.play_due, timezone.now() + dt.timedelta(seconds=200))
    in_thread(line.work)
    drill.refresh_from_db()
    assert len(drill.played) == 5 and {p["status"] for p in drill.played} == {200}
    case = actions.cases_of(drill).get()
    assert case.is_drill and case.category == "confinement"

    console = new_page(browser, page.ess_server)
    login(console, operator, language="en")
    console.goto("/console/")
    assert drill.title in console.inner_text("[data-drill-banner]")
    row = console.wait_for_selector(f"#case-{case.pk}")
    assert "DRILL" in row.inner_text()
    console.click(f"#case-{case.pk}")
    console.wait_for_selector(f'.panel-body[data-case="{case.pk}"]')
    assert "DRILL" in console.inner_text("#panel .panel-head h2")
    console.select_option("#panel select[name=priority]", "1")
    console.click("#panel button:has-text('Save triage')")
    console.wait_for_function(f"document.querySelector('#case-{case.pk}')?.dataset.status === 'triaged'")
    case.refresh_from_db()
    assert case.status == "triaged"

    page.reload()
    page.click("[data-stop-drill]")
    page.click("[data-report-link]")
    report = page.wait_for_selector("[data-report]")
    operator_row = page.wait_for_selector('[data-operator="op"]')
    assert case.reference in operator_row.inner_text()
    triage_cell = page.wait_for_selector(f'[data-case="{case.reference}"] [data-step="triage"]')
    assert ":" in triage_cell.inner_text()  # m:ss from receipt
    assert "no agency assigned" in report.inner_text()  # what the operator did not do
    case.refresh_from_db()
    assert case.status == "closed"
    assert line.platform.calls == []  # nothing reached LINE
    console.context.close()


def assign_drill_then_real(agency_code: str) -> dict:
    """Run inside the live server (page.ess_server.call): a drill reporter's case, then a real one, each
    assigned to the agency, so their live updates reach the phone."""
    import uuid

    from dispatch.assignments import Pick, do_assign
    from dispatch.models import Agency
    from incidents.actions import do_create_incident
    from incidents.models import Reporter
    from tests.factories import make_incident

    agency = Agency.objects.get(code=agency_code)
    reporter = Reporter.objects.create(line_user_id=f"Udrill-test-{uuid.uuid4().hex[:6]}", is_drill=True)
    drill = do_create_incident(reporter=reporter, priority=1, province_code="10", district_code="1007")
    do_assign(drill, [Pick(agency)])
    real = make_incident(priority=2)
    do_assign(real, [Pick(agency)])
    return {"drill": drill.reference, "real": real.reference}


def test_a_drill_assignment_is_on_the_phone_with_its_badge_but_pushes_no_alert(browser, daphne_server, responder_bkk):
    from dispatch.models import Responder
    from tests.dispatch.test_responder_browser import phone_for

    Responder.objects.filter(user=responder_bkk).update(on_duty=True)
    phone = phone_for(browser, daphne_server, responder_bkk)
    phone.goto("/responder/")
    phone.wait_for_selector("#live-state[data-state=live]", timeout=5000)
    daphne_server.call("tests.drills.test_drill_browser.assign_drill_then_real", agency_code="bkk-police")
    phone.wait_for_selector("article[data-drill-case] [data-drill]", timeout=5000)
    phone.wait_for_function("document.documentElement.dataset.alerts === '1'", timeout=5000)
    alerts = phone.evaluate("window.essAlerts")
    assert len(alerts) == 1 and len(alerts[0]["references"]) == 1
    drill_card = phone.query_selector("article[data-drill-case]")
    assert drill_card.get_attribute("data-reference") not in alerts[0]["references"]
    assert len(phone.evaluate("window.__shown")) == 1  # one notification: the real assignment's
    phone.context.close()
