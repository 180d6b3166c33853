"""Everything but the webhook, login and health needs a logged-in member of staff."""

import pytest
from django.contrib.auth import get_user_model
from django.http import HttpRequest

from tests.conftest import PASSWORD

STAFF_PAGES = ["/", "/console/", "/dashboard/", "/responder/", "/admin/"]


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_it_sends_anonymous_visitors_to_the_login_page(client, db, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/") or response["Location"].startswith("/admin/login/")


def test_it_shows_the_login_page_in_thai_first(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert 'lang="th"' in response.content.decode()
    assert 'name="username"' in response.content.decode()


def test_it_logs_staff_in_with_djangos_form(client, operator):
    response = client.post("/accounts/login/", {"username": "op", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/console/").status_code == 200


def test_it_refuses_a_wrong_password(client, operator):
    response = client.post("/accounts/login/", {"username": "op", "password": "wrong"})
    assert response.status_code == 200
    assert client.get("/console/").status_code == 302


def test_it_refuses_an_account_without_a_staff_role(client, db):
    get_user_model().objects.create_user("stranger", password=PASSWORD)
    client.login(request=HttpRequest(), username="stranger", password=PASSWORD)
    assert client.get("/console/").status_code == 403
    assert client.get("/dashboard/").status_code == 403


@pytest.mark.parametrize(
    ("who", "path", "status"),
    [
        ("operator", "/console/", 200),
        ("operator", "/responder/", 403),
        ("responder_bkk", "/console/", 403),
        ("responder_bkk", "/dashboard/", 403),
        ("responder_bkk", "/responder/", 200),
        ("supervisor_cm", "/dashboard/", 200),
        ("supervisor_cm", "/responder/", 403),
        ("admin_user", "/admin/", 200),
        ("operator", "/admin/", 302),
    ],
)
def test_it_lets_each_role_into_its_own_screens_only(client, request, who, path, status):
    user = request.getfixturevalue(who)
    client.force_login(user)
    assert client.get(path).status_code == status


@pytest.mark.parametrize(
    ("who", "target"), [("operator", "/console/"), ("responder_bkk", "/responder/"), ("supervisor_cm", "/dashboard/")]
)
def test_it_sends_each_role_home_to_its_screen(client, request, who, target):
    client.force_login(request.getfixturevalue(who))
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == target
