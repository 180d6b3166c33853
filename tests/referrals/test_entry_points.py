"""Follow-up referrals through every entry point: the console panel, the responder view, the supervisor
dashboard, the API (with its events feed and the EIDD-like export). Each calls referrals.actions, so the
same refusals come back whatever the door, including forms the screen never offered."""

from datetime import timedelta

import pytest
from django.utils import timezone

from api.tokens import issue_token
from ess.models import Role
from incidents.models import IncidentEvent, Status
from incidents.triage import close, set_triage
from referrals import actions
from referrals.models import FollowUpTask, Referral, ReferralKind, ReferralStatus, TaskKind
from tests.api.conftest import bearer
from tests.factories import make_incident
from tests.referrals.conftest import resolved_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _settled_feed(settings):
    settings.API_EVENTS_SETTLE_SECONDS = 0


def make_referral(case, actor, agency):
    return actions.do_refer(
        case, actor, kind=ReferralKind.CASE_WORKER, owner_agency=agency, person="child", reason="เด็กอยู่ลำพัง"
    )


# --- the console ---------------------------------------------------------------------------------------


def test_the_case_panel_offers_the_referral_once_the_case_is_resolved(client, operator, followup_agencies):
    client.force_login(operator)
    case = make_incident()
    panel = client.get(f"/console/case/{case.pk}/", **HTMX).content.decode()
    assert 'name="child"' in panel and "Refer for follow-up" not in panel
    # Flag a child while the case is open: the offer waits for the resolution.
    answer = client.post(
        f"/referrals/cases/{case.pk}/flags/", {"flag_names": ["child", "elderly"], "child": "1"}, **HTMX
    )
    assert answer.status_code == 200 and "offered once the case is resolved" in answer.content.decode()
    set_triage(case.pk, operator, priority=2)
    close(case.pk, operator, "พูดคุยทางแชต เด็กปลอดภัยแล้ว")  # triaged → resolved → closed
    panel = client.get(f"/console/case/{case.pk}/", **HTMX).content.decode()
    assert "Refer for follow-up" in panel and followup_agencies["pmj"].name in panel
    assert followup_agencies["bkk"].name not in panel.split("Refer for follow-up")[1]  # police are not offered
    answer = client.post(
        f"/referrals/cases/{case.pk}/refer/",
        {"kind": "case_worker", "person": "child", "owner_agency": followup_agencies["pmj"].pk, "reason": "ไม่มีผู้ดูแล"},
        **HTMX,
    )
    assert answer.status_code == 200 and "Saved." in answer.content.decode()
    referral = Referral.objects.get()
    assert (referral.incident, referral.owner_agency, referral.created_by) == (case, followup_agencies["pmj"], operator)


def test_the_console_answers_a_tampered_referral_with_the_domains_refusal(client, operator, followup_agencies):
    client.force_login(operator)
    case = resolved_case()
    for data, message in [
        ({"kind": "case_worker", "person": "child", "owner_agency": followup_agencies["bkk"].pk}, "cannot own"),
        ({"kind": "case_worker", "person": "elderly", "owner_agency": followup_agencies["pmj"].pk}, "not flagged"),
        ({"kind": "education", "person": "child", "owner_agency": followup_agencies["pmj"].pk}, "education-equity"),
        (
            {"kind": "made-up", "person": "child", "owner_agency": followup_agencies["pmj"].pk},
            "Choose who the follow-up",
        ),
        ({"kind": "case_worker", "person": "child", "owner_agency": "x"}, "cannot own"),
    ]:
        answer = client.post(f"/referrals/cases/{case.pk}/refer/", {**data, "reason": "r"}, **HTMX)
        assert answer.status_code == 200 and message in answer.content.decode(), data
    answer = client.post(f"/referrals/cases/{case.pk}/flags/", {"flag_names": ["weapon"], "weapon": "1"}, **HTMX)
    assert "Unknown flag" in answer.content.decode()
    assert not Referral.objects.exists()


