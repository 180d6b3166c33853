"""A failed LINE event is never a lost report (#12 item 2): the console says a LINE message could not be
processed, shows what could be read, an operator opens a case from it, a supervisor can retry it."""

import pytest

from incidents.errors import ActionRefused, NotAllowed
from incidents.line import failures
from incidents.line.models import LineEvent
from incidents.models import Incident
from tests.browser import in_thread, login
from tests.line import now_ms

USER = "U" + "7" * 32


def failed(line, *events) -> list[LineEvent]:
    """Store the events through the webhook, then leave them as the worker does when it gives up."""
    assert line.post(*events).status_code == 200
    LineEvent.objects.update(state="failed", attempts=1, error="DataError: value too long for type character")
    return list(LineEvent.objects.order_by("id"))


def test_an_event_that_fails_in_the_worker_is_announced_on_the_console(line, client, operator, english):
    line.post(line.event("message", USER, message=["ช่วยด้วย"], timestamp=now_ms()))
    line.work()
    assert LineEvent.objects.get().state == "failed"
    client.force_login(operator)
    alert = client.get("/line/failed/alert/")
    assert "1 LINE message from a reporter could not be processed" in alert.content.decode()


def test_the_alert_is_empty_when_nothing_waits(line, client, operator):
    line.say(line.pin(USER))
    client.force_login(operator)
    assert client.get("/line/failed/alert/").content.strip() == b""


def test_the_page_shows_what_could_be_read(line, client, operator, english):
    failed(line, line.text(USER, "ไฟไหม้ที่ซอย 5"), line.pin("U" + "8" * 32, "bangkok"))
    client.force_login(operator)
    page = client.get("/line/failed/").content.decode()
    assert "ไฟไหม้ที่ซอย 5" in page
    assert "13.7" in page  # the pin's latitude
    assert "DataError" in page
    assert "Open a case from it" in page
    assert "Retry" not in page  # operators do not retry


def test_an_operator_opens_a_case_from_it_once(line, client, operator, english):
    (text, pin) = failed(line, line.text(USER, "ไฟไหม้ที่ซอย 5"), line.pin(USER, "bangkok", timestamp=now_ms(1)))
    client.force_login(operator)
    response = client.post(f"/line/failed/{pin.pk}/open/")
    case = Incident.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"?case={case.pk}")
    assert case.reporter.line_user_id == USER
    assert case.province_code == "10" and case.latitude is not None
    assert case.events.filter(kind="created", data__source="line_failed_event").exists()
    pin.refresh_from_db()
    assert pin.incident == case and pin.handled_by == operator
    assert failures.count_waiting() == 1  # the text is still there

    client.post(f"/line/failed/{text.pk}/open/")
    assert Incident.objects.get(description="ไฟไหม้ที่ซอย 5")
    # Posted again (a second tab, a replayed form): refused, no second case.
    again = client.post(f"/line/failed/{pin.pk}/open/", follow=True)
    assert "already opened" in again.content.decode()
    assert Incident.objects.count() == 2
    assert failures.count_waiting() == 0


def test_only_a_supervisor_retries_and_then_the_worker_processes_it(line, client, operator, supervisor_bkk):
    (pin,) = failed(line, line.pin(USER, "bangkok"))
    with pytest.raises(NotAllowed):
        failures.retry(pin.pk, operator)
    client.force_login(operator)
    client.post(f"/line/failed/{pin.pk}/retry/")  # what the page did not offer an operator
    pin.refresh_from_db()
    assert pin.state == "failed"

    client.force_login(supervisor_bkk)
    client.post(f"/line/failed/{pin.pk}/retry/")
    pin.refresh_from_db()
    assert pin.state == "pending" and pin.attempts == 0
    line.work()
    assert Incident.objects.get().reporter.line_user_id == USER
    with pytest.raises(ActionRefused):
        failures.open_case(pin.pk, operator)  # processed: nothing to open any more


def test_people_outside_the_console_see_nothing(line, client, responder_bkk):
    (pin,) = failed(line, line.pin(USER))
    assert client.get("/line/failed/").status_code in (302, 403)
    client.force_login(responder_bkk)
    assert client.get("/line/failed/").status_code == 403
    assert client.post(f"/line/failed/{pin.pk}/open/").status_code == 403
    with pytest.raises(NotAllowed):
        failures.open_case(pin.pk, responder_bkk)
    assert not Incident.objects.exists()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_console_shows_the_alert_and_the_operator_opens_a_case_from_it(page, line, operator):
    in_thread(failed, line, line.text(USER, "ไฟไหม้ที่ซอย 5"))  # the test client, outside playwright's loop
    login(page, operator, language="en")
    page.goto("/console/")
    alert = page.wait_for_selector("#line-failures [role=alert]", timeout=5000)
    assert "could not be processed" in alert.inner_text()
    page.click("#line-failures a")
    assert "ไฟไหม้ที่ซอย 5" in page.inner_text("main")
    page.click("button:has-text('Open a case from it')")
    page.wait_for_url("**/console/?case=*")
    assert Incident.objects.get().description == "ไฟไหม้ที่ซอย 5"
    page.wait_for_selector("#line-failures:empty", state="attached", timeout=5000)
