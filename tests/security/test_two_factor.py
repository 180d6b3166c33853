"""#11 item 5: TOTP two-factor (django-otp). Supervisors and administrators must enrol and pass it before any
staff page, websocket or session API call; anyone may enrol from their security page (and then must pass
it); recovery codes are shown once and work once; a supervisor (their provinces) or an administrator
resets a colleague's two-factor, recorded. Logins here go through the real login form, so nothing is
verified for them (tests/two_factor.py verifies only the test client's force_login)."""

import re

import pytest
from django.conf import settings
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from api.tokens import issue_token
from dispatch.staff import ensure_staff
from ess.models import AccountEvent, Role
from tests.conftest import PASSWORD
from tests.two_factor import authenticator, code_for, code_from_secret, unverified

pytestmark = [pytest.mark.django_db]

HTMX = {"HTTP_HX_REQUEST": "true"}
STAFF_PAGES = ["/console/", "/dashboard/", "/privacy/access/", "/accounts/staff/", "/accounts/security/"]


def password_login(user) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def secret_of(page: str) -> str:
    return re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page)[1]


def enrol(client: Client) -> list[str]:
    page = client.get("/accounts/two-factor/setup/").content.decode()
    response = client.post("/accounts/two-factor/setup/", {"code": code_from_secret(secret_of(page))})
    assert response.status_code == 200
    return re.findall(r"<li><code>([a-z2-7]+)</code></li>", response.content.decode())


def test_the_default_requires_supervisors_and_administrators():
    assert settings.TWO_FACTOR_REQUIRED_ROLES == ["supervisor", "admin"]


