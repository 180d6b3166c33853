import re

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from ess import live
from incidents import actions
from incidents.line import texts
from incidents.models import Category, Incident, IncidentEvent, Message, Status
from tests.line import now_ms

USER = "U" + "1" * 32
REFERENCE = re.compile(r"ESS-25\d\d-\d{6}")


def postbacks(actions_: list[dict]) -> list[str]:
    return [a["data"] for a in actions_ if a["type"] == "postback"]


def test_it_welcomes_a_new_friend_in_thai_briefly_with_the_categories_as_buttons(line):
    line.say(line.event("follow", USER))
    (welcome,) = line.texts_to(USER)
    *body, link = welcome.splitlines()
    assert len(body) <= 3 and len("".join(body)) <= 220, welcome  # was 14 lines
    assert link.endswith("/privacy/")  # the privacy notice
    assert "191" in welcome and "1669" in welcome
    assert "ความผิด" in welcome  # false reports are an offence
    buttons = line.quick_reply(USER)
    assert postbacks(buttons)[:6] == [texts.POSTBACK_CATEGORY + c for c in texts.REPORTABLE] + [texts.POSTBACK_OTHER]
    assert [b["displayText"] for b in buttons[:5]] == [texts.category_name("th", c) for c in texts.REPORTABLE]
    assert {"type": "location", "label": "ส่งตำแหน่ง"} in buttons
    assert all(len(b["label"]) <= 20 for b in buttons)
    assert line.reporter(USER).language == "th"
    assert len(line.platform.sent("/reply")) == 1 and line.platform.sent("/push") == []


def test_it_speaks_english_when_the_line_profile_says_so(line):
    line.platform.set_profile(USER, language="en", name="Jane")
    line.say(line.event("follow", USER))
    (welcome,) = line.texts_to(USER)
    assert welcome.startswith("Hello, this is ESS Help Me")
    assert "Threatened with harm, or being harmed" in [b.get("displayText") for b in line.quick_reply(USER)]
    reporter = line.reporter(USER)
    assert (reporter.language, reporter.display_name) == ("en", "Jane")


def test_it_goes_through_a_whole_report_in_thai(line, settings):
    settings.SLA_TRIAGE_MINUTES = 7
    line.say(line.event("follow", USER))
    line.say(line.text(USER, "ช่วยด้วยค่ะ สามีถือมีดขู่อยู่หน้าห้อง"))
    case = line.case_of(USER)  # the words are the report: the case exists now
    assert (case.category, case.status, case.latitude) == ("unspecified", "new", None)
    assert case.description == "ช่วยด้วยค่ะ สามีถือมีดขู่อยู่หน้าห้อง"
    created, where = line.texts_to(USER)[-2:]
    assert case.reference in created and "7 นาที" in created and "191" in created
    assert where == texts.say("th", "ask_location")  # not "what happened?": they just said it
    buttons = line.quick_reply(USER)
    assert buttons == [
        {"type": "location", "label": "ส่งตำแหน่ง"},
        {
            "type": "postback",
            "label": "ส่งตำแหน่งไม่ได้",
            "data": texts.POSTBACK_NO_LOCATION,
            "displayText": "ส่งตำแหน่งไม่ได้",
        },
    ]

    line.say(line.pin(USER, "bangkok"))
    case.refresh_from_db()
    assert (case.province_code, case.district_code, case.latitude) == ("10", "1007", 13.7466)
    assert case.address.startswith("ถนนพระรามที่ 1")
    noted, safe = line.texts_to(USER)[-2:]
    assert case.reference in noted
    assert safe == texts.say("th", "ask_safe")  # neutral words: someone else may read the phone
    assert postbacks(line.quick_reply(USER)) == [texts.POSTBACK_SAFE_YES, texts.POSTBACK_SAFE_NO]
    line.say(line.tap(USER, texts.POSTBACK_SAFE_YES))
    noted, details = line.texts_to(USER)[-2:]
    assert noted == texts.say("th", "safe_yes")
    assert details == texts.say("th", "ask_photos")  # they told us what happened: only a photo is asked for
    assert [a["type"] for a in line.quick_reply(USER)] == ["camera", "cameraRoll", "location", "postback"]

    line.say(line.text(USER, "ลูกอยู่ด้วย 🔪"))
    assert case.reference in line.texts_to(USER)[-1]
    line.say(line.tap(USER, texts.POSTBACK_DETAILS_DONE))
    assert line.texts_to(USER)[-1] == texts.say("th", "details_done", reference=case.reference)
    assert "191" in line.texts_to(USER)[-1]

    line.say(line.text(USER, "สถานะ"))
    assert line.texts_to(USER)[-1] == f"เรื่อง {case.reference}: " + texts.status_words("th", "new")

    line.say(line.text(USER, "ยกเลิก"))
    assert postbacks(line.quick_reply(USER)) == [texts.POSTBACK_CANCEL_YES, texts.POSTBACK_CANCEL_NO]
    line.say(line.tap(USER, texts.POSTBACK_CANCEL_YES))
    case.refresh_from_db()
    assert case.status == Status.CANCELLED
    assert case.reference in line.texts_to(USER)[-1] and "1300" in line.texts_to(USER)[-1]
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds[0] == "created" and "message" in kinds and kinds[-1] in ("status", "message")
    assert case.events.filter(kind="status", to_status="cancelled").exists()
    assert not any("เกิดอะไรขึ้น" in t for t in line.texts_to(USER))
    # Short messages: at most three lines each, none much longer than three lines on a phone.
    later = line.texts_to(USER)[1:]  # after the welcome
    assert all(len(t.splitlines()) <= 3 and len(t) <= 220 for t in later), later
    # Every answer went out on a free reply token.
    assert line.platform.sent("/push") == []


