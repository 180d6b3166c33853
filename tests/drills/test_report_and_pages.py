"""An operator works a drill's cases on the console, a responder acknowledges on the phone view, the
supervisor stops the drill: the after-action report has each step's time, who did it and what was missed;
the pages, the CSV and the API show it, and every drill case is marked."""

import pytest

from api.tokens import issue_token
from dispatch.models import Agency, AgencyArea, AgencyKind, Assignment
from dispatch.staff import ensure_staff
from drills import actions
from drills.models import Drill
from ess.models import Role
from incidents.models import Status
from tests.api.conftest import bearer
from tests.conftest import PASSWORD
from tests.drills.conftest import run, start_past

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def bangkok_team(db):
    agency = Agency.objects.create(
        code="bkk-ess", name="ศูนย์ช่วยเหลือสังคม กทม.", kind=AgencyKind.PROVINCIAL_MSDHS, province_code="10"
    )
    AgencyArea.objects.create(agency=agency, province_code="10")
    responder = ensure_staff("resp_ess", role=Role.RESPONDER, password=PASSWORD, agency_code="bkk-ess").user
    return agency, responder


def work_the_drill(client, operator, agency, responder, drill):
    """The operator opens, triages and assigns the first case and merges the duplicate into it; the
    responder acknowledges. Through the console's and the responder view's own URLs."""
    first, duplicate = actions.cases_of(drill).order_by("received_at", "pk")
    client.force_login(operator)
    panel = client.get(f"/console/case/{first.pk}/", **HTMX).content.decode()
    assert "flag-drill" in panel  # the panel's chip
    first.refresh_from_db()
    client.post(f"/console/case/{first.pk}/triage/", {"version": first.version, "priority": "1"}, **HTMX)
    first.refresh_from_db()
    assert first.status == Status.TRIAGED
    client.post(
        f"/console/cases/{first.pk}/dispatch/assign/", {"agency": [agency.pk], "version": first.version}, **HTMX
    )
    assignment = Assignment.objects.get(incident=first)
    client.get(f"/console/case/{duplicate.pk}/", **HTMX)
    duplicate.refresh_from_db()
    client.post(
        f"/console/case/{duplicate.pk}/duplicate/", {"version": duplicate.version, "master": first.reference}, **HTMX
    )
    duplicate.refresh_from_db()
    assert duplicate.status == Status.DUPLICATE
    client.force_login(responder)
    card = client.get("/responder/").content.decode()
    assert "data-drill" in card and first.reference in card  # the responder card's badge
    client.post(f"/responder/assignments/{assignment.pk}/acknowledged/")
    first.refresh_from_db()
    assert first.acknowledged_at is not None
    return first, duplicate


def test_the_after_action_report_has_each_operators_times_and_nothing_missed(
    drill_line, client, operator, supervisor_bkk, bangkok_team
):
    agency, responder = bangkok_team
    drill = start_past(supervisor_bkk, "4-deranged-person.yaml", "10")
    run(drill_line, drill, 10_000)
    first, duplicate = work_the_drill(client, operator, agency, responder, drill)
    client.force_login(supervisor_bkk)
    assert client.post(f"/drills/{drill.pk}/stop/").status_code == 302
    drill.refresh_from_db()
    assert drill.state == Drill.State.FINISHED  # every step had been played
    data = drill.report.data
    by_ref = {c["reference"]: c for c in data["cases"]}
    main = by_ref[first.reference]
    assert main["missed"] == [] and by_ref[duplicate.reference]["missed"] == []
    assert by_ref[duplicate.reference]["role"] == "duplicate"
    for step in ("open", "triage", "assign", "acknowledge"):
        assert main["steps"][step]["seconds"] >= 0
    assert main["steps"]["triage"]["by"] == "op" and main["steps"]["triage"]["target"] == 10 * 60
    assert main["steps"]["acknowledge"]["by"] == "resp_ess"
    assert main["steps"]["triage"]["late"] is False
    names = {o["name"]: o for o in data["operators"]}
    assert set(names["op"]["steps"]) == {"open", "triage", "assign"} and first.reference in names["op"]["cases"]
    # The report page (printable) and the list's link to it.
    page = client.get(f"/drills/{drill.pk}/report/").content.decode()
    assert 'data-operator="op"' in page and first.reference in page and "css/drills.css" in page
    assert f"/drills/{drill.pk}/report/" in client.get("/drills/").content.decode()
    # Kept as built: later work on the cases does not change it.
    before = drill.report.data
    first.refresh_from_db()
    drill.report.refresh_from_db()
    assert drill.report.data == before


