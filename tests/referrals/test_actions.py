"""Follow-up referrals (ส่งต่อ): the rules in referrals.actions, whoever calls them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.errors import InvalidInput, NotAllowed
from incidents.models import IncidentEvent, Message, Status
from incidents.triage import close
from referrals import actions
from referrals.models import Outcome, Referral, ReferralKind, ReferralStatus, TaskKind
from referrals.scoping import overdue_referrals, visible_referrals
from tests.factories import make_incident
from tests.referrals.conftest import resolved_case

pytestmark = pytest.mark.django_db


def refer(case, actor, agency, kind=ReferralKind.CASE_WORKER, person="child", **kwargs):
    return actions.do_refer(case, actor, kind=kind, owner_agency=agency, person=person, reason="เด็กอยู่ลำพัง", **kwargs)


def outbound(case) -> list[Message]:
    return list(Message.objects.filter(incident=case, direction=Message.Direction.OUT))


def test_it_refers_a_resolved_child_case_with_the_kinds_default_tasks(child_case, operator, followup_agencies, english):
    referral = refer(child_case, operator, followup_agencies["pmj"])
    today = timezone.localdate()
    assert [(t.kind, t.due_on) for t in referral.tasks.all()] == [
        (TaskKind.HOME_VISIT, today + timedelta(days=3)),
        (TaskKind.REVIEW, today + timedelta(days=30)),
    ]
    assert referral.status == ReferralStatus.OPEN and referral.province_code == "10"
    event = IncidentEvent.objects.get(incident=child_case, kind="referral_made")
    assert event.data["agency"] == "bkk-pmj" and event.actor == operator


def test_it_tells_the_reporter_once_in_neutral_words_in_their_language(child_case, operator, followup_agencies):
    refer(child_case, operator, followup_agencies["pmj"])
    refer(child_case, operator, followup_agencies["shelter"], kind=ReferralKind.SHELTER)
    (message,) = outbound(child_case)
    assert child_case.reference in message.text
    assert "ติดต่อ" in message.text  # Thai, the reporter's language
    # Neutral: nothing of what happened or who follows up.
    for word in ("ข่มขู่", "ทำร้าย", "เด็ก", "พมจ", "บ้านพัก"):
        assert word not in message.text


def test_it_says_nothing_to_a_safe_contact_only_reporter(child_case, operator, followup_agencies):
    child_case.reporter.safe_contact_only = True
    child_case.reporter.save()
    referral = refer(child_case, operator, followup_agencies["pmj"])
    assert outbound(child_case) == [] and not referral.reporter_told


def test_it_stays_open_after_the_case_is_closed(child_case, operator, followup_agencies):
    referral = refer(child_case, operator, followup_agencies["pmj"])
    case = close(child_case.pk, operator, "ส่งต่อ พมจ. แล้ว")
    assert case.status == Status.CLOSED
    referral.refresh_from_db()
    assert referral.is_open
    # A closed case that was resolved may still be referred (another kind).
    assert refer(case, operator, followup_agencies["shelter"], kind=ReferralKind.SHELTER).is_open


@pytest.mark.parametrize(
    "setup, message",
    [
        ("open_case", "once it is resolved"),
        ("no_flag", "once it is resolved"),
        ("false_report", "once it is resolved"),
        ("wrong_person", "not flagged as involving"),
        ("wrong_agency_kind", "cannot own this follow-up"),
        ("other_province_agency", "cannot own this follow-up"),
        ("education_without_out_of_school", "education-equity"),
        ("blank_reason", "why a follow-up"),
    ],
)
def test_it_refuses_what_the_rules_do_not_allow(setup, message, operator, followup_agencies, english):
    case = resolved_case()
    kwargs = {"kind": ReferralKind.CASE_WORKER, "owner_agency": followup_agencies["pmj"], "person": "child"}
    reason = "เหตุผล"
    if setup == "open_case":
        case = make_incident()
        actions.set_flags(case, operator, {"child": True})
    elif setup == "no_flag":
        case = resolved_case(flags=())
    elif setup == "false_report":
        case = make_incident()
        actions.set_flags(case, operator, {"child": True})
        from incidents.actions import do_transition

        do_transition(case.pk, Status.FALSE_REPORT)
    elif setup == "wrong_person":
        kwargs["person"] = "elderly"
    elif setup == "wrong_agency_kind":
        kwargs["owner_agency"] = followup_agencies["bkk"]  # the police
    elif setup == "other_province_agency":
        kwargs["owner_agency"] = followup_agencies["cm"]  # Chiang Mai's พมจ.
    elif setup == "education_without_out_of_school":
        kwargs["kind"] = ReferralKind.EDUCATION
    elif setup == "blank_reason":
        reason = "  "
    with pytest.raises(InvalidInput, match=message):
        actions.do_refer(case, operator, reason=reason, **kwargs)
    assert not Referral.objects.exists()


def test_an_education_equity_referral_needs_a_child_out_of_school(operator, followup_agencies):
    case = resolved_case(flags=("child", "out_of_school"))
    referral = refer(case, operator, followup_agencies["pmj"], kind=ReferralKind.EDUCATION)
    assert [t.kind for t in referral.tasks.all()] == [TaskKind.SCHOOL_CONTACT, TaskKind.HOME_VISIT, TaskKind.REVIEW]


def test_a_second_open_referral_of_the_same_kind_is_refused(child_case, operator, followup_agencies, english):
    refer(child_case, operator, followup_agencies["pmj"])
    with pytest.raises(InvalidInput, match="already has an open referral"):
        refer(child_case, operator, followup_agencies["pmj"])


def test_staff_outside_the_province_and_responders_cannot_refer(
    child_case, supervisor_cm, pmj_worker, followup_agencies
):
    for outsider in (supervisor_cm, pmj_worker):
        with pytest.raises(NotAllowed):
            refer(child_case, outsider, followup_agencies["pmj"])
        with pytest.raises(NotAllowed):
            actions.set_flags(child_case, outsider, {"elderly": True})


def test_the_owner_agency_works_the_tasks_and_closes_with_an_outcome(
    child_case, operator, pmj_worker, responder_bkk, followup_agencies, english
):
    referral = refer(child_case, operator, followup_agencies["pmj"])
    visit = referral.tasks.get(kind=TaskKind.HOME_VISIT)
    # The police were not given this follow-up: they neither see it nor act on it.
    assert not visible_referrals(responder_bkk).exists()
    with pytest.raises(NotAllowed):
        actions.do_complete_task(visit, responder_bkk, "เยี่ยมแล้ว")
    with pytest.raises(InvalidInput, match="Write what was done"):
        actions.do_complete_task(visit, pmj_worker, " ")
    done = actions.do_complete_task(visit, pmj_worker, "เยี่ยมบ้านแล้ว เด็กอยู่กับยาย")
    assert done.done_by == pmj_worker and done.result.startswith("เยี่ยมบ้าน")
    with pytest.raises(InvalidInput, match="already done"):
        actions.do_complete_task(visit, pmj_worker, "อีกครั้ง")
    with pytest.raises(InvalidInput, match="outcome"):
        actions.do_close_referral(referral, pmj_worker, "made-up")
    closed = actions.do_close_referral(referral, pmj_worker, Outcome.SUPPORTED, "ยายดูแลได้")
    assert closed.status == ReferralStatus.CLOSED
    review = referral.tasks.get(kind=TaskKind.REVIEW)
    assert review.cancelled_at is not None and not review.is_pending
    with pytest.raises(InvalidInput, match="closed"):
        actions.do_add_task(referral, pmj_worker, actions.TaskInput(TaskKind.REVIEW, timezone.localdate()))
    assert list(
        IncidentEvent.objects.filter(incident=child_case, kind__startswith="referral").values_list("kind", flat=True)
    ) == ["referral_made", "referral_task_done", "referral_closed"]


def test_overdue_follow_ups_are_those_with_a_pending_task_past_its_day(
    child_case, operator, supervisor_bkk, supervisor_cm, followup_agencies
):
    referral = refer(child_case, operator, followup_agencies["pmj"])
    today = timezone.localdate()
    assert not overdue_referrals(supervisor_bkk, today).exists()
    later = today + timedelta(days=4)  # the home visit was due in 3 days
    (row,) = overdue_referrals(supervisor_bkk, later)
    assert row == referral and row.overdue_tasks == 1
    assert not overdue_referrals(supervisor_cm, later).exists()  # another province's supervisor
    actions.do_complete_task(referral.tasks.get(kind=TaskKind.HOME_VISIT), operator, "ok")
    assert not overdue_referrals(supervisor_bkk, later).exists()


def test_flags_are_set_and_cleared_on_the_timeline(operator, db):
    case = make_incident()
    actions.set_flags(case, operator, {"child": True, "elderly": False})
    case.refresh_from_db()
    assert case.flags == {"child": True}
    actions.set_flags(case, operator, {"child": False, "disabled": True})
    case.refresh_from_db()
    assert case.flags == {"disabled": True}
    assert [e.data["changed"] for e in IncidentEvent.objects.filter(incident=case, kind="flags")] == [
        {"child": True},
        {"child": False, "disabled": True},
    ]
    with pytest.raises(InvalidInput):
        actions.set_flags(case, operator, {"weapon": True})  # not this app's flag


def test_the_console_timeline_words_each_follow_up_step(child_case, operator, followup_agencies, english):
    from console.screen import describe_event

    referral = refer(child_case, operator, followup_agencies["pmj"])
    actions.do_complete_task(referral.tasks.get(kind=TaskKind.HOME_VISIT), operator, "เยี่ยมแล้ว")
    actions.do_close_referral(referral, operator, Outcome.SUPPORTED)
    lines = [describe_event(e) for e in IncidentEvent.objects.filter(incident=child_case).order_by("pk")]
    assert "Who is involved: + A child or young person is involved" in lines
    assert f"Referred for follow-up: {ReferralKind.CASE_WORKER.label} → พมจ.กรุงเทพมหานคร" in lines
    assert "Follow-up task done: Home visit — เยี่ยมแล้ว" in lines
    assert "Follow-up closed: Supported at home; the family is coping" in lines
