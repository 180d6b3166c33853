import pytest

from dispatch.assignments import (
    Pick,
    do_acknowledge,
    do_assign,
    do_cancel,
    do_complete,
    do_decline,
    do_reassign,
    do_set_en_route,
    do_set_on_scene,
    do_stand_down,
    target_case_status,
)
from dispatch.models import Agency, AgencyArea, AgencyKind, Assignment, AssignmentStatus, Responder
from ess import live
from incidents.errors import ActionRefused, NotAllowed
from incidents.models import Category, Incident, Status
from tests.factories import make_incident

# Assertions read the English msgids; the Thai catalogue is checked in tests/ess/test_i18n.py.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
A = AssignmentStatus


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


@pytest.fixture
def published(monkeypatch):
    """Every live message the actions send, as (groups, message), after commit."""
    sent = []
    real = live.publish

    def spy(groups, message):
        sent.append((list(groups), message))
        real(groups, message)

    monkeypatch.setattr(live, "publish", spy)
    return sent


def _kinds(incident):
    return list(incident.events.values_list("kind", flat=True))


def _status(incident):
    return Incident.objects.get(pk=incident.pk).status


def test_it_dispatches_a_triaged_case_and_tells_the_agency(agencies, operator, published):
    incident = make_incident()
    from incidents.actions import do_transition

    do_transition(incident, Status.TRIAGED)
    [a] = do_assign(incident, [Pick(agencies["bkk"])], actor=operator)
    assert a.status == A.PENDING and a.assigned_by == operator
    assert _status(incident) == Status.DISPATCHED
    assigned = [(g, m) for g, m in published if m["kind"] == "assigned"]
    assert assigned and live.agency_group("bkk-police") in assigned[0][0]
    assert live.CONSOLE in assigned[0][0] and live.province_group("10") in assigned[0][0]


def test_it_triages_a_new_case_first_and_says_so(agencies, operator):
    incident = make_incident()
    do_assign(incident, [Pick(agencies["bkk"])], actor=operator)
    incident.refresh_from_db()
    assert incident.status == Status.DISPATCHED and incident.triaged_at and incident.dispatched_at
    statuses = list(incident.events.filter(kind="status").values_list("to_status", "data"))
    assert statuses[0][0] == Status.TRIAGED and statuses[0][1]["by"] == "assignment"
    assert statuses[1][0] == Status.DISPATCHED


def test_it_assigns_several_agencies_at_once_with_independent_acknowledgements(
    agencies, bkk_pmj, operator, responder_bkk
):
    incident = make_incident(category=Category.SEXUAL_ABUSE_RISK)
    police, pmj = do_assign(incident, [Pick(agencies["bkk"], responder_bkk.responder), Pick(bkk_pmj)], actor=operator)
    assert police.responder == responder_bkk.responder
    assert _status(incident) == Status.DISPATCHED

    do_acknowledge(police, actor=responder_bkk)
    assert Assignment.objects.get(pk=pmj.pk).status == A.PENDING
    assert _status(incident) == Status.ACKNOWLEDGED

    do_set_en_route(police, actor=responder_bkk)
    assert _status(incident) == Status.EN_ROUTE
    do_acknowledge(pmj, actor=operator)  # the พม. officer phoned the centre
    assert _status(incident) == Status.EN_ROUTE  # never backwards

    do_set_on_scene(police, actor=responder_bkk)
    do_complete(police, "ผู้ก่อเหตุถูกควบคุมตัว", actor=responder_bkk)
    assert _status(incident) == Status.ON_SCENE  # stays: the พม. officer is still to come
    do_set_en_route(pmj)
    do_set_on_scene(pmj)
    do_complete(pmj, "ส่งผู้เสียหายเข้าบ้านพัก")
    incident.refresh_from_db()
    assert incident.status == Status.RESOLVED
    assert "ผู้ก่อเหตุถูกควบคุมตัว" in incident.outcome and "ส่งผู้เสียหายเข้าบ้านพัก" in incident.outcome