def test_what_nobody_did_is_listed_as_missed(drill_line, supervisor_bkk):
    drill = start_past(supervisor_bkk, "5-gang-gathering.yaml", "10")
    run(drill_line, drill, 10_000)
    actions.end(drill, supervisor_bkk)
    data = Drill.objects.get().report.data
    by_reporter = {c["reporter"]: c for c in data["cases"]}
    assert by_reporter["a"]["missed"] == ["open", "triage", "assign", "acknowledge"]
    assert by_reporter["c"]["missed"] == ["open", "mark_false_report"]
    assert data["operators"] == []
    assert actions.cases_of(drill).filter(status=Status.CLOSED).count() == 2


def test_drill_cases_are_marked_on_the_console_the_csv_and_the_api(drill_line, client, operator, supervisor_bkk):
    drill = start_past(supervisor_bkk, "2-confinement.yaml", "10")
    run(drill_line, drill, 10_000)
    case = actions.cases_of(drill).get()
    client.force_login(operator)
    console = client.get("/console/").content.decode()
    assert "data-drill-banner" in console and drill.title in console  # the banner while it runs
    assert drill.title in client.get("/drills/banner/").content.decode()
    row = console.split(f'id="case-{case.pk}"')[1].split("</tr>")[0]
    assert "flag-drill" in row  # the row's chip
    client.force_login(supervisor_bkk)
    csv = client.get(f"/drills/{drill.pk}/cases.csv").content.decode("utf-8-sig").splitlines()
    assert csv[0].startswith("drill,reference") and csv[1].startswith(f"yes,{case.reference}")
    token = issue_token("sup", role=Role.SUPERVISOR, provinces=["10"]).secret
    detail = client.get(f"/api/cases/{case.reference}", **bearer(token)).json()
    assert detail["drill"] is True
    listed = client.get("/api/cases", **bearer(token)).json()
    assert [c["drill"] for c in listed["items"]] == [True]
    drills = client.get("/api/drills", **bearer(token)).json()["drills"]
    assert drills[0]["id"] == drill.pk and drills[0]["cases"] == [case.reference] and drills[0]["drill"] is True
    assert client.get(f"/api/drills/{drill.pk}/report", **bearer(token)).status_code == 404  # still running
    actions.end(drill, supervisor_bkk)
    report = client.get(f"/api/drills/{drill.pk}/report", **bearer(token)).json()
    assert report["report"]["cases"][0]["reference"] == case.reference
    # A supervisor of another province sees neither the drill nor its report.
    other = issue_token("sup cm", role=Role.SUPERVISOR, provinces=["50"]).secret
    assert client.get(f"/api/drills/{drill.pk}", **bearer(other)).status_code == 404
    assert client.get("/api/drills", **bearer(other)).json()["drills"] == []
    # Once it ended, no banner (the console polls it: a page left open loses it too).
    client.force_login(operator)
    assert "data-drill-banner" not in client.get("/console/").content.decode()
    assert "data-drill-banner" not in client.get("/drills/banner/").content.decode()


def test_a_drill_case_and_a_real_one_are_never_merged(drill_line, operator, supervisor_bkk):
    from incidents.errors import ActionRefused
    from incidents.triage import duplicate_suggestions, mark_duplicate
    from tests.factories import make_incident

    drill = start_past(supervisor_bkk, "4-deranged-person.yaml", "10")
    run(drill_line, drill, 10_000)
    first = actions.cases_of(drill).order_by("pk").first()
    real = make_incident(latitude=first.latitude, longitude=first.longitude, province_code="10")
    assert real not in [c for c, _km in duplicate_suggestions(first)]
    with pytest.raises(ActionRefused):
        mark_duplicate(real.pk, first.pk, operator)
    with pytest.raises(ActionRefused):
        mark_duplicate(first.pk, real.pk, operator)
