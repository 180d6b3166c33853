"""One path for every case action (dispatch.commands): each action that takes a case out of the dispatch
flow, through every entry point that offers it — the console, the API and the reporter on LINE — ends the
assignments, takes the case off the responder's phone, says why on the timeline, and tells the reporter
the same thing. And the claim rule holds whatever the entry point."""

import pytest
from django.test import Client

from api.tokens import issue_token
from dispatch.assignments import Pick, do_acknowledge, do_assign
from dispatch.models import Assignment, AssignmentStatus
from dispatch.staff import ensure_staff
from ess.models import Role
from incidents import triage
from incidents.line import texts
from incidents.models import Category, Hotline, IncidentEvent, Status
from tests.api.conftest import bearer
from tests.conftest import PASSWORD
from tests.factories import make_incident

pytestmark = pytest.mark.usefixtures("english")

USER = "U" + "7" * 32

# action → (console action, API path, form data, the status the case ends in)
ACTIONS = {
    "cancel": ("cancel", "cancel", {"reason": "ผู้แจ้งโทรมาว่าปลอดภัยแล้ว"}, Status.CANCELLED),
    "false_report": ("false_report", "false-report", {"reason": "ไม่มีเหตุตามที่แจ้ง"}, Status.FALSE_REPORT),
    "refer": ("refer", "refer", {"hotline": Hotline.POLICE_191}, Status.REFERRED),
    "duplicate": ("duplicate", "duplicate", {"master": None}, Status.DUPLICATE),
}
CASES = [(action, entry) for action in ACTIONS for entry in ("console", "api")] + [("cancel", "line")]


def _reported_on_line(line):
    """A reporter on LINE reports a threat in Bangkok; the police are sent and acknowledge."""
    line.say(line.event("follow", USER))
    line.say(line.tap(USER, texts.POSTBACK_CATEGORY + Category.THREAT))
    line.say(line.pin(USER, "bangkok"))
    case = line.case_of(USER)
    return case


def _why(action: str, entry: str, master_ref: str) -> str:
    return {
        "cancel": "The reporter cancelled the case on LINE"
        if entry == "line"
        else "Cancelled for the reporter: ผู้แจ้งโทรมาว่าปลอดภัยแล้ว",
        "false_report": "Marked as a false report",
        "refer": "Referred to the 191 hotline",
        "duplicate": f"Merged into case {master_ref} as a duplicate",
    }[action]


def _heard(action: str, reference: str, master_ref: str = "") -> list[str]:
    """What the reporter is told: the cancellation confirmed (as on LINE), the hotline to call, for a merge
    under which reference their report is handled now, and for a false report nothing at all."""
    return {
        "cancel": [texts.say("th", "cancelled", reference=reference)],
        "refer": [triage.referral_message(Hotline.POLICE_191, "th")],
        "false_report": [],
        "duplicate": [triage.merged_message(master_ref, "th")],
    }[action]


@pytest.mark.parametrize(("action", "entry"), CASES)
def test_leaving_dispatch_stands_the_agencies_down_from_every_entry_point(
    line, agencies, operator, responder_bkk, action, entry
):
    case = _reported_on_line(line)
    master = make_incident()
    (assignment,) = do_assign(case, [Pick(agencies["bkk"])])
    do_acknowledge(assignment, actor=responder_bkk)
    line.work()
    heard_before = len(line.texts_to(USER))
    responder = Client()
    responder.force_login(responder_bkk)
    assert case.reference in responder.get("/responder/assignments/").content.decode()

    console_action, api_path, data, status = ACTIONS[action]
    data = {k: (master.reference if k == "master" else v) for k, v in data.items()}
    if entry == "console":
        staff = Client()
        staff.force_login(operator)
        response = staff.post(f"/console/case/{case.pk}/{console_action}/", data, headers={"HX-Request": "true"})
        assert response.status_code == 200
        assert 'role="alert"' not in response.content.decode()
    elif entry == "api":
        secret = issue_token("ops", role=Role.OPERATOR).secret
        response = Client().post(
            f"/api/cases/{case.reference}/{api_path}", data, content_type="application/json", **bearer(secret)
        )
        assert response.status_code == 200, response.content
    else:
        line.say(line.text(USER, "cancel"))
        line.say(line.tap(USER, texts.POSTBACK_CANCEL_YES))
    line.work()

    case.refresh_from_db()
    assert case.status == status
    # The assignment ended, with the reason the responder and the timeline show.
    assignment.refresh_from_db()
    why = _why(action, entry, master.reference)
    assert (assignment.status, assignment.reason) == (AssignmentStatus.CANCELLED, why)
    stand_down = IncidentEvent.objects.get(incident=case, kind="stand_down")
    assert stand_down.data["reason"] == why
    # The responder's phone no longer lists the case.
    assert case.reference not in responder.get("/responder/assignments/").content.decode()
    # The reporter heard the right thing, and only that.
    heard = line.texts_to(USER)[heard_before:]
    if entry == "line":
        heard = heard[1:]  # "cancel it?" came first
    assert heard == _heard(action, case.reference, master.reference)


@pytest.fixture
def second_operator(db):
    return ensure_staff("op2", role=Role.OPERATOR, password=PASSWORD, national=True).user


def test_only_the_claim_holder_assigns_in_the_console_until_a_supervisor_takes_over(
    client, agencies, operator, second_operator, supervisor_bkk, english
):
    case = make_incident()
    triage.claim(case, operator)
    for user in (second_operator, supervisor_bkk):
        client.force_login(user)
        response = client.post(
            f"/console/cases/{case.pk}/dispatch/assign/", {"agency": agencies["bkk"].pk}, headers={"HX-Request": "true"}
        )
        assert response.status_code == 200
        assert "is claimed by op" in response.content.decode()
    assert not Assignment.objects.exists()
    client.post(f"/console/case/{case.pk}/take_over/", headers={"HX-Request": "true"})
    response = client.post(
        f"/console/cases/{case.pk}/dispatch/assign/", {"agency": agencies["bkk"].pk}, headers={"HX-Request": "true"}
    )
    assert 'role="alert"' not in response.content.decode()
    assert Assignment.objects.filter(incident=case, agency=agencies["bkk"]).exists()
