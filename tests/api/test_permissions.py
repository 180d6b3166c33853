"""The permission matrix: every role × endpoint × province/agency, the outsider always included.

Two cases: one in Bangkok assigned to the Bangkok police, one in Chiang Mai assigned to Chiang Mai's
พมจ. A token must see exactly what the same member of staff sees in the console (dispatch.scoping).
"""

import pytest
from django.http import HttpRequest

from dispatch.models import Assignment, Responder
from dispatch.scoping import visible_incidents
from incidents.models import IncidentEvent
from tests.api.conftest import bearer
from tests.conftest import PASSWORD
from tests.factories import make_incident

BKK, CM = "bkk", "cm"

# who → which of the two cases they may see
SEES = {
    "operator": {BKK, CM},
    "admin": {BKK, CM},
    "sup_bkk": {BKK},
    "sup_cm": {CM},
    "resp_bkk": {BKK},
    "resp_cm": {CM},
}
MAY_ACT = {"operator", "admin", "sup_bkk", "sup_cm"}


@pytest.fixture
def cases(agencies):
    bkk = make_incident()
    cm = make_incident(province_code="50", district_code="5001", latitude=18.79, longitude=98.98)
    Assignment.objects.create(incident=bkk, agency=agencies["bkk"])
    Assignment.objects.create(incident=cm, agency=agencies["cm"])
    return {BKK: bkk, CM: cm}


@pytest.mark.parametrize("who", sorted(SEES))
def test_it_lists_only_the_cases_the_role_may_see(client, tokens, cases, who):
    response = client.get("/api/cases", **bearer(tokens[who].secret))
    assert response.status_code == 200
    assert {c["reference"] for c in response.json()["items"]} == {cases[k].reference for k in SEES[who]}


@pytest.mark.parametrize("who", sorted(SEES))
@pytest.mark.parametrize("where", [BKK, CM])
@pytest.mark.parametrize("suffix", ["", "/eidd"])
def test_it_answers_404_for_a_case_outside_reach(client, tokens, cases, who, where, suffix):
    response = client.get(f"/api/cases/{cases[where].reference}{suffix}", **bearer(tokens[who].secret))
    assert response.status_code == (200 if where in SEES[who] else 404)


@pytest.mark.parametrize("who", sorted(SEES))
def test_it_feeds_only_the_events_of_cases_the_role_may_see(client, tokens, cases, who):
    response = client.get("/api/events", **bearer(tokens[who].secret))
    assert {e["case"] for e in response.json()["items"]} == {cases[k].reference for k in SEES[who]}


@pytest.mark.parametrize("who", sorted(SEES))
@pytest.mark.parametrize("where", [BKK, CM])
def test_it_lets_only_console_roles_in_reach_change_a_case(client, tokens, cases, who, where):
    case = cases[where]
    response = client.post(
        f"/api/cases/{case.reference}/triage",
        {"priority": 1},
        content_type="application/json",
        **bearer(tokens[who].secret),
    )
    if where not in SEES[who]:
        expected = 404
    elif who not in MAY_ACT:
        expected = 403
    else:
        expected = 200
    assert response.status_code == expected, response.content
    case.refresh_from_db()
    assert case.status == ("triaged" if expected == 200 else "new")


def test_it_shows_a_responder_only_its_own_agencys_assignment_on_a_joint_case(client, tokens, cases, agencies):
    joint = cases[BKK]
    Assignment.objects.create(incident=joint, agency=agencies["cm"])
    mine = client.get(f"/api/cases/{joint.reference}", **bearer(tokens["resp_bkk"].secret)).json()
    assert [a["agency"] for a in mine["assignments"]] == ["bkk-police"]
    # Chiang Mai's พมจ. now sees the case too, with its own part only.
    theirs = client.get(f"/api/cases/{joint.reference}", **bearer(tokens["resp_cm"].secret)).json()
    assert [a["agency"] for a in theirs["assignments"]] == ["cm-pmj"]
    everyone = client.get(f"/api/cases/{joint.reference}", **bearer(tokens["operator"].secret)).json()
    assert sorted(a["agency"] for a in everyone["assignments"]) == ["bkk-police", "cm-pmj"]