def test_outsiders_cannot_reach_a_case_or_a_referral(client, operator, supervisor_cm, responder_bkk, followup_agencies):
    case = resolved_case()
    referral = make_referral(case, operator, followup_agencies["pmj"])
    client.force_login(supervisor_cm)
    assert client.post(f"/referrals/cases/{case.pk}/flags/", {"flag_names": ["child"]}, **HTMX).status_code == 404
    assert client.get(f"/referrals/{referral.pk}/").status_code == 404
    client.force_login(responder_bkk)  # a responder of another agency
    assert client.post(f"/referrals/cases/{case.pk}/refer/", {}).status_code == 403
    task = referral.tasks.first()
    assert client.post(f"/referrals/tasks/{task.pk}/done/", {"result": "x"}).status_code == 404
    assert FollowUpTask.objects.get(pk=task.pk).is_pending


# --- the responder view --------------------------------------------------------------------------------


def test_the_owner_agency_sees_and_works_its_follow_ups_on_the_responder_view(
    client, operator, pmj_worker, followup_agencies
):
    case = resolved_case()
    referral = make_referral(case, operator, followup_agencies["pmj"])
    close(case.pk, operator, "เสร็จ")  # the follow-up lives on after the case is closed
    client.force_login(pmj_worker)
    page = client.get("/responder/").content.decode()
    assert "Follow-ups your agency owns" in page and case.reference in page and "Home visit" in page
    visit = referral.tasks.get(kind=TaskKind.HOME_VISIT)
    answer = client.post(f"/referrals/tasks/{visit.pk}/done/", {"result": "เยี่ยมบ้านแล้ว", "next": "/responder/"})
    assert answer.status_code == 302 and answer["Location"] == "/responder/"
    assert not FollowUpTask.objects.get(pk=visit.pk).is_pending
    # An off-site "next" is not followed.
    answer = client.post(f"/referrals/{referral.pk}/close/", {"outcome": "supported", "next": "https://evil.example/"})
    assert answer["Location"] == f"/referrals/{referral.pk}/"
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.CLOSED
    assert case.reference not in client.get("/responder/").content.decode()


# --- the dashboard -------------------------------------------------------------------------------------


def test_supervisors_see_overdue_follow_ups_on_the_dashboard(
    client, operator, supervisor_bkk, supervisor_cm, followup_agencies
):
    case = resolved_case()
    referral = make_referral(case, operator, followup_agencies["pmj"])
    FollowUpTask.objects.filter(referral=referral, kind=TaskKind.HOME_VISIT).update(
        due_on=timezone.localdate() - timedelta(days=2)
    )
    client.force_login(supervisor_bkk)
    page = client.get("/dashboard/").content.decode()
    panel = page.split('id="followup-overdue"')[1].split("</section>")[0]
    assert case.reference in panel and "2 days" in panel and "data-overdue-count>1<" in panel
    client.force_login(supervisor_cm)
    panel = client.get("/dashboard/").content.decode().split('id="followup-overdue"')[1].split("</section>")[0]
    assert case.reference not in panel and "No follow-up is overdue." in panel


# --- the API -------------------------------------------------------------------------------------------


def post(client, secret, path, body):
    return client.post(f"/api/{path}", body, content_type="application/json", **bearer(secret))


