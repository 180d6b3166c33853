"""#11 item 9: the webhook's destination check, the event age window and the bad-signature limit that never
refuses LINE's own (signed) bursts."""

import json
import time
import uuid

import pytest

from demo import fake_platform as fake
from incidents.line import guard
from incidents.line.models import LineEvent

USER = "U" + "9" * 32


@pytest.fixture(autouse=True)
def own_counters(monkeypatch):
    # Counters live in the cache (a shared Redis under CI): each test counts under keys of its own.
    monkeypatch.setattr(guard.BadSignatureLimit, "KEY", f"line-bad-sig-test-{uuid.uuid4().hex}")


def with_destination(line, destination: str) -> bytes:
    body = json.loads(fake.body_of([line.text(USER, "ช่วยด้วย")]))
    body["destination"] = destination
    return json.dumps(body).encode()


def test_a_body_for_another_bot_is_refused_when_the_bot_id_is_set(line, settings):
    settings.LINE_BOT_USER_ID = "U" + "b" * 32
    ours, theirs = with_destination(line, "U" + "b" * 32), with_destination(line, "U" + "c" * 32)
    assert line.post(body=theirs).status_code == 403
    assert not LineEvent.objects.exists()
    assert line.post(body=ours).status_code == 200
    assert LineEvent.objects.count() == 1


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_a_deeply_nested_signed_body_is_answered_not_crashed_when_the_bot_id_is_set(line, settings, depth):
    """json.loads recurses: a signed body nested deep enough raised RecursionError (a 500) in the destination
    check. Now the parser's loader cuts it: our bot's body keeps its events, a body that is all nesting is
    refused as not ours."""
    settings.LINE_BOT_USER_ID = "U" + "b" * 32
    event = line.text(USER, "ช่วยด้วย")
    event["message"]["nested"] = "NEST"
    body = json.dumps({"destination": settings.LINE_BOT_USER_ID, "events": [event]})
    ours = body.replace('"NEST"', "[" * depth + "]" * depth).encode()
    response = line.post(body=ours)
    assert response.status_code == 200
    assert LineEvent.objects.count() == 1
    assert guard.destination_matches(ours)
    only_nesting = ("[" * depth + "]" * depth).encode()
    assert line.post(body=only_nesting).status_code == 403
    assert not guard.destination_matches(b'{"destination": ' + b"[" * depth + b"]" * depth + b"}")


def test_the_destination_is_not_checked_when_no_bot_id_is_set(line, settings):
    settings.LINE_BOT_USER_ID = ""
    assert line.post(body=with_destination(line, "U" + "c" * 32)).status_code == 200


def test_events_older_than_the_window_are_dropped(line, settings):
    settings.LINE_EVENT_MAX_AGE_SECONDS = 3600
    fresh = line.text(USER, "ใหม่")
    stale = line.text(USER, "เก่า")
    stale["timestamp"] = int((time.time() - 2 * 3600) * 1000)
    assert line.post(fresh, stale).status_code == 200
    assert LineEvent.objects.count() == 1
    settings.LINE_EVENT_MAX_AGE_SECONDS = 0  # off: every event is kept
    older = line.text(USER, "เก่ามาก")
    older["timestamp"] = 1
    line.post(older)
    assert LineEvent.objects.count() == 2


def test_bad_signatures_are_limited_per_address_but_signed_bursts_never(line, settings):
    settings.LINE_WEBHOOK_BAD_SIGNATURES_PER_MINUTE = 5
    # LINE's burst: far more signed requests than the limit, all accepted.
    for n in range(20):
        assert line.post(line.text(USER, f"ข้อความ {n}")).status_code == 200
    for _ in range(5):
        assert line.post(body=b'{"events":[]}', signature="forged").status_code == 401
    assert line.post(body=b'{"events":[]}', signature="forged").status_code == 429
    # A signed request from that very address is still taken: LINE is never refused.
    assert line.post(line.text(USER, "x")).status_code == 200
