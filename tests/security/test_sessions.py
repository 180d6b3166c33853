"""#11 item 7: sessions end when the browser closes and after SESSION_IDLE_TIMEOUT_MINUTES without a
request; signed-in pages (case panels, identity reveals, photos, exports) are never cached."""

import time

import pytest
from django.conf import settings as django_settings

from ess.middleware import IdleTimeoutMiddleware
from tests.factories import make_incident

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def age_session(client, seconds: float) -> None:
    session = client.session
    session[IdleTimeoutMiddleware.KEY] = time.time() - seconds
    session.save()


def test_sessions_end_with_the_browser_and_idle_ones_after_30_minutes_by_default():
    assert django_settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert django_settings.SESSION_IDLE_TIMEOUT_MINUTES == 30


def test_an_idle_session_is_logged_out(client, operator):
    client.force_login(operator)
    assert client.get("/console/").status_code == 200
    age_session(client, 29 * 60)
    assert client.get("/console/").status_code == 200  # 29 minutes: still in (and the clock restarts)
    age_session(client, 31 * 60)
    response = client.get("/console/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get("/console/").status_code == 302  # logged out for good


def test_an_idle_htmx_request_is_sent_to_the_login_page(client, operator):
    client.force_login(operator)
    client.get("/console/")
    age_session(client, 31 * 60)
    assert "/accounts/login/" in client.get("/console/queue/", **HTMX)["HX-Redirect"]


def test_the_idle_limit_is_configurable(client, operator, settings):
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 5
    client.force_login(operator)
    client.get("/console/")
    age_session(client, 6 * 60)
    assert client.get("/console/").status_code == 302


def test_signed_in_pages_are_never_cached(client, operator, supervisor_bkk):
    case = make_incident()
    client.force_login(operator)
    for response in (
        client.get("/console/"),
        client.get(f"/console/case/{case.pk}/", **HTMX),
        client.post(f"/console/case/{case.pk}/reporter/", **HTMX),
        client.get("/dashboard/"),
    ):
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
    client.force_login(supervisor_bkk)
    assert "no-store" in client.get("/dashboard/cases.csv?range=today")["Cache-Control"]
