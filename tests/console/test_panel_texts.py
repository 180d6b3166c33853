"""Words on the Thai screen (#15 item 11): why an agency is recommended, in the operator's language."""

from incidents.models import Category
from tests.factories import make_incident

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_the_reasons_for_an_agency_are_in_thai_on_the_thai_screen(client, operator, agencies, settings):
    settings.LANGUAGE_CODE = "th"
    case = make_incident(category=Category.THREAT)
    client.force_login(operator)  # no language cookie: Thai first
    body = client.get(f"/console/cases/{case.pk}/dispatch/", **HTMX).content.decode()
    assert "มีการทำร้ายหรือขู่จะทำร้าย" in body
    assert "only the police can stop it" not in body


def test_a_reason_an_administrator_wrote_is_shown_as_written(client, operator, agencies, settings):
    from dispatch.models import RoutingRule

    settings.LANGUAGE_CODE = "th"
    RoutingRule.objects.filter(category=Category.THREAT, agency_kind="police").update(why="ตำรวจท้องที่ระงับเหตุ")
    case = make_incident(category=Category.THREAT)
    client.force_login(operator)
    assert "ตำรวจท้องที่ระงับเหตุ" in client.get(f"/console/cases/{case.pk}/dispatch/", **HTMX).content.decode()
