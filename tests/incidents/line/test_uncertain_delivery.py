"""A reply LINE accepted but did not answer in time is "delivery uncertain", never pushed again by itself
(#12 item 6): a push would deliver it twice. An operator may choose to resend."""

import pytest

from incidents.errors import ActionRefused, NotAllowed
from incidents.line import outbox
from incidents.models import Message
from tests.line import later

USER = "U" + "5" * 32


def timed_out_reply(line) -> Message:
    line.platform.delay = 1.5  # LINE acts on every request, but answers after the client gave up (1 s)
    line.say(line.pin(USER))
    line.platform.delay = 0
    line.work(now=later(60))  # later rounds: nothing is sent again
    batch = line.outbound(USER)
    assert len({m.retry_key for m in batch}) == 1  # one reply: "case opened" and the next question
    assert {m.delivery for m in batch} == {Message.Delivery.UNCERTAIN}
    return batch[0]


def test_a_reply_that_timed_out_is_marked_uncertain_on_the_case_and_not_pushed(line):
    reply = timed_out_reply(line)
    assert reply.delivery == Message.Delivery.UNCERTAIN
    assert "ReadTimeoutError" in reply.error or "timed out" in reply.error
    assert line.platform.sent("/push") == []
    assert [c.status for c in line.platform.sent("/reply")] == [200]  # LINE delivered it, once
    shown = line.case_of(USER).events.filter(kind="delivery_uncertain")
    assert reply.pk in {event.data["message_id"] for event in shown}


def test_a_refused_connection_is_not_uncertain_and_is_retried(line):
    from incidents.line import client

    error = client.LineError("reply: NewConnectionError", maybe_delivered=False)
    assert error.retryable and not error.maybe_delivered


def test_the_operator_may_resend_it_and_it_is_pushed_once(line, client, operator):
    reply = timed_out_reply(line)
    client.force_login(operator)
    page = client.get("/line/failed/").content.decode()
    assert reply.text[:30] in page
    assert client.get("/line/failed/alert/").content.strip()  # the console's alert line says so
    client.post(f"/line/messages/{reply.pk}/resend/")
    line.work()
    reply.refresh_from_db()
    assert reply.delivery == Message.Delivery.SENT
    (push,) = line.platform.sent("/push")  # the message resent alone; its batch-mate stays uncertain
    assert push.status == 200 and len(push.body["messages"]) == 1
    assert line.case_of(USER).events.filter(kind="delivery_resent", actor=operator).exists()
    with pytest.raises(ActionRefused):  # sent: nothing to resend any more
        outbox.resend(reply.pk, operator)


NOT_FOUND = "No message awaiting a decision to resend was found."


def test_only_console_staff_who_reach_the_case_resend(line, english, supervisor_cm, responder_bkk):
    reply = timed_out_reply(line)
    with pytest.raises(ActionRefused, match=NOT_FOUND):
        outbox.resend(reply.pk, supervisor_cm)  # Chiang Mai: the case is in Bangkok
    with pytest.raises(NotAllowed):
        outbox.resend(reply.pk, responder_bkk)
    reply.refresh_from_db()
    assert reply.delivery == Message.Delivery.UNCERTAIN


def test_outside_the_provinces_and_not_uncertain_get_the_same_not_found(line, english, supervisor_cm, supervisor_bkk):
    """A refusal must not tell an outsider that a message exists and is awaiting a resend: the same answer
    for a Bangkok message a Chiang Mai supervisor cannot reach, one that is not uncertain, and no message."""
    reply = timed_out_reply(line)
    sent = line.outbound(USER)[0]
    Message.objects.filter(pk=sent.pk).update(delivery=Message.Delivery.SENT)
    if sent.pk == reply.pk:
        reply = line.outbound(USER)[1]
    answers = []
    for actor, pk in [(supervisor_cm, reply.pk), (supervisor_bkk, sent.pk), (supervisor_bkk, 10**9)]:
        with pytest.raises(ActionRefused) as refused:
            outbox.resend(pk, actor)
        answers.append((type(refused.value), str(refused.value)))
    assert answers == [(ActionRefused, NOT_FOUND)] * 3


def test_the_console_answers_the_same_not_found_too(line, english, client, supervisor_cm, supervisor_bkk):
    reply = timed_out_reply(line)
    pages = []
    client.force_login(supervisor_cm)
    pages.append(client.post(f"/line/messages/{reply.pk}/resend/", follow=True))  # outside Chiang Mai
    reply.refresh_from_db()
    assert reply.delivery == Message.Delivery.UNCERTAIN
    Message.objects.filter(pk=reply.pk).update(delivery=Message.Delivery.SENT)
    client.force_login(supervisor_bkk)
    pages.append(client.post(f"/line/messages/{reply.pk}/resend/", follow=True))  # not uncertain any more
    pages.append(client.post("/line/messages/999999999/resend/", follow=True))
    assert [(p.status_code, [str(m) for m in p.context["messages"]]) for p in pages] == [(200, [NOT_FOUND])] * 3
    assert reply.text[:30] not in pages[0].content.decode()