@pytest.mark.parametrize("who", ["supervisor_bkk", "admin_user"])
def test_a_password_alone_reaches_no_staff_page_of_a_supervisor_or_administrator(request, who):
    client = password_login(request.getfixturevalue(who))
    for path in [*STAFF_PAGES, "/admin/"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/two-factor/setup/?next="), path
    assert client.get("/console/queue/", **HTMX)["HX-Redirect"].startswith("/accounts/two-factor/setup/")
    assert client.get("/api/cases").status_code == 403
    assert client.get("/accounts/two-factor/setup/").status_code == 200


def test_an_operator_is_not_asked(operator):
    client = password_login(operator)
    assert client.get("/console/").status_code == 200


def test_enrolment_shows_a_server_drawn_qr_code_and_the_secret(english, supervisor_bkk):
    client = password_login(supervisor_bkk)
    page = client.get("/accounts/two-factor/setup/").content.decode()
    assert "<svg" in page and "otpauth" not in page.split("<svg")[0]
    assert len(secret_of(page).replace(" ", "")) == 32
    assert secret_of(page) == secret_of(client.get("/accounts/two-factor/setup/").content.decode())  # on reload


@pytest.mark.parametrize("code", ["000000", "", "12345", "abcdef", "1" * 40, "<script>"])
def test_a_wrong_enrolment_code_changes_nothing(english, supervisor_bkk, code):
    client = password_login(supervisor_bkk)
    client.get("/accounts/two-factor/setup/")
    response = client.post("/accounts/two-factor/setup/", {"code": code})
    assert response.status_code == 400 and "That code was not accepted" in response.content.decode()
    assert not TOTPDevice.objects.filter(confirmed=True).exists()
    assert client.get("/console/").status_code == 302


def test_enrol_then_log_in_with_password_and_code(supervisor_bkk):
    client = password_login(supervisor_bkk)
    codes = enrol(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/console/").status_code == 200
    client.post("/accounts/logout/")

    client = password_login(supervisor_bkk)
    response = client.get("/dashboard/")
    assert response["Location"] == "/accounts/two-factor/?next=/dashboard/"
    assert client.post("/accounts/two-factor/", {"code": "000000"}).status_code == 400
    device = TOTPDevice.objects.get(user=supervisor_bkk)
    device.throttling_failure_count = 0  # the wrong code above slowed the next try down
    device.save()
    response = client.post("/accounts/two-factor/", {"code": code_for(device), "next": "/dashboard/"})
    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200


def test_the_code_page_never_sends_elsewhere(supervisor_bkk):
    enrol(password_login(supervisor_bkk))
    client = password_login(supervisor_bkk)
    device = TOTPDevice.objects.get(user=supervisor_bkk)
    response = client.post("/accounts/two-factor/", {"code": code_for(device), "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/"


def test_a_recovery_code_works_once(supervisor_bkk):
    codes = enrol(password_login(supervisor_bkk))
    client = password_login(supervisor_bkk)
    assert client.post("/accounts/two-factor/", {"code": codes[0].upper()}).status_code == 302
    assert client.get("/console/").status_code == 200
    assert StaticToken.objects.filter(device__user=supervisor_bkk).count() == 9

    again = password_login(supervisor_bkk)
    assert again.post("/accounts/two-factor/", {"code": codes[0]}).status_code == 400
    assert again.get("/console/").status_code == 302


def test_new_recovery_codes_replace_the_old(supervisor_bkk):
    client = password_login(supervisor_bkk)
    old = enrol(client)
    response = client.post("/accounts/security/recovery-codes/")
    new = re.findall(r"<li><code>([a-z2-7]+)</code></li>", response.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    assert password_login(supervisor_bkk).post("/accounts/two-factor/", {"code": old[1]}).status_code == 400


def test_an_operator_may_enrol_and_then_must_pass_it(english, operator):
    client = password_login(operator)
    assert "Two-factor login is off" in client.get("/accounts/security/").content.decode()
    enrol(client)
    assert "Two-factor login is on" in client.get("/accounts/security/").content.decode()
    client = password_login(operator)
    assert client.get("/console/")["Location"].startswith("/accounts/two-factor/?next=")


def test_replacing_the_authenticator_needs_a_verified_session(supervisor_bkk):
    enrol(password_login(supervisor_bkk))
    client = password_login(supervisor_bkk)
    # A password alone cannot swap in the attacker's own authenticator.
    assert client.get("/accounts/two-factor/setup/")["Location"] == "/accounts/two-factor/"
    assert client.post("/accounts/two-factor/setup/", {"code": "123456"}).status_code == 302
    assert TOTPDevice.objects.filter(user=supervisor_bkk).count() == 1


def test_api_tokens_are_not_affected(supervisor_bkk):
    token = issue_token("ศูนย์ข้อมูล", role=Role.SUPERVISOR, provinces=["10"])
    response = Client().get("/api/cases", headers={"Authorization": f"Bearer {token.secret}"})
    assert response.status_code == 200


# --- resets by a supervisor or an administrator -------------------------------------------------------


@pytest.fixture
def op_bkk(db):
    user = ensure_staff("op_bkk", role=Role.OPERATOR, password=PASSWORD, provinces=["10"]).user
    authenticator(user)
    return user


def test_a_supervisor_resets_the_two_factor_of_an_operator_of_their_province(english, op_bkk, supervisor_bkk):
    client = Client()
    client.force_login(supervisor_bkk)
    assert "Reset two-factor" in client.get("/accounts/staff/").content.decode()
    assert client.post("/accounts/staff/reset-two-factor/", {"user": op_bkk.pk}).status_code == 302
    assert not TOTPDevice.objects.filter(user=op_bkk).exists()
    event = AccountEvent.objects.get()
    assert (event.kind, event.target, event.actor) == ("two_factor_reset", op_bkk, supervisor_bkk)


def test_a_reset_unverifies_the_sessions_it_verified(supervisor_bkk, admin_user):
    victim = Client()
    victim.force_login(supervisor_bkk)
    assert victim.get("/console/").status_code == 200
    boss = Client()
    boss.force_login(admin_user)
    assert boss.post("/accounts/staff/reset-two-factor/", {"user": supervisor_bkk.pk}).status_code == 302
    assert victim.get("/console/")["Location"].startswith("/accounts/two-factor/setup/")


@pytest.mark.parametrize("value", ["", "x", "-5", "10**9", None])
def test_resets_outside_ones_reach_or_tampered_are_refused(op_bkk, supervisor_cm, supervisor_bkk, admin_user, value):
    client = Client()
    client.force_login(supervisor_cm)
    targets = [op_bkk.pk, supervisor_bkk.pk, admin_user.pk, supervisor_cm.pk] if value is None else [value]
    for target in targets:
        assert client.post("/accounts/staff/reset-two-factor/", {"user": target}).status_code == 404
    assert TOTPDevice.objects.filter(user=op_bkk).exists()
    assert not AccountEvent.objects.exists()


def test_an_operator_cannot_reset_anyone(op_bkk, operator):
    client = Client()
    client.force_login(operator)
    assert client.post("/accounts/staff/reset-two-factor/", {"user": op_bkk.pk}).status_code == 403
    assert TOTPDevice.objects.filter(user=op_bkk).exists()


def test_a_test_client_login_is_unverified_inside_unverified(supervisor_bkk):
    client = Client()
    with unverified():
        client.force_login(supervisor_bkk)
    assert client.get("/console/").status_code == 302