@pytest.mark.parametrize(
    ("who", "identity"),
    [
        ("operator", True),
        ("sup_bkk", True),
        ("admin", True),
        ("resp_bkk", False),
    ],
)
def test_it_shows_reporter_identity_only_to_roles_that_may_see_it_and_logs_each_view(
    client, tokens, cases, who, identity
):
    case = cases[BKK]
    plain = client.get(f"/api/cases/{case.reference}", **bearer(tokens[who].secret)).json()
    assert plain["reporter"] is None  # never without asking
    asked = client.get(f"/api/cases/{case.reference}?include_reporter=true", **bearer(tokens[who].secret))
    logged = IncidentEvent.objects.filter(incident=case, kind="identity_viewed")
    if identity:
        assert asked.status_code == 200
        assert asked.json()["reporter"]["line_user_id"] == case.reporter.line_user_id
        (view,) = logged
        assert view.actor == tokens[who].token.account
        assert asked.json()["timeline"][-1]["kind"] == "identity_viewed"
    else:
        assert asked.status_code == 403
        assert not logged.exists()
    export = client.get(f"/api/cases/{case.reference}/eidd", **bearer(tokens[who].secret)).content.decode()
    assert case.reporter.line_user_id not in export


@pytest.mark.parametrize(
    ("who", "agencies_seen"),
    [
        ("operator", {"bkk-police", "cm-pmj"}),
        ("sup_bkk", {"bkk-police"}),
        ("sup_cm", {"cm-pmj"}),
        ("resp_bkk", {"bkk-police"}),
        ("resp_cm", {"cm-pmj"}),
    ],
)
def test_it_lists_responders_on_duty_within_reach(
    client, tokens, agencies, responder_bkk, responder_cm, who, agencies_seen
):
    Responder.objects.filter(user__in=[responder_bkk, responder_cm]).update(on_duty=True)
    body = client.get("/api/responders", **bearer(tokens[who].secret)).json()
    assert {r["agency"] for r in body} == agencies_seen
    # Tokens' own service accounts are never listed as people.
    assert all(not r["name"].startswith("API:") for r in body)


def test_it_lists_no_one_off_duty_unless_asked(client, tokens, responder_bkk):
    assert client.get("/api/responders", **bearer(tokens["operator"].secret)).json() == []
    off = client.get("/api/responders?on_duty=false", **bearer(tokens["operator"].secret)).json()
    assert [r["id"] for r in off] == [responder_bkk.responder.pk]


@pytest.mark.parametrize(
    ("token", "user", "password_user"),
    [
        ("sup_cm", "supervisor_cm", "sup_cm"),
        ("resp_bkk", "responder_bkk", "resp_bkk"),
        ("operator", "operator", "op"),
    ],
)
def test_a_token_sees_what_the_same_member_of_staff_sees_in_the_console(
    client, request, tokens, cases, token, user, password_user
):
    staff = request.getfixturevalue(user)
    console_view = set(visible_incidents(staff).values_list("reference", flat=True))
    via_token = {c["reference"] for c in client.get("/api/cases", **bearer(tokens[token].secret)).json()["items"]}
    client.login(request=HttpRequest(), username=password_user, password=PASSWORD)
    if token == "resp_bkk":
        # A responder's session does not use the API at all (docs/security.md); their agency's token does.
        assert client.get("/api/cases").status_code == 403
        assert via_token == console_view
        return
    via_session = {c["reference"] for c in client.get("/api/cases").json()["items"]}
    assert via_token == via_session == console_view


def test_everyone_reads_the_agencies(client, tokens, cases):
    for who in SEES:
        body = client.get("/api/agencies", **bearer(tokens[who].secret)).json()
        assert {a["code"] for a in body} == {"bkk-police", "cm-pmj"}
    assert client.get("/api/agencies/cm-pmj", **bearer(tokens["resp_bkk"].secret)).json()["areas"] == [
        {"province_code": "50", "district_code": ""}
    ]
    assert client.get("/api/agencies/nowhere", **bearer(tokens["operator"].secret)).status_code == 404
