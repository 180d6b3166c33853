"""Safe contact only when the reporter writes first: the operator's one-click switch, through the console
panel and the API (one command, dispatch.commands "safe_contact"), logged on the timeline."""

import pytest

from incidents import triage
from incidents.errors import NotAllowed
from incidents.line import outbox
from incidents.models import Message
from tests.factories import make_incident

pytestmark = pytest.mark.usefixtures("english")

HTMX = {"HTTP_HX_REQUEST": "true"}


def toggle(client, case, value, **extra):
    data = {"version": case.version, "safe_contact": value, **extra}
    return client.post(f"/console/case/{case.pk}/safe_contact/", data, **HTMX)


def test_an_operator_turns_safe_contact_on_in_one_click_and_it_is_on_the_timeline(client, operator):
    case = make_incident()
    client.force_login(operator)
    panel = client.get(f"/console/case/{case.pk}/", **HTMX).content.decode()
    assert 'name="safe_contact" value="on"' in panel and "Safe contact only" in panel

    response = toggle(client, case, "on")
    assert response.status_code == 200
    case.reporter.refresh_from_db()
    assert case.reporter.safe_contact_only is True
    event = case.events.get(kind="safe_contact")
    assert event.data == {"on": True, "by": "operator"} and event.actor == operator
    html = response.content.decode()
    assert "Safe contact only when they write first: set by an operator" in html
    assert 'name="safe_contact" value="off"' in html  # the same button now lifts it

    # From now on the reporter gets nothing pushed: an operator's reply waits until they write.
    triage.reply(case.pk, operator, "เราได้รับเรื่องแล้ว")
    outbox.send_due()
    assert Message.objects.get(direction="out", text="เราได้รับเรื่องแล้ว").delivery == Message.Delivery.WITHHELD

    case.refresh_from_db()
    toggle(client, case, "off")
    case.reporter.refresh_from_db()
    assert case.reporter.safe_contact_only is False
    assert list(case.events.filter(kind="safe_contact").values_list("data__on", flat=True)) == [True, False]


@pytest.mark.parametrize("value", ["", "yes", "1", "ON"])
def test_a_tampered_form_is_refused_with_a_message_and_nothing_changes(client, operator, value):
    case = make_incident()
    client.force_login(operator)
    response = toggle(client, case, value)
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()
    case.reporter.refresh_from_db()
    assert case.reporter.safe_contact_only is False
    assert not case.events.filter(kind="safe_contact").exists()


def test_an_operator_outside_the_province_or_not_holding_the_claim_cannot_switch_it(
    client, operator, supervisor_cm, supervisor_bkk
):
    case = make_incident()  # Bangkok
    with pytest.raises(NotAllowed):
        triage.set_safe_contact(case.pk, supervisor_cm, True)
    triage.claim(case.pk, supervisor_bkk)
    case.refresh_from_db()
    client.force_login(operator)
    response = toggle(client, case, "on")
    assert "claimed by" in response.content.decode()
    case.reporter.refresh_from_db()
    assert case.reporter.safe_contact_only is False
