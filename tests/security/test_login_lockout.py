"""#11 item 5: login lockout (django-axes). The attacked *account* is locked — never the address, since a
whole call centre logs in from one office IP — with a message on the login page itself; a supervisor (for
staff of their provinces) or an administrator unlocks it from the staff security page, or an administrator
with `manage.py unlock_staff`; every unlock is recorded."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from dispatch.staff import ensure_staff
from ess.accounts import is_locked
from ess.models import AccountEvent, Role
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.django_db]

OFFICE = "203.0.113.7"  # the call centre's one public address


def office_client() -> Client:
    return Client(REMOTE_ADDR=OFFICE)


def attempt(client: Client, username: str, password: str):
    return client.post("/accounts/login/", {"username": username, "password": password})


@pytest.fixture
def op_bkk(db):
    return ensure_staff("op_bkk", role=Role.OPERATOR, password=PASSWORD, provinces=["10"]).user


def lock(username: str, tries: int = 30) -> None:
    attacker = office_client()
    for _ in range(tries):
        attempt(attacker, username, "not-the-password")


def test_the_defaults_lock_the_account_only(settings):
    assert settings.AXES_LOCKOUT_PARAMETERS == ["username"]
    assert settings.AXES_FAILURE_LIMIT == 5
    assert timedelta(minutes=15) == settings.AXES_COOLOFF_TIME


def test_thirty_wrong_passwords_then_the_right_one_is_refused_with_the_message(english, op_bkk):
    lock("op_bkk")
    client = office_client()
    response = attempt(client, "op_bkk", PASSWORD)
    page = response.content.decode()
    assert response.status_code == 429
    assert "This account is locked after too many wrong passwords. Try again in 15 minutes" in page
    assert 'name="password"' in page  # the login page itself, not a bare refusal
    assert client.get("/console/").status_code == 302  # not logged in
    assert is_locked("op_bkk")


def test_the_message_is_thai_first(op_bkk):
    lock("op_bkk", settings.AXES_FAILURE_LIMIT)
    page = attempt(office_client(), "op_bkk", PASSWORD).content.decode()
    assert "บัญชีนี้ถูกล็อก" in page


def test_a_colleague_on_the_same_address_still_logs_in(op_bkk, operator):
    lock("op_bkk")
    colleague = office_client()
    response = attempt(colleague, operator.username, PASSWORD)
    assert response.status_code == 302
    assert colleague.get("/console/").status_code == 200
    assert not is_locked(operator.username)


def test_fewer_failures_than_the_limit_do_not_lock_and_a_success_clears_them(op_bkk):
    lock("op_bkk", settings.AXES_FAILURE_LIMIT - 1)
    assert attempt(office_client(), "op_bkk", PASSWORD).status_code == 302
    lock("op_bkk", settings.AXES_FAILURE_LIMIT - 1)  # counted from zero again
    assert attempt(office_client(), "op_bkk", PASSWORD).status_code == 302


def test_the_lock_ends_after_the_cool_off(op_bkk):
    lock("op_bkk")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert not is_locked("op_bkk")
    assert attempt(office_client(), "op_bkk", PASSWORD).status_code == 302


def test_the_admin_login_is_locked_too(admin_user):
    lock("boss")
    response = office_client().post("/admin/login/", {"username": "boss", "password": PASSWORD})
    assert response.status_code == 429


def test_a_supervisor_unlocks_a_locked_operator_of_their_province(english, op_bkk, supervisor_bkk):
    lock("op_bkk")
    client = Client()
    client.force_login(supervisor_bkk)
    page = client.get("/accounts/staff/").content.decode()
    row = page.split(f'id="staff-{op_bkk.pk}"')[1].split("</tr>")[0]
    assert "Locked" in row and "Unlock" in row
    response = client.post("/accounts/staff/unlock/", {"user": op_bkk.pk})
    assert response.status_code == 302
    assert "op_bkk may log in again." in client.get("/accounts/staff/").content.decode()
    assert attempt(office_client(), "op_bkk", PASSWORD).status_code == 302
    event = AccountEvent.objects.get()
    assert (event.kind, event.target, event.actor, event.via) == ("unlock", op_bkk, supervisor_bkk, "staff page")


def test_a_supervisor_of_another_province_cannot_unlock(op_bkk, supervisor_cm):
    lock("op_bkk")
    client = Client()
    client.force_login(supervisor_cm)
    assert f'id="staff-{op_bkk.pk}"' not in client.get("/accounts/staff/").content.decode()
    response = client.post("/accounts/staff/unlock/", {"user": op_bkk.pk})  # posted anyway
    assert response.status_code == 404
    assert is_locked("op_bkk")
    assert not AccountEvent.objects.exists()


@pytest.mark.parametrize("value", ["", "abc", "-1", "99999999", "1 OR 1=1", "1.5", None])
def test_tampered_unlocks_are_refused_and_change_nothing(op_bkk, supervisor_bkk, value):
    lock("op_bkk")
    client = Client()
    client.force_login(supervisor_bkk)
    response = client.post("/accounts/staff/unlock/", {} if value is None else {"user": value})
    assert response.status_code == 404
    assert is_locked("op_bkk")
    assert not AccountEvent.objects.exists()


def test_a_supervisor_cannot_unlock_an_administrator_nor_use_get(admin_user, supervisor_bkk):
    lock("boss")
    client = Client()
    client.force_login(supervisor_bkk)
    assert client.post("/accounts/staff/unlock/", {"user": admin_user.pk}).status_code == 404
    assert client.get("/accounts/staff/unlock/", {"user": admin_user.pk}).status_code == 405
    assert is_locked("boss")


def test_operators_and_responders_have_no_staff_page(operator, responder_bkk, op_bkk):
    lock("op_bkk")
    for user in (operator, responder_bkk):
        client = Client()
        client.force_login(user)
        assert client.get("/accounts/staff/").status_code == 403
        assert client.post("/accounts/staff/unlock/", {"user": op_bkk.pk}).status_code == 403
    assert is_locked("op_bkk")


def test_an_administrator_unlocks_anyone(admin_user, supervisor_cm):
    lock("sup_cm")
    client = Client()
    client.force_login(admin_user)
    assert client.post("/accounts/staff/unlock/", {"user": supervisor_cm.pk}).status_code == 302
    assert not is_locked("sup_cm")


def test_an_administrator_unlocks_with_manage_py(op_bkk, capsys):
    lock("op_bkk")
    call_command("unlock_staff", "op_bkk")
    assert "op_bkk may log in again." in capsys.readouterr().out
    assert not is_locked("op_bkk")
    event = AccountEvent.objects.get()
    assert (event.kind, event.target, event.actor, event.via) == ("unlock", op_bkk, None, "manage.py")
    with pytest.raises(CommandError, match="No account named 'ghost'"):
        call_command("unlock_staff", "ghost")


def test_a_supervisor_manages_responders_of_agencies_in_their_provinces(responder_bkk, responder_cm, supervisor_bkk):
    lock("resp_bkk")
    lock("resp_cm")
    client = Client()
    client.force_login(supervisor_bkk)
    page = client.get("/accounts/staff/").content.decode()
    assert f'id="staff-{responder_bkk.pk}"' in page and f'id="staff-{responder_cm.pk}"' not in page
    assert client.post("/accounts/staff/unlock/", {"user": responder_cm.pk}).status_code == 404
    assert client.post("/accounts/staff/unlock/", {"user": responder_bkk.pk}).status_code == 302
    assert (is_locked("resp_bkk"), is_locked("resp_cm")) == (False, True)
