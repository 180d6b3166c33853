"""Agencies on a case through the API (dispatch.assignments): assign, answer from the agency's own system,
reassign — with the outsider agency always tried."""

import pytest

from dispatch.models import Agency, AgencyArea, AgencyKind, Assignment, AssignmentStatus
from incidents.models import IncidentEvent
from tests.api.conftest import bearer
from tests.factories import make_incident


def post(client, secret, path, body):
    return client.post(f"/api/{path}", body, content_type="application/json", **bearer(secret))


@pytest.fixture
def assigned(client, tokens, agencies):
    """A Bangkok case the national operator assigned to the Bangkok police through the API."""
    case = make_incident()
    response = post(
        client,
        tokens["operator"].secret,
        f"cases/{case.reference}/assignments",
        {"agencies": [{"agency": "bkk-police"}]},
    )
    assert response.status_code == 200, response.content
    return case, Assignment.objects.get(incident=case)


def test_it_assigns_an_agency_and_the_case_is_dispatched(client, tokens, assigned):
    case, assignment = assigned
    body = client.get(f"/api/cases/{case.reference}", **bearer(tokens["operator"].secret)).json()
    assert body["status"] == "dispatched"
    assert [(a["agency"], a["status"]) for a in body["assignments"]] == [("bkk-police", "pending")]
    assert assignment.assigned_by == tokens["operator"].token.account


def test_the_agency_answers_from_its_own_system_and_the_case_follows(client, tokens, assigned):
    _, assignment = assigned
    police = tokens["resp_bkk"].secret
    for step, case_status in [("acknowledged", "acknowledged"), ("en_route", "en_route"), ("on_scene", "on_scene")]:
        response = post(client, police, f"assignments/{assignment.pk}/status", {"status": step})
        assert response.status_code == 200, response.content
        assert response.json()["status"] == case_status
    incomplete = post(client, police, f"assignments/{assignment.pk}/status", {"status": "completed"})
    assert incomplete.status_code == 409  # the domain wants the outcome
    done = post(
        client,
        police,
        f"assignments/{assignment.pk}/status",
        {"status": "completed", "outcome": "พาผู้เสียหายไปบ้านพักฉุกเฉินแล้ว"},
    )
    assert done.json()["status"] == "resolved"


def test_the_outsider_agency_cannot_see_or_move_the_assignment(client, tokens, assigned):
    _, assignment = assigned
    response = post(client, tokens["resp_cm"].secret, f"assignments/{assignment.pk}/status", {"status": "acknowledged"})
    assert response.status_code == 404
    assert (
        post(
            client, tokens["sup_cm"].secret, f"assignments/{assignment.pk}/status", {"status": "acknowledged"}
        ).status_code
        == 404
    )
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.PENDING


def test_an_illegal_assignment_step_is_409(client, tokens, assigned):
    _, assignment = assigned
    response = post(client, tokens["resp_bkk"].secret, f"assignments/{assignment.pk}/status", {"status": "on_scene"})
    assert response.status_code == 409
    assert "สน.ปทุมวัน" in response.json()["detail"]


def test_a_responder_token_may_not_assign_or_reassign(client, tokens, assigned, agencies):
    case, assignment = assigned
    assert (
        post(
            client,
            tokens["resp_bkk"].secret,
            f"cases/{case.reference}/assignments",
            {"agencies": [{"agency": "cm-pmj"}]},
        ).status_code
        == 403
    )
    assert (
        post(
            client,
            tokens["resp_bkk"].secret,
            f"assignments/{assignment.pk}/reassign",
            {"agency": "cm-pmj", "reason": "ไกล"},
        ).status_code
        == 403
    )


def test_it_reassigns_to_another_agency_with_a_reason(client, tokens, assigned):
    case, assignment = assigned
    shelter = Agency.objects.create(code="bkk-shelter", name="บ้านพัก", kind=AgencyKind.SHELTER, province_code="10")
    AgencyArea.objects.create(agency=shelter, province_code="10")
    response = post(
        client,
        tokens["operator"].secret,
        f"assignments/{assignment.pk}/reassign",
        {"agency": "bkk-shelter", "reason": "ต้องการที่พักฉุกเฉิน"},
    )
    assert response.status_code == 200, response.content
    assert [(a["agency"], a["status"]) for a in response.json()["assignments"]] == [
        ("bkk-police", "cancelled"),
        ("bkk-shelter", "pending"),
    ]
    assert IncidentEvent.objects.filter(incident=case, kind="reassigned").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"agencies": []}, "agencies"),
        ({"agencies": [{"agency": "nowhere"}]}, "agencies.0.agency"),
        ({"agencies": [{"agency": "bkk-police", "responder": 999999}]}, "agencies.0.responder"),
    ],
)
def test_it_names_the_field_of_a_bad_assignment(client, tokens, agencies, body, field):
    case = make_incident()
    response = post(client, tokens["operator"].secret, f"cases/{case.reference}/assignments", body)
    assert response.status_code == 422, response.content
    assert response.json()["field"] == field
    assert not Assignment.objects.exists()


def test_assigning_the_same_agency_twice_is_refused_with_409(client, tokens, assigned):
    case, _ = assigned
    again = post(
        client,
        tokens["operator"].secret,
        f"cases/{case.reference}/assignments",
        {"agencies": [{"agency": "bkk-police"}]},
    )
    assert again.status_code == 409
    assert Assignment.objects.filter(incident=case).count() == 1