def test_it_opens_a_case_from_words_alone_with_the_province_they_name(line):
    line.say(line.text(USER, "ช่วยด้วย ถูกขังอยู่ในห้อง ส่งตำแหน่งไม่ได้ อยู่หอพักแถว ม.เชียงใหม่"))
    case = line.case_of(USER)
    assert (case.status, case.latitude, case.province_code) == ("new", None, "50")
    assert case.messages.get(direction="in").text.startswith("ช่วยด้วย ถูกขังอยู่ในห้อง")
    assert case.events.filter(kind="created").exists()


def test_it_opens_a_case_from_a_category_tap_and_asks_where_without_requiring_it(line):
    line.say(line.tap(USER, texts.POSTBACK_CATEGORY + Category.CONFINEMENT))
    case = line.case_of(USER)
    assert (case.category, case.latitude, case.province_code) == ("confinement", None, "")
    created, where = line.texts_to(USER)
    assert case.reference in created and where == texts.say("th", "ask_location")

    line.say(line.text(USER, "เขาล็อกประตูไว้ GPS ปิดอยู่"))  # no pin, no place: we move on, never ask again
    assert line.texts_to(USER)[-1] == texts.say("th", "ask_safe")
    line.say(line.tap(USER, texts.POSTBACK_DETAILS_DONE))
    assert sum(t == texts.say("th", "ask_location") for t in line.texts_to(USER)) == 1
    case.refresh_from_db()
    assert case.status == Status.NEW and case.latitude is None


def test_it_takes_the_place_in_words_when_the_reporter_cannot_send_a_pin(line):
    line.say(line.tap(USER, texts.POSTBACK_CATEGORY + Category.CONFINEMENT))
    line.say(line.tap(USER, texts.POSTBACK_NO_LOCATION))
    assert line.texts_to(USER)[-1] == texts.say("th", "ask_place")
    line.say(line.text(USER, "หอพักหลังมหาวิทยาลัย อ.เมืองเชียงใหม่ ห้อง 305"))
    case = line.case_of(USER)
    assert (case.province_code, case.district_code, case.latitude) == ("50", "5001", None)
    assert case.address == "หอพักหลังมหาวิทยาลัย อ.เมืองเชียงใหม่ ห้อง 305"
    assert case.events.get(kind="place_words").data["words"] == case.address
    noted, question = line.texts_to(USER)[-2:]
    assert noted == texts.say("th", "place_noted", reference=case.reference)
    assert question == texts.say("th", "ask_safe")


def test_it_keeps_a_place_it_cannot_geocode_as_words_for_the_operator(line):
    line.say(line.tap(USER, texts.POSTBACK_NO_LOCATION))  # the first thing they do: a case already
    case = line.case_of(USER)
    created, question = line.texts_to(USER)
    assert case.reference in created and question == texts.say("th", "ask_place")
    line.say(line.text(USER, "ห้องใต้ดินร้านข้าวมันไก่ ข้างเซเว่น"))
    case.refresh_from_db()
    assert (case.address, case.province_code) == ("ห้องใต้ดินร้านข้าวมันไก่ ข้างเซเว่น", "")


