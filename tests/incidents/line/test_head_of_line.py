"""One reporter's bad event holds up nobody else (#12 item 1).

A reporter whose event keeps failing waits in back-off with their later events behind it; the worker's round
selects, in SQL, only events that are their reporter's first pending one, so the others' reports go through
in the next round. An event that retrying cannot cure fails at once."""

import datetime as dt

import pytest
from django.utils import timezone

from incidents.line import inbox, worker
from incidents.line.models import LineEvent
from incidents.models import Incident
from tests.line import now_ms

POISON = "U" + "9" * 32
OTHERS = [f"U{i:032d}" for i in range(10)]


def test_a_poison_reporter_in_back_off_does_not_hold_up_the_others(line):
    # The poison reporter's first event failed (a retryable error) and waits 90 s; 25 later messages of
    # theirs wait behind it. All of them are older than the other ten reporters' pins.
    line.post(line.text(POISON, "ช่วยด้วย", timestamp=now_ms(-60)))
    LineEvent.objects.update(
        attempts=1,
        error="OperationalError: server closed the connection",
        next_attempt_at=timezone.now() + dt.timedelta(seconds=90),
    )
    line.post(*[line.text(POISON, f"ข้อความ {i}", timestamp=now_ms(-50 + i)) for i in range(25)])
    line.post(*[line.pin(user, timestamp=now_ms(-10 + i / 10)) for i, user in enumerate(OTHERS)])

    worker.run_once()  # one round of 20: before, it was spent skipping the poison reporter's backlog

    assert Incident.objects.filter(reporter__line_user_id__in=OTHERS).count() == 10
    assert LineEvent.objects.filter(user_id=POISON, state="pending").count() == 26  # still in order, waiting
    assert all(len(line.texts_to(user)) >= 1 for user in OTHERS)


def test_the_round_selects_only_each_reporters_first_pending_event(line):
    line.post(*[line.text(POISON, f"ข้อความ {i}", timestamp=now_ms(-30 + i)) for i in range(5)])
    line.post(line.pin(OTHERS[0], timestamp=now_ms(-1)))
    chosen = inbox._due(timezone.now(), limit=20)
    assert [(e.user_id, e.payload["message"].get("text")) for e in chosen] == [
        (POISON, "ข้อความ 0"),
        (OTHERS[0], None),
    ]


def test_an_event_retrying_cannot_cure_fails_at_once_and_the_reporters_next_event_goes_on(line):
    # A message that is a list, not an object: AttributeError every time it is tried.
    line.post(line.event("message", POISON, message=["ช่วยด้วย"], timestamp=now_ms(-1), event_id="bad"))
    line.post(line.pin(POISON, timestamp=now_ms()))
    line.work()
    bad = LineEvent.objects.get(webhook_event_id="bad")
    assert bad.state == "failed" and bad.attempts == 1
    assert bad.error.startswith("AttributeError")
    assert Incident.objects.filter(reporter__line_user_id=POISON).count() == 1


@pytest.mark.parametrize("error", [ConnectionError("reset"), TimeoutError()])
def test_an_error_that_may_pass_is_retried_with_back_off(line, error):
    line.post(line.text(POISON, "ช่วยด้วย"))
    event = LineEvent.objects.get()
    inbox._failed(event, error, timezone.now())
    event.refresh_from_db()
    assert event.state == "pending" and event.attempts == 1
    assert event.next_attempt_at > timezone.now()
