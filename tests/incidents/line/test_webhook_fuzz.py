"""A signed but malformed body never makes the webhook answer 500, and never costs the good events in it
(#12 item 3). LINE retries a 500 with the same body, so one bad event would keep the good ones out forever.

The corpus is hypothesis's: good events mixed with events whose fields are deep nesting, numbers out of any
column's range, NUL, lone surrogates, huge strings, wrong types."""

import json
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from demo import fake_platform as fake
from incidents.line import parser
from incidents.line.models import LineEvent
from tests.line import SECRET, now_ms

DEEP = "__deep_nesting__"

nasty_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.sampled_from(["\x00", "\ud800", "\udfff", "a", "ก", '"', "\\"]), max_size=20),
    st.integers(min_value=65, max_value=3_000).map(lambda n: "ข" * n),
    st.just(DEEP),
)
nasty_number = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([2**63, 2**63 - 1, -(2**63) - 1, -(2**70), 10**15, -1, 0, 253_402_300_800_000]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.just(10**30),
)
key = st.one_of(st.text(max_size=20), st.sampled_from(["\x00", "\ud800", "type", "id"]))
scalar = st.one_of(st.none(), st.booleans(), nasty_number, nasty_text)
nasty_json = st.recursive(
    scalar, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(key, inner, max_size=3), max_leaves=8
)
absent = object()
field = st.one_of(st.just(absent), nasty_json)


@st.composite
def bad_event(draw) -> dict:
    event = {}
    for name in ("type", "webhookEventId", "timestamp", "replyToken", "mode"):
        value = draw(field)
        if value is not absent:
            event[name] = value
    source = draw(st.one_of(nasty_json, st.fixed_dictionaries({"type": st.just("user"), "userId": nasty_text})))
    event["source"] = source
    event["message"] = draw(
        st.one_of(
            nasty_json,
            st.fixed_dictionaries(
                {"type": st.sampled_from(["text", "location", "image"]), "id": nasty_text, "text": nasty_text}
            ),
            st.fixed_dictionaries(
                {"type": st.just("location"), "latitude": nasty_number, "longitude": nasty_number, "title": nasty_text}
            ),
        )
    )
    return event


def body_of(events: list, depth: int) -> bytes:
    text = json.dumps({"destination": "U" + "0" * 32, "events": events}, ensure_ascii=True)
    return text.replace(json.dumps(DEEP), "[" * depth + "1" + "]" * depth).encode()


@settings(
    max_examples=80,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    bad=st.lists(bad_event(), min_size=1, max_size=3),
    good_count=st.integers(min_value=0, max_value=2),
    where=st.randoms(use_true_random=False),
    depth=st.sampled_from([3, 50, 3_000]),
)
def test_a_signed_malformed_body_never_gets_a_500_nor_loses_its_good_events(line, bad, good_count, where, depth):
    good = [
        fake.make_event("message", f"U{uuid.uuid4().hex}", message=fake.text_message("ช่วยด้วย"), timestamp=now_ms())
        for _ in range(good_count)
    ]
    events = bad + good
    where.shuffle(events)
    body = body_of(events, depth)

    # The test client raises what the view raised: a 500 fails the test with its traceback.
    response = line.client.post(
        "/line/webhook/",
        data=body,
        content_type="application/json",
        headers={"X-Line-Signature": parser.signature(body, SECRET)},
    )

    assert response.status_code == 200, response.content  # every bad event above is still an object
    stored = set(LineEvent.objects.values_list("webhook_event_id", flat=True))
    assert {event["webhookEventId"] for event in good} <= stored


def test_what_cannot_be_used_is_cleaned_not_refused(line):
    body = (
        b'{"events": [{"type": "message", "webhookEventId": "ab\\u0000c", "timestamp": 9223372036854775808,'
        b' "source": {"type": "user", "userId": "U\\ud800x"}, "replyToken": "' + b"r" * 300 + b'",'
        b' "message": {"type": "text", "id": "1", "text": "' + b"a" * 30_000 + b'\\u0000"}},'
        b' {"type": "follow", "timestamp": 1700000000000, "source": {"type": "user", "userId": "U1"}}]}'
    )
    response = line.post(body=body, signature=parser.signature(body, SECRET))
    assert response.status_code == 200
    first, second = LineEvent.objects.order_by("id")
    assert first.webhook_event_id == "abc"
    assert first.user_id == "U\ufffdx"
    assert first.payload["originalTimestamp"] == "9223372036854775808"
    assert abs(first.timestamp - now_ms()) < 60_000  # when we received it: a date the worker can use
    assert first.payload["message"]["text"] == "a" * parser.MAX_STRING
    assert second.kind == "follow" and second.webhook_event_id.startswith("x")  # derived: no id was sent
    # The same event redelivered is the same row.
    assert line.post(body=body, signature=parser.signature(body, SECRET)).status_code == 200
    assert LineEvent.objects.count() == 2


def test_deep_nesting_is_cut_and_the_rest_of_the_event_kept(line):
    good = fake.make_event("message", "U" + "1" * 32, message=fake.text_message("ช่วยด้วย"))
    deep = {**fake.make_event("message", "U" + "2" * 32, message=fake.text_message("x")), "junk": DEEP}
    body = body_of([deep, good], 100_000)
    assert line.post(body=body, signature=parser.signature(body, SECRET)).status_code == 200
    stored = LineEvent.objects.get(webhook_event_id=deep["webhookEventId"])
    assert stored.payload["message"]["text"] == "x"
    assert LineEvent.objects.filter(webhook_event_id=good["webhookEventId"]).exists()