def test_it_reads_a_place_typed_instead_of_a_pin(line):
    line.say(line.tap(USER, texts.POSTBACK_CATEGORY + Category.THREAT))
    line.say(line.text(USER, "อยู่ อ.ฝาง"))
    case = line.case_of(USER)
    assert (case.province_code, case.district_code) == ("50", "5009")


@pytest.mark.parametrize("greeting", ["สวัสดีค่ะ", "hello!", "ขอบคุณครับ 🙏"])
def test_it_does_not_open_a_case_for_a_greeting(line, greeting):
    line.say(line.text(USER, greeting))
    assert not Incident.objects.exists()
    assert line.texts_to(USER) == [texts.say("th", "say_what_happened")]
    assert postbacks(line.quick_reply(USER))[:5] == [texts.POSTBACK_CATEGORY + c for c in texts.REPORTABLE]


def test_it_goes_through_a_whole_report_in_english(line):
    line.platform.set_profile(USER, language="en")
    line.say(line.event("follow", USER))
    line.say(line.tap(USER, texts.POSTBACK_CATEGORY + Category.CONFINEMENT))
    case = line.case_of(USER)
    assert f"Your reference is {case.reference}" in line.texts_to(USER)[-2]
    assert line.texts_to(USER)[-1].startswith("Where is it happening?")
    assert [b["label"] for b in line.quick_reply(USER)] == ["Send location", "Can't send location"]
    line.say(line.pin(USER, "chiangmai"))
    case.refresh_from_db()
    assert (case.category, case.province_code, case.district_code) == ("confinement", "50", "5001")
    assert line.texts_to(USER)[-1] == "Is it safe for us to message you first, or should we wait until you write?"
    line.say(line.tap(USER, texts.POSTBACK_SAFE_YES))
    line.say(line.text(USER, "She is locked in the back room"))
    assert line.texts_to(USER)[-1] == texts.say("en", "detail_added", reference=case.reference)
    line.say(line.text(USER, "STATUS"))
    assert line.texts_to(USER)[-1] == f"{case.reference}: received, waiting for an operator"
    line.say(line.text(USER, "cancel"))
    line.say(line.tap(USER, texts.POSTBACK_CANCEL_NO))
    case.refresh_from_db()
    assert case.status == Status.NEW
    assert line.texts_to(USER)[-1] == f"Not cancelled: {case.reference} is still open."


def test_it_opens_a_case_from_a_pin_alone_and_asks_what_is_happening_after(line):
    line.say(line.pin(USER, "bangkok"))  # no follow, no words: someone who cannot type
    case = line.case_of(USER)
    assert case.category == Category.UNSPECIFIED
    assert case.status == Status.NEW
    created, question = line.texts_to(USER)
    assert REFERENCE.search(created)[0] == case.reference
    assert question == texts.say("th", "ask_category_after_pin")
    assert postbacks(line.quick_reply(USER))[:5] == [texts.POSTBACK_CATEGORY + c for c in texts.REPORTABLE]

    line.say(line.tap(USER, texts.POSTBACK_CATEGORY + Category.SEXUAL_ABUSE_RISK))
    case.refresh_from_db()
    assert case.category == Category.SEXUAL_ABUSE_RISK
    assert case.events.filter(kind="category").exists()


def test_it_refers_something_else_to_the_right_hotlines(line):
    line.say(line.event("follow", USER))
    line.say(line.tap(USER, texts.POSTBACK_OTHER))
    answer = line.texts_to(USER)[-1]
    assert "191" in answer and "1669" in answer and "1300" in answer
    assert not Incident.objects.exists()


def test_it_gives_the_hotlines_on_an_open_case_and_leaves_the_referral_to_the_operator(line):
    line.say(line.text(USER, "รถชนกันค่ะ มีคนเจ็บ"))
    line.say(line.tap(USER, texts.POSTBACK_OTHER))
    assert "1669" in line.texts_to(USER)[-1]
    case = line.case_of(USER)
    assert case.status == Status.NEW
    assert case.messages.filter(kind="postback", payload__data=texts.POSTBACK_OTHER).exists()


