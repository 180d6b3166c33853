import datetime as dt

from django.utils import timezone

from incidents.line import outbox, texts
from incidents.line.models import LineEvent
from incidents.models import Message
from tests.factories import make_incident
from tests.line import later

USER = "U" + "2" * 32


def opened_case(line, user=USER):
    line.say(line.pin(user))
    line.say(line.tap(user, texts.POSTBACK_DETAILS_DONE))
    return line.case_of(user)


def test_it_replies_with_the_token_while_it_is_fresh(line):
    line.say(line.event("follow", USER))
    (call,) = line.platform.sent("/reply")
    assert call.body["messages"][0]["text"].startswith("สวัสดีค่ะ")
    assert line.platform.sent("/push") == []
    (message,) = line.outbound(USER)
    assert message.delivery == Message.Delivery.SENT and message.sent_at is not None


def test_it_pushes_with_a_retry_key_when_the_reply_token_is_older_than_50_seconds(line):
    line.post(line.event("follow", USER))
    received = LineEvent.objects.get().received_at
    line.work(now=received + dt.timedelta(seconds=61))  # the worker was down for a minute
    assert line.platform.sent("/reply") == []
    (push,) = line.platform.sent("/push")
    assert push.body["to"] == USER
    (message,) = line.outbound(USER)
    assert push.headers["x-line-retry-key"] == str(message.retry_key)
    assert message.delivery == Message.Delivery.SENT


def test_it_pushes_when_line_refuses_the_reply_token(line):
    event = line.event("follow", USER)
    line.platform.expire_reply_token(event["replyToken"])
    line.say(event)
    assert [c.status for c in line.platform.calls if "/message/" in c.path] == [400, 200]
    assert len(line.platform.delivered(USER)) == 1


def test_it_retries_a_push_on_5xx_and_429_and_sends_it_exactly_once(line):
    case = opened_case(line)
    line.platform.fail("/push", 500, times=1)
    line.platform.fail("/push", 429, times=1)
    message = outbox.send_to_reporter(case.reporter, "เจ้าหน้าที่กำลังเดินทางไปค่ะ", incident=case)
    line.work()
    message.refresh_from_db()
    assert message.delivery == Message.Delivery.QUEUED and message.attempts == 1
    assert "HTTP 500" in message.error
    line.work(now=later(60))
    line.work(now=later(600))
    message.refresh_from_db()
    assert message.delivery == Message.Delivery.SENT
    pushes = [c for c in line.platform.calls if c.path.endswith("/push")]
    assert [c.status for c in pushes] == [500, 429, 200]
    assert len({c.headers["x-line-retry-key"] for c in pushes}) == 1  # one key for every attempt
    assert line.texts_to(USER).count("เจ้าหน้าที่กำลังเดินทางไปค่ะ") == 1


def test_it_counts_a_push_accepted_before_a_timeout_as_sent_not_twice(line):
    case = opened_case(line)
    line.platform.delay = 1.5  # LINE accepts, but answers after the client gave up (1 s)
    message = outbox.send_to_reporter(case.reporter, "ข้อความจากเจ้าหน้าที่", incident=case)
    line.work()
    message.refresh_from_db()
    assert message.delivery == Message.Delivery.QUEUED and message.attempts == 1
    line.platform.delay = 0
    line.work(now=later(60))
    message.refresh_from_db()
    assert message.delivery == Message.Delivery.SENT
    pushes = [c for c in line.platform.calls if c.path.endswith("/push")]
    assert [c.status for c in pushes] == [200, 409]  # the repeat was recognised by its retry key
    assert line.texts_to(USER).count("ข้อความจากเจ้าหน้าที่") == 1


def test_it_gives_up_visibly_when_line_keeps_failing(line):
    case = opened_case(line)
    line.platform.fail("/push", 503, times=100)
    message = outbox.send_to_reporter(case.reporter, "ข้อความ", incident=case)
    moment = timezone.now()
    for _ in range(outbox.MAX_ATTEMPTS + 1):
        line.work(now=moment)
        moment += dt.timedelta(minutes=15)
    message.refresh_from_db()
    assert message.delivery == Message.Delivery.FAILED
    assert "gave up after 8 attempts" in message.error
    failure = case.events.get(kind="delivery_failed")
    assert failure.data["message_id"] == message.pk
    assert line.texts_to(USER).count("ข้อความ") == 0


