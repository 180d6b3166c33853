"""Who may call /api/ and how: tokens, the staff session (with CSRF), rate limits, the call log, docs."""

import pytest
from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret
from django.test import Client

from api import ratelimit
from api.models import ApiCall
from ess.models import Role
from tests.api.conftest import bearer
from tests.conftest import PASSWORD
from tests.factories import make_incident


def test_it_refuses_a_call_without_credentials_in_json(client, db):
    response = client.get("/api/cases")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "Bearer" in response.json()["detail"]


@pytest.mark.parametrize("header", ["Token abc", "Basic Zm9vOmJhcg==", "Bearer ", "Bearer ess_nothing_here"])
def test_it_refuses_a_malformed_or_unknown_authorization_header(client, db, header):
    assert client.get("/api/cases", HTTP_AUTHORIZATION=header).status_code == 401


def test_it_does_not_fall_back_to_the_session_when_the_token_is_wrong(client, operator):
    client.login(request=HttpRequest(), username="op", password=PASSWORD)
    assert client.get("/api/cases").status_code == 200
    assert client.get("/api/cases", HTTP_AUTHORIZATION="Bearer ess_0000_wrong").status_code == 401


def test_it_serves_the_console_its_own_session(client, operator):
    case = make_incident()
    client.login(request=HttpRequest(), username="op", password=PASSWORD)
    response = client.get("/api/cases")
    assert response.status_code == 200
    assert [c["reference"] for c in response.json()["items"]] == [case.reference]


def test_it_checks_csrf_on_a_session_post(operator):
    case = make_incident()
    browser = Client(enforce_csrf_checks=True)
    browser.login(request=HttpRequest(), username="op", password=PASSWORD)
    url = f"/api/cases/{case.reference}/triage"
    refused = browser.post(url, {"category": "threat"}, content_type="application/json")
    assert refused.status_code == 403
    secret = _get_new_csrf_string()
    browser.cookies["csrftoken"] = secret
    accepted = browser.post(
        url, {"category": "threat"}, content_type="application/json", HTTP_X_CSRFTOKEN=_mask_cipher_secret(secret)
    )
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == "triaged"


def test_it_needs_no_csrf_with_a_token(tokens):
    case = make_incident()
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(
        f"/api/cases/{case.reference}/triage",
        {"category": "threat"},
        content_type="application/json",
        **bearer(tokens["operator"].secret),
    )
    assert response.status_code == 200


def test_it_refuses_a_logged_in_account_without_a_staff_role(client, db):
    get_user_model().objects.create_user("stranger", password=PASSWORD)
    client.login(request=HttpRequest(), username="stranger", password=PASSWORD)
    response = client.get("/api/cases")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json; charset=utf-8"


@pytest.fixture
def mid_minute(monkeypatch):
    """Counting happens in one-minute windows: keep the clock inside one, so a test never straddles two."""
    monkeypatch.setattr(ratelimit, "clock", lambda: 1_800_000_030.0)


def test_it_limits_calls_per_token_with_a_clear_429(client, make_token, db, mid_minute):
    slow = make_token("slow", Role.OPERATOR, rate_limit_per_minute=3)
    other = make_token("other", Role.OPERATOR, rate_limit_per_minute=3)
    statuses = [client.get("/api/agencies", **bearer(slow.secret)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = client.get("/api/agencies", **bearer(slow.secret))
    assert refused["Retry-After"] == "30"
    assert "3" in refused.json()["detail"]
    # Another token has its own count.
    assert client.get("/api/agencies", **bearer(other.secret)).status_code == 200


def test_it_counts_the_site_default_for_tokens_without_their_own_limit(client, make_token, settings, db, mid_minute):
    settings.API_RATE_LIMIT_PER_MINUTE = 2
    token = make_token("default", Role.OPERATOR)
    assert [client.get("/api/agencies", **bearer(token.secret)).status_code for _ in range(3)] == [200, 200, 429]


def test_it_opens_a_new_window_each_minute(db):
    assert ratelimit.hit("x", 1, now=120.0) == (True, 60)
    assert ratelimit.hit("x", 1, now=179.5)[0] is False
    assert ratelimit.hit("x", 1, now=180.0)[0] is True


def test_it_logs_each_call_with_the_tokens_name(client, tokens):
    case = make_incident()
    client.get("/api/cases", **bearer(tokens["sup_bkk"].secret))
    client.get(f"/api/cases/{case.reference}?include_reporter=1", **bearer(tokens["sup_bkk"].secret))
    client.get(f"/api/cases/{case.reference}", **bearer(tokens["resp_bkk"].secret))
    calls = list(ApiCall.objects.order_by("id").values_list("token_name", "path", "status", "reporter_identity_shown"))
    assert calls == [
        ("sup bkk", "/api/cases", 200, False),
        ("sup bkk", f"/api/cases/{case.reference}?include_reporter=1", 200, True),  # who reported: logged
        ("bkk police CAD", f"/api/cases/{case.reference}", 404, False),  # not assigned to them
    ]
    tokens["sup_bkk"].token.refresh_from_db()
    assert tokens["sup_bkk"].token.last_used_at is not None


def test_it_shows_the_docs_to_staff_only(client, operator):
    response = client.get("/api/docs")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    client.login(request=HttpRequest(), username="op", password=PASSWORD)
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert "swagger-ui-bundle.js" in page.content.decode()
    assert "cdn." not in page.content.decode()  # served from our own static files
    assert client.get("/api/openapi.json").status_code == 200


def test_it_gives_the_schema_to_a_token_and_refuses_a_wrong_one(client, tokens):
    assert client.get("/api/openapi.json", **bearer(tokens["resp_cm"].secret)).status_code == 200
    assert client.get("/api/openapi.json", HTTP_AUTHORIZATION="Bearer nope").status_code == 401
