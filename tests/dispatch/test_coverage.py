"""An agency is sent only to cases in the areas it covers, unless it is national (the 1300 centre): it
would read the case, its messages and photos. The rule is the assign functions', so every entry point
refuses an agency its screen never offered (a tampered form, an API call)."""

import pytest

from dispatch import directory
from dispatch.assignments import Pick, do_assign, do_reassign
from dispatch.models import Agency, AgencyKind, Assignment
from dispatch.recommend import covering_agencies
from incidents.errors import NotAllowed
from tests.factories import make_incident

pytestmark = pytest.mark.usefixtures("english")
HX = {"headers": {"HX-Request": "true"}}


@pytest.fixture
def national(db):
    return Agency.objects.create(
        code="oscc-1300", name="1300", kind=AgencyKind.HOTLINE_1300, province_code="10", is_national=True
    )


def test_the_domain_refuses_an_agency_outside_the_cases_area_and_takes_a_national_one(agencies, national):
    case = make_incident()  # Bangkok, Pathum Wan
    with pytest.raises(NotAllowed, match="does not cover"):
        do_assign(case, [Pick(agencies["cm"])])
    with pytest.raises(NotAllowed):  # nothing of a joint dispatch is applied when one agency is refused
        do_assign(case, [Pick(agencies["bkk"]), Pick(agencies["cm"])])
    assert not Assignment.objects.exists()
    (a,) = do_assign(case, [Pick(national)])
    with pytest.raises(NotAllowed, match="does not cover"):
        do_reassign(a, Pick(agencies["cm"]), "ย้าย")
    assert {x.code for x in covering_agencies(case)} == {"bkk-police", "oscc-1300"}
    # A district agency does not cover the rest of its province.
    elsewhere = make_incident(district_code="1001")
    with pytest.raises(NotAllowed):
        do_assign(elsewhere, [Pick(agencies["bkk"])])


def test_the_console_refuses_a_tampered_assign_or_reassign(client, operator, agencies, national):
    case = make_incident()
    client.force_login(operator)
    response = client.post(f"/console/cases/{case.pk}/dispatch/assign/", {"agency": agencies["cm"].pk}, **HX)
    assert "does not cover" in response.content.decode()
    assert not Assignment.objects.exists()
    client.post(f"/console/cases/{case.pk}/dispatch/assign/", {"agency": agencies["bkk"].pk}, **HX)
    (a,) = Assignment.objects.all()
    response = client.post(
        f"/console/assignments/{a.pk}/reassign/", {"agency": agencies["cm"].pk, "reason": "ย้าย"}, **HX
    )
    assert "does not cover" in response.content.decode()
    assert list(Assignment.objects.values_list("agency__code", "status")) == [("bkk-police", "pending")]


def test_the_directory_bootstrap_and_the_demo_data_mark_the_1300_centre_national(db):
    from demo.seed import seed_agencies

    directory.bootstrap()
    national = Agency.objects.get(code=directory.NATIONAL_1300)
    assert national.is_national
    assert Agency.objects.filter(is_national=True).count() == 1
    seed_agencies()
    assert list(Agency.objects.filter(is_national=True).values_list("code", flat=True)) == ["oscc-1300"]