def test_it_attaches_everything_later_to_the_open_case_and_tells_the_consoles(line, django_capture_on_commit_callbacks):
    line.say(line.tap(USER, texts.POSTBACK_CATEGORY + Category.THREAT), line.pin(USER, "bangkok"))
    line.say(line.tap(USER, texts.POSTBACK_DETAILS_DONE))
    case = line.case_of(USER)
    replies_before = len(line.platform.sent("/reply"))
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(live.CONSOLE, channel)

    with django_capture_on_commit_callbacks(execute=True):
        line.say(line.text(USER, "เขากลับมาแล้ว"))
    message = async_to_sync(layer.receive)(channel)
    assert message["type"] == "incident.changed" and message["kind"] == "message"
    assert message["incident_id"] == case.pk
    event = IncidentEvent.objects.get(pk=message["event_id"])
    assert event.data["text"] == "เขากลับมาแล้ว"
    # Talking to the operators now: the bot keeps quiet, and the unused reply token is kept for them.
    assert len(line.platform.sent("/reply")) == replies_before
    assert line.reporter(USER).conversation_state["reply_token"]

    line.say(line.pin(USER, "chiangmai"))
    case.refresh_from_db()
    assert case.province_code == "50"
    assert case.events.filter(kind="location").last().data["previous"]["province_code"] == "10"


def test_it_broadcasts_a_new_case_to_the_consoles_after_commit(line, django_capture_on_commit_callbacks):
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(live.province_group("10"), channel)
    with django_capture_on_commit_callbacks(execute=True):
        line.say(line.pin(USER, "bangkok"))
    message = async_to_sync(layer.receive)(channel)
    assert message["kind"] == "created"
    assert message["incident_id"] == line.case_of(USER).pk


@pytest.mark.parametrize("message_kind", ["sticker", "file", "audio", "video"])
def test_it_acknowledges_stickers_audio_video_and_files_politely_and_keeps_them(line, message_kind):
    from demo import fake_platform as fake

    shapes = {
        "sticker": fake.sticker_message(),
        "file": fake.file_message("หลักฐาน.pdf"),
        "audio": {"id": "7001", "type": "audio", "duration": 6000, "contentProvider": {"type": "line"}},
        "video": {"id": "7002", "type": "video", "duration": 9000, "contentProvider": {"type": "line"}},
    }
    line.say(line.pin(USER))
    line.say(line.event("message", USER, message=shapes[message_kind]))
    assert texts.say("th", "unsupported") in line.texts_to(USER)
    stored = Message.objects.get(direction="in", kind=message_kind)
    assert stored.incident == line.case_of(USER)
    assert stored.payload["message"]["type"] == message_kind


def test_it_keeps_thai_emoji_and_very_long_text_exactly(line):
    text = ("ช่วยด้วย 🙏🏽 ผู้ชายสองคนขังน้องไว้ในบ้าน 👨‍👩‍👧 " * 200)[:4999] + "จ"
    line.say(line.pin(USER), line.text(USER, text))
    stored = Message.objects.get(direction="in", kind="text")
    assert stored.text == text
    assert stored.incident == line.case_of(USER)


def test_it_processes_each_reporters_events_in_timestamp_order(line):
    # LINE sent the pin first although the category tap happened first.
    tap = line.tap(USER, texts.POSTBACK_CATEGORY + Category.GANG_GATHERING, timestamp=now_ms(-5))
    pin = line.pin(USER, "chiangmai", timestamp=now_ms(-2))
    line.post(pin)
    line.post(tap)
    line.work()
    case = line.case_of(USER)
    assert case.category == Category.GANG_GATHERING  # not "unspecified": the tap was applied first
    assert line.reporter(USER).messages.filter(direction="in").first().kind == "postback"


def test_it_marks_a_reporter_who_blocked_the_oa_unreachable_on_their_open_case(line):
    line.say(line.pin(USER))
    line.say(line.event("unfollow", USER))
    reporter = line.reporter(USER)
    assert reporter.is_reachable is False and reporter.unreachable_since is not None
    assert line.case_of(USER).events.filter(kind="reporter_unreachable").exists()
    line.say(line.event("follow", USER))
    assert line.reporter(USER).is_reachable is True


