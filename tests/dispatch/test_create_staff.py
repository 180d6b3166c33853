import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.http import HttpRequest

from dispatch.models import Responder
from ess.models import Role, StaffProfile


def test_it_creates_an_operator_who_can_log_in(db):
    call_command("create_staff", "somsri", "--role", "operator", "--password", "kaeng-som-pla-2569", "--national")
    user = authenticate(HttpRequest(), username="somsri", password="kaeng-som-pla-2569")
    assert user is not None
    assert user.staff.role == Role.OPERATOR
    assert user.staff.is_national


def test_it_scopes_a_supervisor_to_the_provinces_given(db):
    call_command(
        "create_staff",
        "arunee",
        "--role",
        "supervisor",
        "--password",
        "kaeng-som-pla-2569",
        "--province",
        "50",
        "--province",
        "57",
    )
    profile = StaffProfile.objects.get(user__username="arunee")
    assert profile.province_codes == ["50", "57"]
    assert profile.covers_province("50") and not profile.covers_province("10")


def test_it_attaches_a_responder_to_an_agency(agencies):
    call_command(
        "create_staff", "weera", "--role", "responder", "--password", "kaeng-som-pla-2569", "--agency", "bkk-police"
    )
    assert Responder.objects.get(user__username="weera").agency.code == "bkk-police"


def test_it_makes_an_admin_able_to_use_django_admin(db):
    call_command("create_staff", "root", "--role", "admin", "--password", "kaeng-som-pla-2569")
    user = authenticate(HttpRequest(), username="root", password="kaeng-som-pla-2569")
    assert user.is_staff and user.is_superuser


def test_it_updates_an_existing_account_instead_of_duplicating_it(db):
    call_command("create_staff", "somsri", "--role", "operator", "--password", "old-kaeng-som-2569")
    call_command(
        "create_staff", "somsri", "--role", "supervisor", "--password", "new-kaeng-som-2569", "--province", "10"
    )
    assert StaffProfile.objects.filter(user__username="somsri").count() == 1
    assert authenticate(HttpRequest(), username="somsri", password="new-kaeng-som-2569").staff.role == Role.SUPERVISOR
    assert authenticate(HttpRequest(), username="somsri", password="old-kaeng-som-2569") is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "janitor"], "Unknown role"),
        (["--role", "supervisor", "--province", "99"], "Unknown province"),
        (["--role", "responder", "--agency", "nowhere"], "Unknown agency"),
        (["--role", "responder"], "must belong to an agency"),
        (["--role", "operator", "--agency", "bkk-police"], "Only responders"),
    ],
)
def test_it_refuses_what_it_cannot_honour_with_a_clear_error(agencies, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_staff", "x", *args, "--password", "kaeng-som-pla-2569")
    assert not StaffProfile.objects.filter(user__username="x").exists()


@pytest.mark.parametrize(
    ("password", "message"),
    [("short-pw-1", "too short"), ("password1234", "too common"), ("736491028375", "entirely numeric")],
)
def test_it_enforces_the_password_policy(db, password, message):
    """#11 item 5: at least 12 characters, not a common password, not only digits."""
    with pytest.raises(CommandError, match=message):
        call_command("create_staff", "somsri", "--role", "operator", "--national", "--password", password)
    assert not StaffProfile.objects.filter(user__username="somsri").exists()