def test_it_fails_at_once_on_a_request_line_refuses(line):
    case = opened_case(line)
    line.platform.fail("/push", 400, times=1)
    message = outbox.send_to_reporter(case.reporter, "x", incident=case)
    line.work()
    message.refresh_from_db()
    assert message.delivery == Message.Delivery.FAILED and message.attempts == 0
    assert case.events.filter(kind="delivery_failed").exists()


def test_it_uses_the_reporters_unused_reply_token_for_an_operators_answer(line, operator):
    case = opened_case(line)
    line.say(line.text(USER, "อยู่ไหนคะ"))  # the bot keeps quiet: the token is left for the operator
    pushes_before = len(line.platform.sent("/push"))
    message = outbox.send_to_reporter(case.reporter, "กำลังไปค่ะ", incident=case, sent_by=operator)
    line.work()
    message.refresh_from_db()
    assert message.delivery == Message.Delivery.SENT and message.sent_by == operator
    assert len(line.platform.sent("/push")) == pushes_before
    assert line.platform.sent("/reply")[-1].body["messages"][0]["text"] == "กำลังไปค่ะ"
    assert case.events.filter(kind="message", data__message_id=message.pk).exists()


def test_it_never_pushes_to_a_safe_contact_reporter_and_answers_when_they_write(line):
    case = opened_case(line)
    reporter = case.reporter
    reporter.safe_contact_only = True
    reporter.save(update_fields=["safe_contact_only"])
    message = outbox.send_to_reporter(
        reporter, "ตำรวจกำลังไปที่บ้านค่ะ", incident=case, neutral_text=texts.say("th", "neutral_notice")
    )
    assert message.text == texts.say("th", "neutral_notice")  # nothing a shared phone's preview should show
    line.work(now=later(120))
    message.refresh_from_db()
    assert message.delivery == Message.Delivery.WITHHELD
    assert line.platform.sent("/push") == []

    line.say(line.text(USER, "ค่ะ"))  # they write first: the withheld message goes with the reply
    message.refresh_from_db()
    assert message.delivery == Message.Delivery.SENT
    assert line.platform.sent("/reply")[-1].body["messages"][0]["text"] == texts.say("th", "neutral_notice")
    assert line.platform.sent("/push") == []


def test_it_sends_nothing_to_a_reporter_who_blocked_the_oa_and_shows_it(line):
    case = opened_case(line)
    line.say(line.event("unfollow", USER))
    calls_before = len(line.platform.calls)
    message = outbox.send_to_reporter(case.reporter, "สวัสดีค่ะ", incident=case)
    line.work()
    message.refresh_from_db()
    assert message.delivery == Message.Delivery.FAILED and "blocked" in message.error
    assert len(line.platform.calls) == calls_before
    assert case.events.filter(kind="delivery_failed").exists()


def test_it_sends_a_batch_once_even_when_two_workers_try(line):
    case = make_incident()
    case.reporter.line_user_id = USER
    case.reporter.save()
    message = outbox.send_to_reporter(case.reporter, "ครั้งเดียว", incident=case)
    assert outbox.send_batch(message.retry_key) == "sent"
    assert outbox.send_batch(message.retry_key) == "busy"
    assert line.texts_to(USER) == ["ครั้งเดียว"]


def test_it_shows_the_loading_animation_while_it_works(line):
    line.say(line.text(USER, "ช่วยด้วย"))
    (call,) = [c for c in line.platform.calls if c.path.endswith("/loading/start")]
    assert call.body["chatId"] == USER


def test_it_tells_the_reporter_their_cases_new_status_in_their_language(line):
    from incidents import actions

    line.platform.set_profile(USER, language="en")
    case = opened_case(line)
    case = actions.do_transition(case, "triaged")
    case = actions.do_transition(case, "dispatched")
    message = outbox.send_status_update(case)
    line.work()
    message.refresh_from_db()
    assert message.delivery == Message.Delivery.SENT
    assert line.texts_to(USER)[-1] == f"{case.reference}: passed to a response team"


def test_it_sends_no_status_update_for_a_case_without_a_line_reporter(line):
    assert outbox.send_status_update(make_incident(reporter=None)) is None


def test_it_splits_more_than_five_messages_into_batches_and_drops_none(line):
    case = opened_case(line)
    rows = outbox.queue(case.reporter, [texts.text(f"ส่วนที่ {i}") for i in range(7)], incident=case)
    line.work()
    assert len({m.retry_key for m in rows}) == 2
    assert line.texts_to(USER)[-7:] == [f"ส่วนที่ {i}" for i in range(7)]
