"""Alert settings per operator and the "opened" mark behind the new-report banner (#15 item 6), over HTTP."""

import pytest

from console.models import AlertSettings
from incidents.models import IncidentEvent
from tests.factories import make_incident

pytestmark = pytest.mark.usefixtures("english")
HTMX = {"HTTP_HX_REQUEST": "true"}


def test_a_new_report_is_unopened_until_someone_opens_its_panel_once(client, operator, supervisor_bkk):
    case = make_incident()
    client.force_login(operator)
    assert "flag-unopened" in client.get("/console/queue/", **HTMX).content.decode()
    client.force_login(supervisor_bkk)
    client.get(f"/console/case/{case.pk}/", **HTMX)
    client.get(f"/console/case/{case.pk}/", **HTMX)  # again: no second event
    assert IncidentEvent.objects.filter(incident=case, kind="opened", actor=supervisor_bkk).count() == 1
    client.force_login(operator)
    body = client.get("/console/queue/", **HTMX).content.decode()
    assert case.reference in body and "flag-unopened" not in body
    assert "Opened on the console" in client.get(f"/console/case/{case.pk}/", **HTMX).content.decode()


def test_the_outsider_cannot_mark_a_case_opened(client, supervisor_cm):
    case = make_incident()  # Bangkok
    client.force_login(supervisor_cm)
    assert client.get(f"/console/case/{case.pk}/", **HTMX).status_code == 404
    assert not IncidentEvent.objects.filter(incident=case, kind="opened").exists()


def test_each_operator_keeps_their_own_alert_settings(client, operator, supervisor_bkk):
    client.force_login(operator)
    assert '"p1_repeat_seconds": 10' in client.get("/console/").content.decode()  # the defaults
    saved = client.post("/console/alerts/", {"p1_repeat_seconds": "1", "other_repeat_seconds": "30", "volume": "400"})
    # sound_on unticked; the repeat is kept sane (at least 3 s) and the volume at most 100 %.
    assert saved.json() == {"sound_on": False, "p1_repeat_seconds": 3, "other_repeat_seconds": 30, "volume": 100}
    assert AlertSettings.objects.get(user=operator).p1_repeat_seconds == 3
    client.force_login(supervisor_bkk)
    assert '"p1_repeat_seconds": 10' in client.get("/console/").content.decode()
    assert client.post("/console/alerts/", {"p1_repeat_seconds": "x", "volume": "5"}).status_code == 400


def test_alert_settings_need_a_console_role(client, responder_bkk):
    client.force_login(responder_bkk)
    assert client.post("/console/alerts/", {"p1_repeat_seconds": "5", "volume": "5"}).status_code in (302, 403)
