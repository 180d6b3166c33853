"""#11 item 8: the small leaks."""

from io import StringIO

import pytest
from django.core.management import call_command

from dispatch.staff import StaffError, ensure_staff
from ess.models import Role
from ess.roles import province_scope
from incidents import triage
from incidents.errors import InvalidInput
from tests.api.conftest import bearer
from tests.conftest import PASSWORD
from tests.factories import ReporterFactory, make_incident

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
CM = {"province_code": "50", "district_code": "5001", "latitude": 18.79, "longitude": 98.98}


@pytest.fixture(autouse=True)
def first_case():
    # The console's forms show ESS-<year>-000001 as a placeholder: no test case may have that number.
    return make_incident()


def test_the_reporters_history_shows_only_cases_the_operator_may_see(client, supervisor_bkk):
    reporter = ReporterFactory()
    elsewhere = make_incident(reporter=reporter, **CM)
    here = make_incident(reporter=reporter)
    earlier_here = make_incident(reporter=reporter)
    client.force_login(supervisor_bkk)
    body = client.get(f"/console/case/{here.pk}/", **HTMX).content.decode()
    assert earlier_here.reference in body
    assert elsewhere.reference not in body


def test_a_refused_merge_into_a_hidden_case_says_not_found_like_a_missing_one(client, supervisor_bkk):
    hidden = make_incident(**CM)
    case = make_incident()
    with pytest.raises(InvalidInput) as refused:
        triage.mark_duplicate(case.pk, hidden.pk, supervisor_bkk)
    with pytest.raises(InvalidInput) as missing:
        triage.mark_duplicate(case.pk, 999_999, supervisor_bkk)
    assert str(refused.value) == str(missing.value) and hidden.reference not in str(refused.value)
    # The console's form takes an id too: same answer, and the hidden case's reference never shows.
    client.force_login(supervisor_bkk)
    body = client.post(
        f"/console/case/{case.pk}/duplicate/", {"version": case.version, "master": str(hidden.pk)}, **HTMX
    ).content.decode()
    assert hidden.reference not in body
    case.refresh_from_db()
    assert case.status != "duplicate"


def test_a_refused_merge_through_the_api_answers_as_for_a_missing_case(client, tokens):
    hidden = make_incident(**CM)
    case = make_incident()

    def merge(master):
        return client.post(
            f"/api/cases/{case.reference}/duplicate",
            {"master": master, "expected_version": case.version},
            content_type="application/json",
            **bearer(tokens["sup_bkk"].secret),
        )

    refused, missing = merge(hidden.reference), merge("ESS-2569-999999")
    assert refused.status_code == missing.status_code == 422
    assert refused.json()["detail"].replace(hidden.reference, "X") == missing.json()["detail"].replace(
        "ESS-2569-999999", "X"
    )


def test_an_operator_without_provinces_is_not_national(client):
    nobody = ensure_staff("op_nowhere", role=Role.OPERATOR, password=PASSWORD).user
    national = ensure_staff("op_1300", role=Role.OPERATOR, password=PASSWORD, national=True).user
    case = make_incident()
    assert province_scope(nobody) == [] and province_scope(national) is None
    client.force_login(nobody)
    assert case.reference not in client.get("/console/").content.decode()
    assert client.get(f"/console/case/{case.pk}/", **HTMX).status_code == 404
    client.force_login(national)
    assert case.reference in client.get("/console/").content.decode()


def test_national_reach_is_asked_for_explicitly_by_create_staff():
    out = StringIO()
    call_command("create_staff", "sup_nat", "--role", "supervisor", "--national", stdout=out)
    assert "national" in out.getvalue()
    call_command("create_staff", "sup_none", "--role", "supervisor", stdout=StringIO())
    from django.contrib.auth import get_user_model

    User = get_user_model()
    assert province_scope(User.objects.get(username="sup_nat")) is None
    assert province_scope(User.objects.get(username="sup_none")) == []
    with pytest.raises(StaffError):
        ensure_staff("both", role=Role.SUPERVISOR, provinces=["10"], national=True)


def test_case_row_exports_are_for_supervisors_of_their_provinces_and_admins(
    client, operator, supervisor_cm, admin_user
):
    bangkok = make_incident()
    client.force_login(operator)
    assert client.get("/dashboard/cases.csv?range=today").status_code == 403
    assert "/dashboard/cases.csv" not in client.get("/dashboard/").content.decode()
    assert client.get("/dashboard/").status_code == 200  # operators still read the dashboard
    client.force_login(supervisor_cm)
    chiang_mai_only = b"".join(client.get("/dashboard/cases.csv?range=today").streaming_content).decode()
    assert bangkok.reference not in chiang_mai_only
    client.force_login(admin_user)
    everything = b"".join(client.get("/dashboard/cases.csv?range=today").streaming_content).decode()
    assert bangkok.reference in everything