def test_it_will_not_cancel_once_help_is_on_scene(line):
    line.say(line.pin(USER))
    case = line.case_of(USER)
    for status in ("triaged", "dispatched", "on_scene"):
        actions.do_transition(case, status)
    line.say(line.text(USER, "cancel"))
    line.say(line.tap(USER, texts.POSTBACK_CANCEL_YES))
    case.refresh_from_db()
    assert case.status == Status.ON_SCENE
    assert line.texts_to(USER)[-1] == texts.say("th", "cannot_cancel", reference=case.reference)


def test_it_starts_afresh_after_the_case_was_closed(line):
    line.say(line.pin(USER))
    first = line.case_of(USER)
    actions.do_transition(first, Status.FALSE_REPORT)
    line.say(line.pin(USER, "chiangmai"))
    cases = list(line.reporter(USER).incidents.order_by("id"))
    assert len(cases) == 2 and cases[1].province_code == "50"


def test_it_reads_the_line_profile_once(line):
    line.say(line.event("follow", USER))
    line.say(line.tap(USER, texts.POSTBACK_CATEGORY + Category.THREAT))
    line.say(line.pin(USER))
    line.say(line.text(USER, "ค่ะ"))
    assert len([c for c in line.platform.calls if c.path.startswith("/v2/bot/profile/")]) == 1


def test_it_keeps_every_quick_reply_label_within_lines_20_characters():
    for language in ("th", "en"):
        labels = [texts.say(language, key) for key in texts.TEXTS if key.startswith("btn_")]
        labels += [texts.category_label(language, c) for c in texts.REPORTABLE]
        assert labels and all(1 <= len(label) <= 20 for label in labels), labels
        items = (
            texts.category_buttons(language, with_location=True)
            + texts.details_buttons(language, first=True)
            + texts.cancel_buttons(language)
        )
        assert all(len(i["action"]["label"]) <= 20 for i in items)


def test_it_waits_a_moment_so_an_older_event_delivered_late_is_taken_first(line, settings):
    from tests.line import later

    settings.LINE_INBOX_SETTLE_MS = 500
    tap = line.tap(USER, texts.POSTBACK_CATEGORY + Category.CONFINEMENT, timestamp=now_ms(-3))
    pin = line.pin(USER, timestamp=now_ms(-1))
    line.post(pin)
    line.work()  # the pin has just arrived: it waits for the settle window
    assert not Incident.objects.exists()
    line.post(tap)  # the older tap arrives late, in another request
    line.work(now=later(1))
    assert line.case_of(USER).category == Category.CONFINEMENT


def test_it_offers_safe_contact_in_neutral_words_once_and_logs_the_answer_for_the_operators(line):
    line.say(line.pin(USER, "bangkok"), line.tap(USER, texts.POSTBACK_CATEGORY + Category.THREAT))
    question = line.texts_to(USER)[-1]
    assert question == texts.say("th", "ask_safe")
    for word in ("ทำร้าย", "ข่มขู่", "แจ้งเหตุ", "ESS"):  # nothing a person reading over a shoulder learns from
        assert word not in question
    line.say(line.tap(USER, texts.POSTBACK_SAFE_NO))
    reporter = line.reporter(USER)
    assert reporter.safe_contact_only is True
    case = line.case_of(USER)
    event = case.events.get(kind="safe_contact")
    assert event.data == {"on": True, "by": "reporter"} and event.actor is None
    assert line.texts_to(USER)[-2] == texts.say("th", "safe_no")

    # Their next case does not ask again.
    actions.do_transition(case, Status.FALSE_REPORT)
    line.say(line.pin(USER, "chiangmai"), line.tap(USER, texts.POSTBACK_CATEGORY + Category.THREAT))
    assert sum(t == texts.say("th", "ask_safe") for t in line.texts_to(USER)) == 1


def test_it_asks_a_reporter_who_said_yes_only_once_too(line):
    line.say(line.pin(USER, "bangkok"), line.tap(USER, texts.POSTBACK_CATEGORY + Category.THREAT))
    line.say(line.tap(USER, texts.POSTBACK_SAFE_YES))
    assert line.reporter(USER).safe_contact_only is False
    actions.do_transition(line.case_of(USER), Status.FALSE_REPORT)
    line.say(line.text(USER, "เขากลับมาอีกแล้ว ช่วยด้วย"))
    line.say(line.pin(USER, "bangkok"))
    assert sum(t == texts.say("th", "ask_safe") for t in line.texts_to(USER)) == 1
    assert line.texts_to(USER)[-1] == texts.say("th", "ask_photos")
