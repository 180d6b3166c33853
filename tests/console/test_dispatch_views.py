import pytest
from django.http import HttpRequest

from dispatch.assignments import Pick, do_assign
from dispatch.models import Agency, AgencyArea, AgencyKind, Assignment, AssignmentStatus, Responder
from incidents.models import Category, Incident, Status
from tests.conftest import PASSWORD
from tests.factories import make_incident

pytestmark = pytest.mark.django_db
A = AssignmentStatus
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def console(client, operator):
    client.login(request=HttpRequest(), username="op", password=PASSWORD)
    return client


@pytest.fixture
def bkk_pmj(agencies):
    pmj = Agency.objects.create(
        code="bkk-pmj",
        name="พม.กรุงเทพ",
        kind=AgencyKind.PROVINCIAL_MSDHS,
        province_code="10",
        latitude=13.765,
        longitude=100.538,
    )
    AgencyArea.objects.create(agency=pmj, province_code="10")
    return pmj


def test_it_renders_the_panel_as_a_partial_for_htmx_and_a_page_otherwise(console, agencies, bkk_pmj):
    incident = make_incident(category=Category.SEXUAL_ABUSE_RISK)
    partial = console.get(f"/console/cases/{incident.pk}/dispatch/", **HX).content.decode()
    assert partial.lstrip().startswith("<section") and "<html" not in partial
    assert 'data-kind="police"' in partial and 'data-kind="pmj"' in partial
    assert "สน.ปทุมวัน" in partial and "พม.กรุงเทพ" in partial
    page = console.get(f"/console/cases/{incident.pk}/dispatch/").content.decode()
    assert "<html" in page and f'id="dispatch-panel-{incident.pk}"' in page


def test_it_assigns_several_agencies_with_a_named_responder_in_one_post(console, agencies, bkk_pmj, responder_bkk):
    incident = make_incident(category=Category.SEXUAL_ABUSE_RISK)
    responder = Responder.objects.get(user=responder_bkk)
    response = console.post(
        f"/console/cases/{incident.pk}/dispatch/assign/",
        {
            "agency": [agencies["bkk"].pk, bkk_pmj.pk],
            f"responder_{agencies['bkk'].pk}": responder.pk,
            "version": incident.version,
        },
        **HX,
    )
    assert response.status_code == 200
    assert set(incident.assignments.values_list("agency__code", "responder", "status")) == {
        ("bkk-police", responder.pk, A.PENDING),
        ("bkk-pmj", None, A.PENDING),
    }
    assert Incident.objects.get(pk=incident.pk).status == Status.DISPATCHED
    assert 'data-status="pending"' in response.content.decode()


def test_it_shows_a_refusal_in_the_panel_and_applies_nothing(console, agencies):
    incident = make_incident()
    stale = incident.version
    console.post(f"/console/cases/{incident.pk}/dispatch/assign/", {"agency": [agencies["bkk"].pk]}, **HX)
    response = console.post(
        f"/console/cases/{incident.pk}/dispatch/assign/", {"agency": [agencies["bkk"].pk], "version": stale}, **HX
    )
    assert 'role="alert"' in response.content.decode()
    assert incident.assignments.count() == 1


def test_it_cancels_and_reassigns_with_a_reason(console, agencies, bkk_pmj, operator):
    incident = make_incident()
    [a] = do_assign(incident, [Pick(agencies["bkk"])], actor=operator)
    console.post(f"/console/assignments/{a.pk}/reassign/", {"agency": bkk_pmj.pk, "reason": "เรื่องคุ้มครองเด็ก"}, **HX)
    assert Assignment.objects.get(pk=a.pk).status == A.CANCELLED
    new = incident.assignments.get(status=A.PENDING)
    assert new.agency == bkk_pmj
    response = console.post(f"/console/assignments/{new.pk}/cancel/", {"reason": ""}, **HX)
    assert 'role="alert"' in response.content.decode()
    console.post(f"/console/assignments/{new.pk}/cancel/", {"reason": "ผู้แจ้งยกเลิกทางโทรศัพท์"}, **HX)
    assert Assignment.objects.get(pk=new.pk).status == A.CANCELLED
    assert Incident.objects.get(pk=incident.pk).status == Status.TRIAGED


def test_it_records_an_acknowledgement_taken_by_phone(console, agencies, operator):
    [a] = do_assign(make_incident(), [Pick(agencies["bkk"])], actor=operator)
    console.post(f"/console/assignments/{a.pk}/step/acknowledged/", **HX)
    assert Assignment.objects.get(pk=a.pk).status == A.ACKNOWLEDGED
    assert console.post(f"/console/assignments/{a.pk}/step/declined/", **HX).status_code == 404


def test_it_hides_other_provinces_cases_from_a_provincial_supervisor(client, supervisor_cm, agencies, operator):
    incident = make_incident()
    [a] = do_assign(incident, [Pick(agencies["bkk"])], actor=operator)
    client.login(request=HttpRequest(), username="sup_cm", password=PASSWORD)
    assert client.get(f"/console/cases/{incident.pk}/dispatch/").status_code == 404
    assert client.post(f"/console/assignments/{a.pk}/cancel/", {"reason": "x"}).status_code == 404
    assert Assignment.objects.get(pk=a.pk).status == A.PENDING


def test_it_refuses_responders(client, responder_bkk, agencies):
    client.login(request=HttpRequest(), username="resp_bkk", password=PASSWORD)
    incident = make_incident()
    response = client.post(f"/console/cases/{incident.pk}/dispatch/assign/", {"agency": [agencies["bkk"].pk]})
    assert response.status_code == 403


def test_it_offers_no_assignment_on_a_case_that_left_dispatch(console, agencies):
    from incidents.actions import do_transition

    incident = make_incident()
    do_transition(incident, Status.REFERRED)
    page = console.get(f"/console/cases/{incident.pk}/dispatch/", **HX).content.decode()
    assert "assign-form" not in page
