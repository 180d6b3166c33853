from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.http import HttpRequest

from dispatch.models import Agency, AgencyKind
from ess.models import Role
from incidents.models import Incident, IncidentEvent, Status


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_it_creates_agencies_accounts_and_cases_in_every_status(db):
    output = seed()
    provinces = set(Agency.objects.values_list("province_code", flat=True))
    assert {"10", "50", "40", "90", "20"} <= provinces
    assert set(Agency.objects.values_list("kind", flat=True)) == set(AgencyKind.values)
    assert set(Incident.objects.values_list("status", flat=True)) == set(Status.values)
    for role in Role.values:
        assert role in output
    # The printed passwords work.
    passwords = printed_passwords(output)
    assert authenticate(HttpRequest(), username="operator", password=passwords["operator"]) is not None
    assert authenticate(
        HttpRequest(), username="supervisor_cm", password=passwords["supervisor_cm"]
    ).staff.province_codes == ["50"]
    # Demo cases carry Thai descriptions and a timeline like real ones.
    assert Incident.objects.filter(description__contains="ผู้").exists()
    assert IncidentEvent.objects.filter(kind="created").count() == Incident.objects.count()


def printed_passwords(output: str) -> dict[str, str]:
    rows = [line.split() for line in output.splitlines() if line.startswith("  ")]
    return {row[0]: row[1] for row in rows}


def test_demo_passwords_are_random_and_printed_only_once(db):
    first = printed_passwords(seed())
    assert len(set(first.values())) == len(first) and all(len(p) >= 16 for p in first.values())
    # The old fixed passwords are gone for good.
    for guess in ("ess-demo-operator", "ess-demo-admin", "ess-demo-supervisor", "ess-demo-responder"):
        assert authenticate(HttpRequest(), username="admin", password=guess) is None
        assert authenticate(HttpRequest(), username="operator", password=guess) is None
    again = printed_passwords(seed())
    assert set(again.values()) == {"(unchanged)"}
    assert authenticate(HttpRequest(), username="admin", password=first["admin"]) is not None


def test_it_refuses_outside_debug_and_demo_mode(db, settings):
    settings.DEBUG = False
    settings.ESS_DEMO = False
    with pytest.raises(CommandError, match="DEBUG=1 or ESS_DEMO=1"):
        seed()
    assert not Agency.objects.exists() and not get_user_model().objects.exists()


def test_it_is_idempotent(db):
    seed()
    counts = (Agency.objects.count(), Incident.objects.count(), IncidentEvent.objects.count())
    output = seed()
    assert (Agency.objects.count(), Incident.objects.count(), IncidentEvent.objects.count()) == counts
    assert "0 new cases" in output
