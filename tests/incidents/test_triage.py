"""The operator's domain actions on a case (incidents.triage), called directly."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents import triage
from incidents.errors import ClaimHeld, IllegalTransition, InvalidInput, NotAllowed, StaleIncident
from incidents.models import Category, Hotline, Incident, IncidentEvent, Language, Priority, Status
from tests.factories import ReporterFactory, make_incident

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def other_operator(db):
    from dispatch.staff import ensure_staff
    from ess.models import Role

    return ensure_staff("op2", role=Role.OPERATOR, password="x-long-password", national=True).user


def kinds(case):
    return list(IncidentEvent.objects.filter(incident=case).values_list("kind", flat=True))


# --- claim ---------------------------------------------------------------------------------------------


def test_it_claims_an_unclaimed_case_and_writes_the_timeline(operator, settings):
    settings.CLAIM_TTL_SECONDS = 600
    case = make_incident()
    case = triage.claim(case, operator, expected_version=case.version)
    assert case.claimed_by == operator
    assert timedelta(seconds=590) < case.claim_expires_at - timezone.now() <= timedelta(seconds=600)
    assert kinds(case) == ["created", "claimed"]


def test_it_lets_the_holder_claim_again_without_a_second_event(operator):
    case = make_incident()
    first = triage.claim(case, operator, expected_version=case.version)
    again = triage.claim(case, operator, expected_version=case.version)  # a double click: stale version
    assert again.claimed_by == operator and again.version == first.version
    assert kinds(case) == ["created", "claimed"]


def test_it_refuses_a_claim_held_by_someone_else(operator, other_operator):
    case = triage.claim(make_incident(), operator)
    with pytest.raises(ClaimHeld, match=case.reference):
        triage.claim(case, other_operator)


def test_it_lets_anyone_claim_after_the_claim_expired(operator, other_operator):
    case = triage.claim(make_incident(), operator)
    Incident.objects.filter(pk=case.pk).update(claim_expires_at=timezone.now() - timedelta(seconds=1))
    case = triage.claim(case, other_operator)
    assert case.claimed_by == other_operator


def test_it_refuses_an_operator_taking_over_a_live_claim(operator, other_operator):
    case = triage.claim(make_incident(), operator)
    with pytest.raises(ClaimHeld):
        triage.take_over(case, other_operator)


def test_it_lets_a_supervisor_take_over_a_live_claim(operator, supervisor_bkk):
    case = triage.claim(make_incident(), operator)
    case = triage.take_over(case, supervisor_bkk)
    assert case.claimed_by == supervisor_bkk
    event = IncidentEvent.objects.filter(incident=case).last()
    assert event.kind == "claim_taken_over" and event.data == {"from": "op"}


def test_it_refuses_a_supervisor_of_another_province(supervisor_cm):
    case = make_incident(province_code="10")
    with pytest.raises(NotAllowed, match="outside the provinces"):
        triage.claim(case, supervisor_cm)


def test_it_refuses_a_responder(responder_bkk):
    with pytest.raises(NotAllowed):
        triage.claim(make_incident(), responder_bkk)


def test_only_the_holder_releases(operator, other_operator):
    case = triage.claim(make_incident(), operator)
    with pytest.raises(NotAllowed):
        triage.release(case, other_operator)
    case = triage.release(case, operator)
    assert case.claimed_by is None and kinds(case)[-1] == "released"


# --- triage --------------------------------------------------------------------------------------------


def test_it_sets_category_and_priority_and_a_known_category_triages_a_new_case(operator):
    case = make_incident(category=Category.UNSPECIFIED)
    case = triage.set_triage(case, operator, category=Category.CONFINEMENT, priority=1, expected_version=case.version)
    assert (case.category, case.priority, case.status) == (Category.CONFINEMENT, Priority.P1, Status.TRIAGED)
    assert case.triaged_at is not None and case.claimed_by == operator
    assert kinds(case) == ["created", "triage", "status"]
    triage_event = IncidentEvent.objects.get(incident=case, kind="triage")
    assert triage_event.data == {"category": ["unspecified", "confinement"], "priority": [2, 1]}


def test_it_refuses_triage_by_someone_not_holding_the_claim(operator, other_operator):
    case = triage.claim(make_incident(), operator)
    with pytest.raises(ClaimHeld):
        triage.set_triage(case, other_operator, priority=1)
    assert Incident.objects.get(pk=case.pk).priority == Priority.P2


def test_it_refuses_a_stale_form_and_applies_nothing(operator):
    case = make_incident()
    seen = case.version
    triage.set_triage(case, operator, priority=1, expected_version=seen)
    with pytest.raises(StaleIncident):
        triage.set_triage(case, operator, priority=3, expected_version=seen)
    assert Incident.objects.get(pk=case.pk).priority == Priority.P1


def test_it_refuses_an_unknown_category_or_priority(operator):
    case = make_incident()
    with pytest.raises(InvalidInput):
        triage.set_triage(case, operator, category="burglary")
    with pytest.raises(InvalidInput):
        triage.set_triage(case, operator, priority="7")


def test_it_adds_an_internal_note(operator):
    case = triage.add_note(make_incident(), operator, "  โทรกลับแล้ว ไม่มีผู้รับสาย ")
    event = IncidentEvent.objects.filter(incident=case).last()
    assert (event.kind, event.data, event.actor) == ("note", {"text": "โทรกลับแล้ว ไม่มีผู้รับสาย"}, operator)


def test_it_refuses_an_empty_note(operator):
    with pytest.raises(InvalidInput):
        triage.add_note(make_incident(), operator, "   ")


# --- duplicates ----------------------------------------------------------------------------------------


def test_it_suggests_open_cases_near_in_space_and_time_with_a_related_category(operator):
    case = make_incident(category=Category.THREAT)
    near = make_incident(category=Category.CONFINEMENT, latitude=13.7470, longitude=100.5350)
    make_incident(category=Category.THREAT, latitude=13.90, longitude=100.70)  # ~25 km away
    make_incident(category=Category.THREAT, received_at=timezone.now() - timedelta(days=1))  # a day earlier
    make_incident(category=Category.GANG_GATHERING, latitude=13.7467, longitude=100.5348)  # unrelated kind
    closed = make_incident(category=Category.THREAT)
    triage.refer(closed, operator, Hotline.POLICE_191)  # no longer open
    suggestions = triage.duplicate_suggestions(case)
    assert [c.pk for c, _km in suggestions] == [near.pk]
    assert suggestions[0][1] < 0.1


def test_it_flags_possible_duplicates_in_a_list_without_queries(db, django_assert_num_queries):
    a = make_incident()
    b = make_incident(latitude=13.7468, longitude=100.5349)
    far = make_incident(latitude=18.79, longitude=98.98, province_code="50")
    cases = list(Incident.objects.all())
    with django_assert_num_queries(0):
        assert triage.possible_duplicate_ids(cases) == {a.pk, b.pk}
    assert far.pk not in triage.possible_duplicate_ids(cases)


def test_it_merges_a_duplicate_into_its_master_and_links_the_reporter(operator):
    master = make_incident()
    dup = make_incident(latitude=13.7468, longitude=100.5349)
    dup = triage.mark_duplicate(dup, master, operator, expected_version=dup.version)
    assert dup.status == Status.DUPLICATE and dup.duplicate_of_id == master.pk and dup.claimed_by is None
    from dispatch.reporter_updates import recipients

    assert recipients(master) == [master.reporter, dup.reporter]
    assert kinds(master)[-1] == "duplicate_merged"


def test_the_merged_reporter_is_told_under_which_reference_their_report_is_handled(operator):
    from incidents.models import Message

    master = make_incident()
    dup = make_incident(latitude=13.7468, longitude=100.5349, reporter=ReporterFactory(language=Language.THAI))
    safe = make_incident(latitude=13.7468, longitude=100.5349, reporter=ReporterFactory(safe_contact_only=True))
    blocked = make_incident(latitude=13.7468, longitude=100.5349, reporter=ReporterFactory(is_reachable=False))
    for case in (dup, safe, blocked):
        triage.mark_duplicate(case, master, operator)
    told = Message.objects.get(incident=dup, direction="out")
    assert master.reference in told.text and "เหตุเดียวกับเรื่อง" in told.text
    neutral = Message.objects.get(incident=safe, direction="out")  # what it would say, and what a shared phone sees
    assert master.reference in neutral.text
    assert not Message.objects.filter(incident=blocked, direction="out").exists()
    assert not Message.objects.filter(incident=master, direction="out").exists()


def test_it_refuses_merging_into_itself_or_into_a_closed_case(operator):
    case = make_incident()
    with pytest.raises(InvalidInput):
        triage.mark_duplicate(case, case, operator)
    referred = triage.refer(make_incident(), operator, Hotline.SOCIAL_1300)
    with pytest.raises(InvalidInput, match=referred.reference):
        triage.mark_duplicate(case, referred, operator)
    assert Incident.objects.get(pk=case.pk).status == Status.NEW


def test_it_refuses_merging_into_a_case_outside_the_actors_provinces(supervisor_bkk):
    case = make_incident()
    foreign = make_incident(province_code="50", latitude=18.79, longitude=98.98)
    # Answered as for a missing case, so the refusal does not confirm the other case exists (#11 item 8).
    with pytest.raises(InvalidInput, match="does not exist"):
        triage.mark_duplicate(case, foreign, supervisor_bkk)


def test_a_case_of_another_category_is_suggested_only_when_it_is_at_the_same_place(operator):
    case = make_incident(category=Category.SEXUAL_ABUSE_RISK)
    make_incident(category=Category.THREAT, latitude=13.7600, longitude=100.5347)  # ~1.5 km: another event
    same_kind = make_incident(category=Category.SEXUAL_ABUSE_RISK, latitude=13.7600, longitude=100.5347)
    next_door = make_incident(category=Category.THREAT, latitude=13.7470, longitude=100.5350)  # ~50 m
    assert [c.pk for c, _km in triage.duplicate_suggestions(case)] == [same_kind.pk, next_door.pk]


def test_the_suggested_master_is_the_same_category_before_a_nearer_related_one(operator):
    case = make_incident(category=Category.THREAT)
    related = make_incident(category=Category.CONFINEMENT, latitude=13.7467, longitude=100.5348)  # ~0 km
    same = make_incident(category=Category.THREAT, latitude=13.7560, longitude=100.5348)  # ~1 km
    assert [c.pk for c, _km in triage.duplicate_suggestions(case)] == [same.pk, related.pk]


# --- undoing a merge (#15 item 9) --------------------------------------------------------------------------


def merged(operator, *, triaged=True, **reporter):
    master = make_incident()
    dup = make_incident(latitude=13.7468, longitude=100.5349, reporter=ReporterFactory(**reporter))
    if triaged:
        dup = triage.set_triage(dup, operator, priority=1)
    return master, triage.mark_duplicate(dup, master, operator)


def test_a_supervisor_undoes_a_merge_and_the_case_is_its_own_again(operator, supervisor_bkk):
    from dispatch.reporter_updates import recipients
    from incidents.models import Message

    master, dup = merged(operator, language=Language.THAI)
    case = triage.undo_duplicate(dup, supervisor_bkk, "คนละเหตุการณ์ ห่างกันสองซอย", expected_version=dup.version)
    fresh = Incident.objects.get(pk=dup.pk)
    assert (fresh.status, fresh.duplicate_of_id, fresh.claimed_by_id, fresh.priority) == (Status.TRIAGED, None, None, 1)
    assert case.version == fresh.version and fresh.is_open
    assert kinds(dup)[-3:] == ["status", "merge_undone", "message"]
    undone = IncidentEvent.objects.get(incident=master, kind="merge_undone")
    assert undone.data["duplicate"] == dup.reference and undone.actor == supervisor_bkk
    assert IncidentEvent.objects.get(incident=dup, kind="merge_undone").data["master"] == master.reference
    # The reporter, told of the merge, is told neutrally that their own reference counts again ...
    told, untold = Message.objects.filter(incident=dup, direction="out").order_by("pk")
    assert master.reference in told.text
    assert dup.reference in untold.text and master.reference not in untold.text
    # ... and no longer hears of the master's progress.
    assert recipients(master) == [master.reporter]


def test_an_undone_merge_of_an_untriaged_case_goes_back_to_new(operator, supervisor_bkk):
    _master, dup = merged(operator, triaged=False)
    assert triage.undo_duplicate(dup, supervisor_bkk, "not the same").status == Status.NEW


def test_a_reporter_never_told_of_the_merge_hears_nothing_of_its_undoing(operator, supervisor_bkk):
    from incidents.models import Message

    master = make_incident()
    same_reporter = make_incident(latitude=13.7468, longitude=100.5349, reporter=master.reporter)
    triage.mark_duplicate(same_reporter, master, operator)
    triage.undo_duplicate(same_reporter, supervisor_bkk, "two events")
    assert not Message.objects.filter(reporter=master.reporter, direction="out").exists()


def test_the_undo_for_a_safe_contact_reporter_is_the_same_neutral_text(operator, supervisor_bkk):
    from incidents.models import Message

    _master, dup = merged(operator, safe_contact_only=True)
    triage.undo_duplicate(dup, supervisor_bkk, "two events")
    last = Message.objects.filter(incident=dup, direction="out").order_by("pk").last()
    assert dup.reference in last.text and "ESS" in last.text


def test_only_a_supervisor_of_the_province_undoes_a_merge(operator, supervisor_cm, supervisor_bkk):
    from incidents.errors import CaseNotFound

    _master, dup = merged(operator)
    with pytest.raises(NotAllowed, match="Only a supervisor"):
        triage.undo_duplicate(dup, operator, "mine")
    # Outside their provinces: answered as a case that does not exist.
    with pytest.raises(CaseNotFound):
        triage.undo_duplicate(dup, supervisor_cm, "not mine")
    with pytest.raises(InvalidInput):
        triage.undo_duplicate(dup, supervisor_bkk, "  ")
    assert Incident.objects.get(pk=dup.pk).status == Status.DUPLICATE


def test_a_second_undo_is_refused_and_changes_nothing(operator, supervisor_bkk):
    master, dup = merged(operator)
    triage.undo_duplicate(dup, supervisor_bkk, "two events", expected_version=dup.version)
    with pytest.raises(StaleIncident):  # the double click, with the version the panel showed
        triage.undo_duplicate(dup, supervisor_bkk, "two events", expected_version=dup.version)
    with pytest.raises(InvalidInput, match="not merged"):  # without a version
        triage.undo_duplicate(dup, supervisor_bkk, "two events")
    assert IncidentEvent.objects.filter(incident=master, kind="merge_undone").count() == 1
    with pytest.raises(InvalidInput, match="not merged"):  # a case that was never merged
        triage.undo_duplicate(master, supervisor_bkk, "x")


# --- false reports -------------------------------------------------------------------------------------


def test_a_false_report_needs_a_reason(operator):
    with pytest.raises(InvalidInput):
        triage.mark_false_report(make_incident(), operator, " ")


def test_a_false_report_counts_against_the_reporter(operator):
    case = make_incident()
    case = triage.mark_false_report(case, operator, "เด็กเล่นโทรศัพท์")
    assert case.status == Status.FALSE_REPORT
    case.reporter.refresh_from_db()
    assert case.reporter.false_report_count == 1
    assert IncidentEvent.objects.filter(incident=case).last().data == {"reason": "เด็กเล่นโทรศัพท์"}


def test_a_supervisor_confirms_a_false_report_and_the_count_stands(operator, supervisor_bkk):
    case = triage.mark_false_report(make_incident(), operator, "prank")
    with pytest.raises(NotAllowed):
        triage.confirm_false_report(case, operator)
    case = triage.confirm_false_report(case, supervisor_bkk)
    assert case.status == Status.CLOSED
    case.reporter.refresh_from_db()
    assert case.reporter.false_report_count == 1


def test_a_supervisor_reverses_a_false_report_and_the_count_drops(operator, supervisor_bkk, supervisor_cm):
    case = triage.mark_false_report(make_incident(), operator, "prank")
    with pytest.raises(NotAllowed):
        triage.reverse_false_report(case, supervisor_cm, "it was real")
    with pytest.raises(InvalidInput):
        triage.reverse_false_report(case, supervisor_bkk, "")
    case = triage.reverse_false_report(case, supervisor_bkk, "neighbour confirmed it")
    assert case.status == Status.TRIAGED
    case.reporter.refresh_from_db()
    assert case.reporter.false_report_count == 0


def test_a_repeat_offenders_next_report_is_an_ordinary_open_case(operator):
    reporter = ReporterFactory(false_report_count=3)
    case = make_incident(reporter=reporter)
    assert case.status == Status.NEW and Incident.objects.open().filter(pk=case.pk).exists()


# --- referral and closing ------------------------------------------------------------------------------


def test_it_refers_with_a_message_in_the_reporters_language(operator):
    case = make_incident(reporter=ReporterFactory(language=Language.ENGLISH))
    case = triage.refer(case, operator, Hotline.MEDICAL_1669, note="chest pain")
    assert (case.status, case.referred_to, case.claimed_by) == (Status.REFERRED, "1669", None)
    event = IncidentEvent.objects.get(incident=case, kind="status")
    assert event.data["message"].startswith("Your report needs medical help")
    thai = triage.refer(make_incident(), operator, Hotline.POLICE_191)
    message = IncidentEvent.objects.get(incident=thai, kind="status").data["message"]
    assert "191" in message and "ตำรวจ" in message


def test_it_refuses_an_unknown_hotline(operator):
    with pytest.raises(InvalidInput):
        triage.refer(make_incident(), operator, "112")


def test_it_closes_a_triaged_case_handled_on_the_chat(operator):
    case = triage.set_triage(make_incident(), operator, category=Category.THREAT)
    case = triage.close(case, operator, "ให้คำปรึกษาทางแชต ผู้แจ้งปลอดภัยแล้ว")
    assert (case.status, case.outcome) == (Status.CLOSED, "ให้คำปรึกษาทางแชต ผู้แจ้งปลอดภัยแล้ว")
    assert case.resolved_at and case.closed_at and case.claimed_by is None


def test_it_refuses_closing_without_an_outcome_or_from_new(operator):
    case = make_incident()
    with pytest.raises(InvalidInput):
        triage.close(case, operator, "")
    with pytest.raises(IllegalTransition):
        triage.close(case, operator, "done")
    case.refresh_from_db()
    assert case.status == Status.NEW and case.claimed_by is None  # the implicit claim was rolled back


# --- hand-over at shift change -------------------------------------------------------------------------


def test_the_holder_hands_a_case_over(operator, other_operator):
    case = triage.claim(make_incident(), operator)
    case = triage.hand_over(case, operator, other_operator)
    assert case.claimed_by == other_operator
    event = IncidentEvent.objects.filter(incident=case).last()
    assert (event.kind, event.data) == ("handed_over", {"from": "op", "to": "op2"})


def test_only_the_holder_or_a_supervisor_hands_over(operator, other_operator, supervisor_bkk):
    case = triage.claim(make_incident(), operator)
    with pytest.raises(NotAllowed):
        triage.hand_over(case, other_operator, other_operator)
    assert triage.hand_over(case, supervisor_bkk, other_operator).claimed_by == other_operator


def test_a_case_is_not_handed_to_someone_outside_its_province(operator, supervisor_cm, responder_bkk):
    case = triage.claim(make_incident(), operator)
    for outsider in (supervisor_cm, responder_bkk):
        with pytest.raises(NotAllowed, match="cannot take case"):
            triage.hand_over(case, operator, outsider)
    assert Incident.objects.get(pk=case.pk).claimed_by == operator


def test_hand_over_all_moves_every_live_claim_and_keeps_what_the_receiver_cannot_take(
    operator, supervisor_bkk, supervisor_cm
):
    bkk = [triage.claim(make_incident(), operator) for _ in range(2)]
    cm = triage.claim(make_incident(province_code="50", latitude=18.79, longitude=98.98), operator)
    done, kept = triage.hand_over_all(operator, supervisor_bkk)
    assert sorted(c.pk for c in done) == sorted(c.pk for c in bkk)
    assert len(kept) == 1 and cm.reference in kept[0]
    assert Incident.objects.get(pk=cm.pk).claimed_by == operator


# --- writing to the reporter (through the LINE outbox) ------------------------------------------------------


def outbound(case):
    from incidents.models import Message

    return list(Message.objects.filter(incident=case, direction="out").order_by("id"))


def test_a_reply_is_queued_in_the_outbox_and_shows_on_the_timeline(operator):
    case = make_incident()
    triage.reply(case, operator, " เจ้าหน้าที่กำลังไป ")
    (message,) = outbound(case)
    assert (message.text, message.delivery, message.sent_by, message.reporter) == (
        "เจ้าหน้าที่กำลังไป",
        "queued",
        operator,
        case.reporter,
    )
    assert IncidentEvent.objects.filter(incident=case, kind="message").exists()
    assert Incident.objects.get(pk=case.pk).claimed_by == operator


def test_a_reply_is_refused_when_empty_too_long_unreachable_or_not_the_holder(operator, other_operator):
    case = make_incident()
    with pytest.raises(InvalidInput):
        triage.reply(case, operator, "  ")
    with pytest.raises(InvalidInput):
        triage.reply(case, operator, "ก" * 5001)
    triage.claim(case, other_operator)
    with pytest.raises(ClaimHeld):
        triage.reply(case, operator, "hello")
    blocked = make_incident(reporter=ReporterFactory(is_reachable=False))
    with pytest.raises(NotAllowed, match="blocked"):
        triage.reply(blocked, operator, "hello")
    assert outbound(case) == [] and outbound(blocked) == []


def test_a_referral_tells_the_reporter_and_a_safe_contact_only_neutrally(operator):
    case = triage.refer(make_incident(reporter=ReporterFactory(language=Language.ENGLISH)), operator, "1669")
    assert outbound(case)[0].text.startswith("Your report needs medical help")
    safe = triage.refer(make_incident(reporter=ReporterFactory(safe_contact_only=True)), operator, "191")
    assert outbound(safe)[0].text == "ติดต่อได้ที่หมายเลข 191 ตลอด 24 ชั่วโมง"
    blocked = triage.refer(make_incident(reporter=ReporterFactory(is_reachable=False)), operator, "1300")
    assert blocked.status == Status.REFERRED and outbound(blocked) == []


def test_an_operator_may_take_over_a_claim_that_expired(operator, other_operator):
    case = triage.claim(make_incident(), operator)
    Incident.objects.filter(pk=case.pk).update(claim_expires_at=timezone.now() - timedelta(seconds=1))
    case = triage.take_over(case, other_operator)
    assert case.claimed_by == other_operator
    assert IncidentEvent.objects.filter(incident=case).last().data == {"from": "op"}