@pytest.mark.parametrize(
    ("statuses", "case"),
    [
        ([A.PENDING], Status.DISPATCHED),
        ([A.PENDING, A.ACKNOWLEDGED], Status.ACKNOWLEDGED),
        ([A.ON_SCENE, A.PENDING], Status.ON_SCENE),
        ([A.COMPLETED, A.EN_ROUTE], Status.EN_ROUTE),
        ([A.COMPLETED, A.DECLINED], Status.RESOLVED),
        ([A.DECLINED, A.CANCELLED], Status.TRIAGED),
    ],
)
def test_it_derives_the_case_status_from_its_assignments(statuses, case):
    assert target_case_status([Assignment(status=s) for s in statuses]) == case


def test_it_goes_back_to_triage_when_every_agency_declined_or_was_cancelled(agencies, bkk_pmj, operator, responder_bkk):
    incident = make_incident()
    police, pmj = do_assign(incident, [Pick(agencies["bkk"]), Pick(bkk_pmj)], actor=operator)
    do_decline(police, "รถออกเหตุอื่นทั้งหมด", actor=responder_bkk)
    assert _status(incident) == Status.DISPATCHED
    do_cancel(pmj, "ไม่ใช่เรื่องของ พม.", actor=operator)
    assert _status(incident) == Status.TRIAGED
    # …and can be dispatched again, to the same agency.
    do_assign(incident, [Pick(agencies["bkk"])], actor=operator)
    assert _status(incident) == Status.DISPATCHED


def test_it_alerts_at_once_on_a_decline(agencies, operator, responder_bkk, published):
    incident = make_incident()
    [a] = do_assign(incident, [Pick(agencies["bkk"])], actor=operator)
    published.clear()
    do_decline(a, "ไม่มีกำลังพล", actor=responder_bkk)
    alert = incident.events.get(kind="dispatch_alert")
    assert alert.data["why"] == "declined" and alert.data["reason"] == "ไม่มีกำลังพล"
    groups = next(g for g, m in published if m["kind"] == "dispatch_alert")
    assert live.province_group("10") in groups and live.CONSOLE in groups


def test_it_needs_a_reason_to_decline_or_cancel_and_an_outcome_to_complete(agencies, operator):
    incident = make_incident()
    [a] = do_assign(incident, [Pick(agencies["bkk"])], actor=operator)
    with pytest.raises(ActionRefused):
        do_decline(a, "  ")
    with pytest.raises(ActionRefused):
        do_cancel(a, "")
    do_acknowledge(a)
    do_set_on_scene(a)
    with pytest.raises(ActionRefused):
        do_complete(a, "")
    assert Assignment.objects.get(pk=a.pk).status == A.ON_SCENE


def test_it_refuses_a_step_out_of_order_or_twice(agencies, operator):
    incident = make_incident()
    [a] = do_assign(incident, [Pick(agencies["bkk"])], actor=operator)
    with pytest.raises(ActionRefused):
        do_set_on_scene(a)
    do_acknowledge(a)
    with pytest.raises(ActionRefused):
        do_acknowledge(a)  # a double tap
    assert incident.events.filter(kind="assignment").count() == 1


def test_it_refuses_an_agency_already_on_the_case_and_an_unassignable_case(agencies, operator):
    incident = make_incident()
    do_assign(incident, [Pick(agencies["bkk"])], actor=operator)
    with pytest.raises(ActionRefused, match="already assigned"):
        do_assign(incident, [Pick(agencies["bkk"])], actor=operator)
    referred = make_incident()
    from incidents.actions import do_transition

    do_transition(referred, Status.REFERRED)
    with pytest.raises(ActionRefused, match="cannot be assigned"):
        do_assign(referred, [Pick(agencies["bkk"])], actor=operator)
    with pytest.raises(ActionRefused):
        do_assign(make_incident(), [], actor=operator)


