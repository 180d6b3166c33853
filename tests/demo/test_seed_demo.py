from io import StringIO

from django.contrib.auth import authenticate
from django.core.management import call_command

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
    assert authenticate(username="operator", password="ess-demo-operator") is not None
    assert authenticate(username="supervisor_cm", password="ess-demo-supervisor").staff.province_codes == ["50"]
    # Demo cases carry Thai descriptions and a timeline like real ones.
    assert Incident.objects.filter(description__contains="ผู้").exists()
    assert IncidentEvent.objects.filter(kind="created").count() == Incident.objects.count()


def test_it_is_idempotent(db):
    seed()
    counts = (Agency.objects.count(), Incident.objects.count(), IncidentEvent.objects.count())
    output = seed()
    assert (Agency.objects.count(), Incident.objects.count(), IncidentEvent.objects.count()) == counts
    assert "0 new cases" in output
