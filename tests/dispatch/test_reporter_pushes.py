"""The reporter hears on LINE how help is moving: through the LINE outbox, against the fake LINE platform
on loopback (tests.line), with the real line-bot-sdk."""

from dispatch import reporter_updates
from dispatch.assignments import Pick, do_acknowledge, do_assign, do_complete, do_set_en_route, do_set_on_scene
from incidents.actions import do_transition
from incidents.line import texts
from incidents.models import Language, Message, Status
from tests.line import later

USER = "U" + "5" * 32
OTHER = "U" + "6" * 32


def T(status: str, language: str, ref: str) -> str:
    return reporter_updates.text_for(status, language, ref)


def opened_case(line, user=USER):
    line.say(line.pin(user))
    line.say(line.tap(user, texts.POSTBACK_DETAILS_DONE))
    return line.case_of(user)


def _updates(line, user, reference):
    return [t for t in line.texts_to(user) if reference in t and t.startswith(("ความคืบหน้า", "Update on"))]


def test_it_tells_the_reporter_each_milestone_once_in_thai(line, agencies, responder_bkk):
    case = opened_case(line)
    [a] = do_assign(case, [Pick(agencies["bkk"])])
    line.work(now=later(120))
    do_acknowledge(a, actor=responder_bkk)  # the reporter does not need this one
    do_set_en_route(a, actor=responder_bkk)
    line.work(now=later(240))
    do_set_on_scene(a, actor=responder_bkk)
    do_complete(a, "ปลอดภัยแล้ว", actor=responder_bkk)
    line.work(now=later(360))
    ref = case.reference
    assert _updates(line, USER, ref) == [
        T(s, Language.THAI, ref) for s in (Status.DISPATCHED, Status.EN_ROUTE, Status.ON_SCENE, Status.RESOLVED)
    ]
    assert (
        Message.objects.filter(incident=case, direction="out", delivery="sent", text__startswith="ความคืบหน้า").count()
        == 4
    )


def test_it_writes_in_english_to_a_reporter_whose_line_is_in_english(line, agencies):
    line.platform.set_profile(USER, language="en")
    case = opened_case(line)
    assert case.reporter.language == Language.ENGLISH
    do_assign(case, [Pick(agencies["bkk"])])
    line.work(now=later(120))
    assert _updates(line, USER, case.reference) == [T(Status.DISPATCHED, Language.ENGLISH, case.reference)]


def test_it_pushes_nothing_to_a_safe_contact_reporter_until_they_write(line, agencies):
    case = opened_case(line)
    case.reporter.safe_contact_only = True
    case.reporter.save(update_fields=["safe_contact_only"])
    pushes = len(line.platform.sent("/push"))
    do_assign(case, [Pick(agencies["bkk"])])
    line.work(now=later(120))
    assert len(line.platform.sent("/push")) == pushes
    assert _updates(line, USER, case.reference) == []
    assert Message.objects.filter(incident=case, delivery=Message.Delivery.WITHHELD).count() == 1

    line.say(line.text(USER, "ค่ะ"))  # they wrote first: the update goes out with the reply
    assert _updates(line, USER, case.reference) == [T(Status.DISPATCHED, Language.THAI, case.reference)]
    assert len(line.platform.sent("/push")) == pushes


def test_it_gives_a_duplicates_reporter_the_masters_updates(line, agencies):
    master = opened_case(line, USER)
    dup = opened_case(line, OTHER)
    do_transition(dup, Status.TRIAGED)
    do_transition(dup, Status.DUPLICATE, extra_fields={"duplicate_of": master})
    do_assign(master, [Pick(agencies["bkk"])])
    line.work(now=later(120))
    expected = [T(Status.DISPATCHED, Language.THAI, master.reference)]
    assert _updates(line, USER, master.reference) == expected
    assert _updates(line, OTHER, master.reference) == expected
