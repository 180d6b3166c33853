"""#11 item 3: a responder sees a case only while their agency holds a live assignment on it, never its
internal notes or identity events, on every route; responder sessions do not use /api/."""

import pytest
from django.http import HttpRequest

from dispatch.assignments import Pick, do_assign, do_cancel, do_complete, do_decline
from dispatch.scoping import visible_events, visible_incidents
from incidents import actions, triage
from tests.api.conftest import bearer
from tests.conftest import PASSWORD
from tests.factories import make_incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(agencies, operator):
    case = make_incident()
    [assignment] = do_assign(case, [Pick(agencies["bkk"])], actor=operator)
    case.refresh_from_db()
    triage.add_note(case.pk, operator, "ผู้แจ้งเคยแจ้งความเท็จ (บันทึกภายใน)")
    actions.record(case, "identity_viewed", actor=operator)
    return case, assignment


def routes(client, token, case, assignment):
    return {
        "api case": client.get(f"/api/cases/{case.reference}", **bearer(token)).status_code,
        "api eidd": client.get(f"/api/cases/{case.reference}/eidd", **bearer(token)).status_code,
        "api list": case.reference in str(client.get("/api/cases", **bearer(token)).json()),
        "api feed": case.reference in str(client.get("/api/events", **bearer(token)).json()),
    }


def test_no_internal_notes_or_identity_events_while_assigned(client, case, responder_bkk, tokens):
    case, _ = case
    kinds = set(visible_events(responder_bkk).filter(incident=case).values_list("kind", flat=True))
    assert "note" not in kinds and not any(k.startswith("identity") for k in kinds)
    body = client.get(f"/api/cases/{case.reference}", **bearer(tokens["resp_bkk"].secret)).json()
    assert {e["kind"] for e in body["timeline"]}.isdisjoint({"note", "identity_viewed"})
    assert "บันทึกภายใน" not in str(body)
    feed = str(client.get("/api/events", **bearer(tokens["resp_bkk"].secret)).json())
    assert "บันทึกภายใน" not in feed and "identity_viewed" not in feed
    eidd = str(client.get(f"/api/cases/{case.reference}/eidd", **bearer(tokens["resp_bkk"].secret)).json())
    assert "บันทึกภายใน" not in eidd


@pytest.mark.parametrize("end", ["cancel", "decline", "complete"])
def test_an_ended_assignment_ends_the_view_on_every_route(client, case, responder_bkk, operator, tokens, end):
    case, assignment = case
    token = tokens["resp_bkk"].secret
    assert routes(client, token, case, assignment) == {
        "api case": 200,
        "api eidd": 200,
        "api list": True,
        "api feed": True,
    }
    if end == "cancel":
        do_cancel(assignment, "ส่งผิดหน่วย", actor=operator)
    elif end == "decline":
        do_decline(assignment, "ไม่ใช่พื้นที่", actor=responder_bkk)
    else:
        for step in ("acknowledged", "en_route", "on_scene"):
            from dispatch.assignments import do_advance

            do_advance(assignment, step, actor=responder_bkk)
        do_complete(assignment, "แยกคู่กรณีแล้ว", actor=responder_bkk)
    assert not visible_incidents(responder_bkk).filter(pk=case.pk).exists()
    assert routes(client, token, case, assignment) == {
        "api case": 404,
        "api eidd": 404,
        "api list": False,
        "api feed": False,
    }
    client.login(request=HttpRequest(), username="resp_bkk", password=PASSWORD)
    page = client.get("/responder/").content.decode()
    # The phone's "done today" lists the agency's own completed work (reference and outcome: at most the
    # outcome of a case it no longer holds); never as an open assignment, never the case's story.
    assignments, _, done_today = page.partition('<section class="done-today"')
    assert done_today and case.reference not in assignments
    assert (case.reference in done_today) == (end == "complete")
    assert case.description not in page


def test_completing_through_the_api_answers_with_the_outcome_only(client, case, tokens):
    case, assignment = case
    token = tokens["resp_bkk"].secret
    for step in ("acknowledged", "en_route", "on_scene"):
        client.post(
            f"/api/assignments/{assignment.pk}/status",
            {"status": step},
            content_type="application/json",
            **bearer(token),
        )
    done = client.post(
        f"/api/assignments/{assignment.pk}/status",
        {"status": "completed", "outcome": "ปลอดภัยแล้ว"},
        content_type="application/json",
        **bearer(token),
    )
    assert done.status_code == 200
    assert set(done.json()) == {"reference", "status", "outcome"}
    assert done.json()["status"] == "resolved" and done.json()["outcome"].endswith("ปลอดภัยแล้ว")


def test_responder_sessions_do_not_use_the_api(client, case, responder_bkk):
    case, _ = case
    client.login(request=HttpRequest(), username="resp_bkk", password=PASSWORD)
    assert client.get("/api/cases").status_code == 403
    assert client.get(f"/api/cases/{case.reference}").status_code == 403


def test_the_centres_bookkeeping_is_not_shown_to_the_agency(case, responder_bkk, tokens, client):
    """Delivery trouble carries the reply's text; opening, holds and purges are the centre's own work."""
    case, _ = case
    for kind, data in (
        ("delivery_uncertain", {"text": "ข้อความตอบกลับที่อาจไม่ถึง"}),
        ("delivery_resent", {}),
        ("opened", {}),
        ("legal_hold", {"on": True, "reason": "คดีอยู่ระหว่างสอบสวน"}),
    ):
        actions.record(case, kind, data=data)
    kinds = set(visible_events(responder_bkk).filter(incident=case).values_list("kind", flat=True))
    assert kinds.isdisjoint({"delivery_uncertain", "delivery_resent", "opened", "legal_hold"})
    body = str(client.get(f"/api/cases/{case.reference}", **bearer(tokens["resp_bkk"].secret)).json())
    assert "ข้อความตอบกลับที่อาจไม่ถึง" not in body and "คดีอยู่ระหว่างสอบสวน" not in body
