"""API tokens: stored hashed, shown once, scoped like a member of staff, revocable."""

import hashlib

import pytest
from django.contrib.auth import get_user_model
from django.http import HttpRequest

from api.models import ApiToken
from api.tokens import find_token, issue_token, revoke_token
from dispatch.models import Responder
from dispatch.staff import StaffError
from ess.models import Role
from ess.roles import province_scope, role_of
from tests.api.conftest import bearer
from tests.conftest import PASSWORD

# Assertions read the English msgids; the Thai catalogue is checked in tests/ess/test_i18n.py.
pytestmark = pytest.mark.usefixtures("english")


def test_it_stores_only_the_hash_of_the_secret(db):
    issued = issue_token("191 Chiang Mai", role=Role.SUPERVISOR, provinces=["50"])
    row = ApiToken.objects.get(pk=issued.token.pk)
    assert issued.secret.startswith(f"ess_{row.prefix}_")
    assert len(issued.secret) > 40
    assert row.secret_hash == hashlib.sha256(issued.secret.encode()).hexdigest()
    stored = [str(v) for v in ApiToken.objects.filter(pk=row.pk).values().first().values()]
    assert not any(issued.secret in value for value in stored)


def test_it_finds_the_token_by_its_secret_and_by_nothing_else(db):
    issued = issue_token("a", role=Role.OPERATOR)
    assert find_token(issued.secret) == issued.token
    tampered = issued.secret[:-1] + ("A" if issued.secret[-1] != "A" else "B")
    assert find_token(tampered) is None
    assert find_token(f"ess_{issued.token.prefix}_") is None
    assert find_token("not-a-token") is None


def test_it_gives_the_token_the_reach_of_its_role_through_its_service_account(agencies):
    supervisor = issue_token("cm", role=Role.SUPERVISOR, provinces=["50"]).token
    responder = issue_token("bkk police", role=Role.RESPONDER, agency=agencies["bkk"]).token
    admin = issue_token("ministry", role=Role.ADMIN).token
    assert role_of(supervisor.account) == Role.SUPERVISOR
    assert province_scope(supervisor.account) == ["50"]
    assert Responder.objects.get(user=responder.account).agency == agencies["bkk"]
    assert role_of(admin.account) == Role.ADMIN
    # The account can never log in and is not a Django superuser.
    for token in (supervisor, responder, admin):
        assert not token.account.has_usable_password()
        assert not token.account.is_superuser


def test_it_refuses_a_token_the_staff_rules_would_refuse(agencies):
    with pytest.raises(StaffError, match="agency"):
        issue_token("no agency", role=Role.RESPONDER)
    with pytest.raises(StaffError, match="99"):
        issue_token("bad province", role=Role.SUPERVISOR, provinces=["99"])
    assert not ApiToken.objects.exists()


def test_it_refuses_a_revoked_token_at_once(client, db):
    issued = issue_token("old", role=Role.OPERATOR)
    assert client.get("/api/cases", **bearer(issued.secret)).status_code == 200
    revoke_token(issued.token)
    response = client.get("/api/cases", **bearer(issued.secret))
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]
    issued.token.account.refresh_from_db()
    assert not issued.token.account.is_active


def test_it_shows_the_secret_once_when_an_administrator_creates_a_token(client, admin_user, agencies):
    client.login(request=HttpRequest(), username="boss", password=PASSWORD)
    response = client.post(
        "/admin/api/apitoken/add/",
        {
            "name": "191 centre Bangkok",
            "role": "responder",
            "province_codes": "[]",
            "agency": agencies["bkk"].pk,
            "rate_limit_per_minute": "",
        },
    )
    assert response.status_code == 200, response.content
    token = ApiToken.objects.get(name="191 centre Bangkok")
    page = response.content.decode()
    secret = page.split('id="api-token-secret"')[0].rsplit('value="', 1)[1].split('"')[0]
    assert secret.startswith(f"ess_{token.prefix}_")
    assert token.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert token.created_by == admin_user
    # Never again: the change page shows the prefix only.
    assert secret not in client.get(f"/admin/api/apitoken/{token.pk}/change/").content.decode()
    assert client.get("/api/cases", **bearer(secret)).status_code == 200


def test_it_refuses_in_the_admin_a_responder_token_without_an_agency(client, admin_user, agencies):
    client.login(request=HttpRequest(), username="boss", password=PASSWORD)
    response = client.post("/admin/api/apitoken/add/", {"name": "x", "role": "responder", "province_codes": "[]"})
    assert response.status_code == 200
    assert "agency" in response.content.decode()
    assert not ApiToken.objects.exists()
    assert not get_user_model().objects.filter(username="api-scope-check").exists()


def test_it_revokes_tokens_from_the_admin(client, admin_user, db):
    issued = issue_token("to revoke", role=Role.OPERATOR)
    client.login(request=HttpRequest(), username="boss", password=PASSWORD)
    client.post("/admin/api/apitoken/", {"action": "revoke", "_selected_action": [issued.token.pk]})
    issued.token.refresh_from_db()
    assert issued.token.revoked_at is not None
    assert client.get("/api/cases", **bearer(issued.secret)).status_code == 401


def test_it_applies_a_changed_reach_to_the_service_account(client, admin_user, db):
    issued = issue_token("moving", role=Role.SUPERVISOR, provinces=["10"])
    client.login(request=HttpRequest(), username="boss", password=PASSWORD)
    response = client.post(
        f"/admin/api/apitoken/{issued.token.pk}/change/",
        {
            "name": "moving",
            "role": "supervisor",
            "province_codes": '["50"]',
            "rate_limit_per_minute": "",
        },
    )
    assert response.status_code == 302, response.content
    assert province_scope(get_user_model().objects.get(pk=issued.token.account_id)) == ["50"]