def test_the_api_refers_works_and_closes_a_follow_up(client, followup_agencies):
    ops = issue_token("ops", role=Role.OPERATOR).secret
    owner = issue_token("pmj system", role=Role.RESPONDER, agency=followup_agencies["pmj"]).secret
    police = issue_token("police CAD", role=Role.RESPONDER, agency=followup_agencies["bkk"]).secret
    case = make_incident()
    assert post(client, ops, f"cases/{case.reference}/flags", {"flags": {"child": True}}).json()["flags"] == {
        "child": True
    }
    early = post(
        client,
        ops,
        f"cases/{case.reference}/referrals",
        {"kind": "case_worker", "owner_agency": "bkk-pmj", "person": "child", "reason": "r"},
    )
    assert early.status_code == 422 and "once it is resolved" in early.json()["detail"]
    sup = issue_token("sup", role=Role.SUPERVISOR).token.account
    set_triage(case.pk, sup, priority=2)
    close(case.pk, sup, "ok")
    due = (timezone.localdate() + timedelta(days=5)).isoformat()
    made = post(
        client,
        ops,
        f"cases/{case.reference}/referrals",
        {
            "kind": "case_worker",
            "owner_agency": "bkk-pmj",
            "person": "child",
            "reason": "r",
            "tasks": [{"kind": "home_visit", "due_on": due}],
        },
    )
    assert made.status_code == 200, made.content
    body = made.json()
    assert (body["case"], body["owner_agency"], body["status"]) == (case.reference, "bkk-pmj", "open")
    assert [(t["kind"], t["due_on"]) for t in body["tasks"]] == [("home_visit", due)]
    rid, tid = body["id"], body["tasks"][0]["id"]
    # The police token does not see it; the owner agency's does.
    assert client.get(f"/api/referrals/{rid}", **bearer(police)).status_code == 404
    assert [r["id"] for r in client.get("/api/referrals", **bearer(owner)).json()["referrals"]] == [rid]
    by_case = client.get("/api/referrals", {"case": case.reference}, **bearer(owner)).json()["referrals"]
    assert [r["id"] for r in by_case] == [rid]
    nul = client.get("/api/referrals", {"case": case.reference[:5] + "\x00"}, **bearer(owner))
    assert (nul.status_code, nul.json()["referrals"]) == (200, [])  # a 500 on PostgreSQL before
    assert post(client, police, f"referrals/{rid}/tasks/{tid}/done", {"result": "x"}).status_code == 404
    assert post(client, owner, f"referrals/{rid}/tasks/{tid}/done", {"result": " "}).status_code == 422
    done = post(client, owner, f"referrals/{rid}/tasks/{tid}/done", {"result": "เยี่ยมแล้ว"}).json()
    assert done["tasks"][0]["done_at"]
    closed = post(client, owner, f"referrals/{rid}/close", {"outcome": "supported"}).json()
    assert closed["status"] == "closed"
    again = post(client, owner, f"referrals/{rid}/close", {"outcome": "supported"})
    assert again.status_code == 422 and "closed" in again.json()["detail"]
    # The events feed carries each step; the EIDD-like export has the referral section.
    feed = client.get("/api/events?after=0&limit=200", **bearer(ops)).json()
    kinds = [e["kind"] for e in feed["items"] if e["kind"].startswith("referral")]
    assert kinds == ["referral_made", "referral_task_done", "referral_closed"]
    (section,) = client.get(f"/api/cases/{case.reference}/eidd", **bearer(ops)).json()["incident"]["referrals"]
    assert section["owner"]["id"] == "bkk-pmj" and section["outcome"]["code"] == "supported"
    assert section["tasks"][0]["result"] == "เยี่ยมแล้ว"
    assert IncidentEvent.objects.filter(incident=case, kind="referral_made").count() == 1
    assert case.reporter.line_user_id not in str(section)


def test_the_api_overdue_filter(client, operator, followup_agencies):
    case = resolved_case()
    referral = make_referral(case, operator, followup_agencies["pmj"])
    ops = issue_token("ops", role=Role.SUPERVISOR, provinces=["10"]).secret
    assert client.get("/api/referrals?overdue=true", **bearer(ops)).json()["referrals"] == []
    FollowUpTask.objects.filter(referral=referral).update(due_on=timezone.localdate() - timedelta(days=1))
    (row,) = client.get("/api/referrals?overdue=true", **bearer(ops)).json()["referrals"]
    assert row["id"] == referral.pk and all(t["overdue"] for t in row["tasks"])
    assert case.status == Status.RESOLVED