def test_it_refuses_a_responder_of_another_agency(agencies, operator, responder_cm):
    incident = make_incident()
    with pytest.raises(ActionRefused, match="does not work for"):
        do_assign(incident, [Pick(agencies["bkk"], responder_cm.responder)], actor=operator)
    assert _status(incident) == Status.NEW  # nothing applied, not even the triage
    [a] = do_assign(incident, [Pick(agencies["bkk"])], actor=operator)
    with pytest.raises(NotAllowed):
        do_acknowledge(a, actor=responder_cm)
    assert Assignment.objects.get(pk=a.pk).status == A.PENDING


def test_it_names_the_responder_who_acknowledges(agencies, operator, responder_bkk):
    [a] = do_assign(make_incident(), [Pick(agencies["bkk"])], actor=operator)
    a = do_acknowledge(a, actor=responder_bkk)
    assert a.responder == Responder.objects.get(user=responder_bkk)


def test_it_reassigns_to_another_agency_without_dropping_back_to_triage(agencies, bkk_pmj, operator):
    incident = make_incident()
    [a] = do_assign(incident, [Pick(agencies["bkk"])], actor=operator)
    new = do_reassign(a, Pick(bkk_pmj), "ตำรวจแจ้งว่าเป็นเรื่องคุ้มครองเด็ก", actor=operator)
    old = Assignment.objects.get(pk=a.pk)
    assert old.status == A.CANCELLED and "ตำรวจแจ้งว่าเป็นเรื่องคุ้มครองเด็ก" in old.reason
    assert new.agency == bkk_pmj and new.status == A.PENDING
    assert _status(incident) == Status.DISPATCHED
    assert Status.TRIAGED not in incident.events.filter(kind="status").values_list("to_status", flat=True)[1:]
    assert "reassigned" in _kinds(incident)


def test_it_changes_only_the_responder_when_reassigning_within_the_agency(agencies, operator, responder_bkk):
    [a] = do_assign(make_incident(), [Pick(agencies["bkk"])], actor=operator)
    same = do_reassign(a, Pick(agencies["bkk"], responder_bkk.responder), "ใกล้กว่า", actor=operator)
    assert same.pk == a.pk and same.responder == responder_bkk.responder and same.status == A.PENDING


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_lets_exactly_one_of_two_simultaneous_acknowledgements_through(agencies, operator, responder_bkk):
    import threading

    from django.db import connection

    incident = make_incident()
    [a] = do_assign(incident, [Pick(agencies["bkk"])], actor=operator)
    barrier = threading.Barrier(2)
    results = []

    def tap():
        try:
            barrier.wait()
            do_acknowledge(a.pk, actor=responder_bkk)
            results.append("ok")
        except ActionRefused:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=tap) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["ok", "refused"]
    assert incident.events.filter(kind="assignment").count() == 1
    assert _status(incident) == Status.ACKNOWLEDGED


def test_it_stands_every_agency_down_when_the_case_leaves_dispatch(agencies, bkk_pmj, operator, published):
    from incidents.actions import do_transition

    incident = make_incident()
    police, _pmj = do_assign(incident, [Pick(agencies["bkk"]), Pick(bkk_pmj)], actor=operator)
    do_acknowledge(police)
    published.clear()
    # Any move out of the dispatch flow stands the agencies down with it (dispatch's left-dispatch handler).
    do_transition(incident, Status.FALSE_REPORT, actor=operator)
    assert set(incident.assignments.values_list("status", flat=True)) == {A.CANCELLED}
    assert set(incident.assignments.values_list("reason", flat=True)) == {"Marked as a false report"}
    assert do_stand_down(incident, "แจ้งเท็จ", actor=operator) == []  # nothing left to stand down
    assert _status(incident) == Status.FALSE_REPORT  # not sent back to triage
    groups = {g for gs, m in published if m["kind"] == "stand_down" for g in gs}
    assert {live.agency_group("bkk-police"), live.agency_group("bkk-pmj")} <= groups
