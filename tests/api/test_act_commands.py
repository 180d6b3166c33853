"""The API runs the commands of dispatch.commands: the claim rule on the agencies, bodies that are not
JSON objects, and each body's schema generated from the command's form."""

import pytest

from dispatch import commands
from dispatch.assignments import Pick, do_assign
from dispatch.models import Agency, AgencyKind, Assignment, AssignmentStatus
from tests.api.conftest import bearer
from tests.factories import make_incident

pytestmark = pytest.mark.usefixtures("english")


def test_only_the_claim_holder_acts_on_assignments_through_the_api(client, tokens, agencies, operator):
    case = make_incident()
    (assignment,) = do_assign(case, [Pick(agencies["bkk"])], actor=operator)  # the operator now holds it
    for key in ("sup_bkk", "admin"):
        secret = tokens[key].secret
        attempts = {
            f"cases/{case.reference}/assignments": {"agencies": [{"agency": "cm-pmj"}]},
            f"cases/{case.reference}/stand-down": {"reason": "ไม่ต้องไปแล้ว"},
            f"assignments/{assignment.pk}/status": {"status": "acknowledged"},
            f"assignments/{assignment.pk}/reassign": {"agency": "bkk-police", "reason": "เปลี่ยนคน"},
        }
        for path, body in attempts.items():
            response = client.post(f"/api/{path}", body, content_type="application/json", **bearer(secret))
            assert response.status_code == 409, (path, response.content)
            assert "claimed by op" in response.json()["detail"]
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.PENDING
    assert Assignment.objects.count() == 1
    # The supervisor takes the claim over; then they may act.
    secret = tokens["sup_bkk"].secret
    assert (
        client.post(
            f"/api/cases/{case.reference}/take-over", {}, content_type="application/json", **bearer(secret)
        ).status_code
        == 200
    )
    response = client.post(
        f"/api/assignments/{assignment.pk}/status",
        {"status": "acknowledged"},
        content_type="application/json",
        **bearer(secret),
    )
    assert response.status_code == 200, response.content
    # The responders of the agency are not bound by the operators' claim.
    assert (
        client.post(
            f"/api/assignments/{assignment.pk}/status",
            {"status": "en_route"},
            content_type="application/json",
            **bearer(tokens["resp_bkk"].secret),
        ).status_code
        == 200
    )


@pytest.mark.parametrize("body", ["[]", "[1, 2]", "42", '"text"', "null", "true"])
@pytest.mark.parametrize("path", ["claim", "notes", "assignments", "cancel", "stand-down"])
def test_every_act_endpoint_answers_422_to_a_body_that_is_not_an_object(client, tokens, path, body):
    case = make_incident()
    response = client.post(
        f"/api/cases/{case.reference}/{path}",
        body,
        content_type="application/json",
        **bearer(tokens["operator"].secret),
    )
    assert response.status_code == 422, response.content
    assert response.json()["field"] == "body"
    assert list(case.events.values_list("kind", flat=True)) == ["created"]


def test_the_api_documents_each_body_from_the_commands_form():
    from api.api import api

    paths = api.get_openapi_schema(path_prefix="/api")["paths"]
    body = paths["/api/cases/{ref}/cancel"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == commands.json_schema(commands.CancelForm)
    assert body["required"] == ["reason"]


def test_the_api_refuses_an_agency_outside_the_cases_area(client, tokens, agencies):
    """The agency coverage rule is the domain's (tests/dispatch/test_coverage.py), so the API refuses too."""
    Agency.objects.create(
        code="oscc-1300", name="1300", kind=AgencyKind.HOTLINE_1300, province_code="10", is_national=True
    )
    case = make_incident()
    secret = tokens["sup_bkk"].secret  # a Bangkok-scoped token naming a Chiang Mai agency
    response = client.post(
        f"/api/cases/{case.reference}/assignments",
        {"agencies": [{"agency": "cm-pmj"}]},
        content_type="application/json",
        **bearer(secret),
    )
    assert response.status_code == 403, response.content
    assert "does not cover" in response.json()["detail"]
    assert not Assignment.objects.exists()
    response = client.post(
        f"/api/cases/{case.reference}/assignments",
        {"agencies": [{"agency": "oscc-1300"}]},
        content_type="application/json",
        **bearer(secret),
    )
    assert response.status_code == 200, response.content
    (a,) = Assignment.objects.all()
    response = client.post(
        f"/api/assignments/{a.pk}/reassign",
        {"agency": "cm-pmj", "reason": "ย้าย"},
        content_type="application/json",
        **bearer(secret),
    )
    assert response.status_code == 403
    assert list(Assignment.objects.values_list("agency__code", "status")) == [("oscc-1300", "pending")]
