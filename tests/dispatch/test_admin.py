import pytest
from django.http import HttpRequest

from dispatch.assignments import Pick, do_assign
from dispatch.models import RoutingRule
from tests.conftest import PASSWORD
from tests.factories import make_incident

pytestmark = pytest.mark.django_db


def test_it_lets_an_administrator_edit_routing_rules(client, admin_user):
    client.login(request=HttpRequest(), username="boss", password=PASSWORD)
    rule = RoutingRule.objects.get(category="threat", flag="", agency_kind="police")
    assert client.get("/admin/dispatch/routingrule/").status_code == 200
    response = client.post(
        f"/admin/dispatch/routingrule/{rule.pk}/change/",
        {
            "category": "threat",
            "flag": "",
            "agency_kind": "police",
            "why": rule.why,  # is_active unticked
        },
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert not rule.is_active


def test_it_shows_assignments_read_only(client, admin_user, agencies):
    [a] = do_assign(make_incident(), [Pick(agencies["bkk"])])
    client.login(request=HttpRequest(), username="boss", password=PASSWORD)
    assert client.get(f"/admin/dispatch/assignment/{a.pk}/change/").status_code == 200
    client.post(f"/admin/dispatch/assignment/{a.pk}/change/", {"status": "completed"})
    a.refresh_from_db()
    assert a.status == "pending"
