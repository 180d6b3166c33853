import json
import threading
import time

import pytest
from asgiref.sync import sync_to_async
from django.db import connections

from demo import fake_platform as fake
from incidents.line import parser, worker
from incidents.line.models import LineEvent
from incidents.models import Incident, Message

# LINE's published test vector (docs/design.md §3b).
VECTOR_SECRET = "8c570fa6dd201bb328f1c1eac23a96d8"
VECTOR_BODY = b'{"destination":"U8e742f61d673b39c7fff3cecb7536ef0","events":[]}'
VECTOR_SIGNATURE = "GhRKmvmHys4Pi8DxkF4+EayaH0OqtJtaZxgTD9fMDLs="

USER = "U" + "a" * 32


def test_it_computes_lines_published_test_vector():
    assert parser.signature(VECTOR_BODY, VECTOR_SECRET) == VECTOR_SIGNATURE
    assert parser.signature_is_valid(VECTOR_BODY, VECTOR_SIGNATURE, VECTOR_SECRET)
    assert not parser.signature_is_valid(VECTOR_BODY + b" ", VECTOR_SIGNATURE, VECTOR_SECRET)


def test_it_answers_the_verify_button_with_200_and_stores_nothing(line):
    response = line.post(body=VECTOR_BODY, signature=VECTOR_SIGNATURE)
    assert response.status_code == 200
    assert LineEvent.objects.count() == 0


def test_it_checks_the_raw_bytes_not_reserialised_json(line):
    # The same JSON with other spacing has another signature: re-serialising would wrongly accept it.
    spaced = json.dumps(json.loads(VECTOR_BODY)).encode()
    assert spaced != VECTOR_BODY
    assert line.post(body=spaced, signature=VECTOR_SIGNATURE).status_code == 401


@pytest.mark.parametrize("signature", ["", "not-base64!", parser.signature(b"other body", VECTOR_SECRET)])
def test_it_refuses_a_missing_or_wrong_signature_and_stores_nothing(line, signature):
    response = line.post(line.text(USER, "ช่วยด้วย"), signature=signature)
    assert response.status_code == 401
    assert LineEvent.objects.count() == 0
    line.work()
    assert line.platform.calls == []  # nothing was said to anyone


def test_it_refuses_a_request_without_the_signature_header(line, client):
    body = fake.body_of([line.text(USER, "hello")])
    response = client.post("/line/webhook/", data=body, content_type="application/json")
    assert response.status_code == 401
    assert LineEvent.objects.count() == 0


def test_it_refuses_a_body_changed_after_signing(line):
    body = fake.body_of([line.text(USER, "hello")])
    signature = parser.signature(body, VECTOR_SECRET)
    tampered = body.replace(b"hello", b"HELLO")
    assert line.post(body=tampered, signature=signature).status_code == 401
    assert LineEvent.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"\xff\xfe",
        b"[]",
        b'{"destination": "U1"}',
        b'{"events": "nope"}',
        b'{"events": [42]}',
        b'{"events": [42, "x", null]}',
    ],
)
def test_it_refuses_a_signed_body_that_is_not_a_line_webhook(line, body):
    response = line.post(body=body, signature=parser.signature(body, VECTOR_SECRET))
    assert response.status_code == 400
    assert LineEvent.objects.count() == 0
    assert line.platform.calls == []


def test_it_refuses_an_oversized_body_with_413(line, settings):
    settings.LINE_WEBHOOK_MAX_BYTES = 10_000
    big = fake.body_of([line.text(USER, "ก" * 20_000)])
    response = line.post(body=big, signature=parser.signature(big, VECTOR_SECRET))
    assert response.status_code == 413
    assert LineEvent.objects.count() == 0
    line.work()
    assert line.platform.calls == []


def test_it_refuses_get(line, client):
    assert client.get("/line/webhook/").status_code == 405


def test_it_stores_every_event_and_answers_before_any_call_to_line(line):
    other = "U" + "b" * 32
    response = line.post(line.event("follow", USER), line.text(other, "ช่วยด้วย"))
    assert response.status_code == 200
    assert LineEvent.objects.filter(state="pending").count() == 2
    assert set(LineEvent.objects.values_list("user_id", flat=True)) == {USER, other}
    assert line.platform.calls == []  # nothing was said to LINE yet: that is the worker's job
    assert Message.objects.count() == 0


def test_it_acknowledges_a_redelivered_event_and_ignores_it(line):
    pin = line.pin(USER)
    line.say(pin)
    again = {**pin, "deliveryContext": {"isRedelivery": True}}
    response = line.post(again)
    line.work()
    assert response.status_code == 200
    assert LineEvent.objects.count() == 1
    assert Incident.objects.count() == 1
    assert len(line.platform.sent("/reply")) == 1
    assert line.platform.sent("/push") == []


def test_it_makes_one_case_and_one_answer_from_duplicates_in_one_body(line):
    pin = line.pin(USER)
    line.say(pin, pin)
    assert Incident.objects.count() == 1
    assert len(line.platform.sent("/reply")) == 1


@pytest.mark.django_db(transaction=True)
def test_it_answers_well_under_a_second_while_line_is_slow_and_the_worker_waits_on_it(line, settings):
    settings.LINE_API_TIMEOUT_SECONDS = 0.5
    line.platform.delay = 2.0  # every LINE API call takes 2 s (longer than the client's timeout)
    line.post(line.event("follow", USER))
    busy = threading.Event()

    def work():
        busy.set()
        try:
            worker.run_once()
        finally:
            connections.close_all()

    thread = threading.Thread(target=work)
    thread.start()
    busy.wait()
    time.sleep(0.2)  # the worker is now waiting on LINE
    timings = []
    for i in range(5):
        started = time.perf_counter()
        response = line.post(line.text(USER, f"ข้อความ {i}"))
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200
    thread.join(timeout=30)
    assert max(timings) < 1.0, timings
    assert LineEvent.objects.count() == 6


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_it_answers_through_the_real_asgi_application(fake_line, settings):
    from channels.testing import HttpCommunicator

    from ess.asgi import application

    settings.LINE_CHANNEL_SECRET = VECTOR_SECRET
    body = fake.body_of([fake.make_event("follow", USER)])
    communicator = HttpCommunicator(
        application,
        "POST",
        "/line/webhook/",
        body=body,
        headers=[
            (b"content-type", b"application/json"),
            (b"host", b"127.0.0.1"),
            (b"x-line-signature", parser.signature(body, VECTOR_SECRET).encode()),
        ],
    )
    response = await communicator.get_response(timeout=10)
    await communicator.wait(timeout=5)  # let Django finish the request (it closes its DB connection)
    assert response["status"] == 200
    assert await LineEvent.objects.acount() == 1
    # The ORM's async calls ran in asgiref's shared thread: close its connection before teardown.
    await sync_to_async(connections.close_all)()


def test_it_answers_well_under_a_second_while_no_worker_runs(line):
    timings = []
    for i in range(20):
        started = time.perf_counter()
        assert line.post(line.text(f"U{i:032d}", "ช่วยด้วย")).status_code == 200
        timings.append(time.perf_counter() - started)
    assert max(timings) < 1.0, timings
    assert LineEvent.objects.filter(state="pending").count() == 20
