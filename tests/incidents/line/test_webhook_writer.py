"""The webhook's inbox writer on PostgreSQL (#16 item 2): one thread per web process keeps its connection and
commits the bodies of concurrent requests together. Every request is still answered only after its events
are committed, a bad event never sinks another body's events, and a dropped connection is replaced."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from django.db import connection, connections
from django.test import AsyncClient

from demo import fake_platform as fake
from incidents.line import inbox
from incidents.line.models import LineEvent
from tests.line import SECRET


@pytest.fixture
def writer(settings, fake_line):
    settings.LINE_CHANNEL_SECRET = SECRET
    settings.LINE_API_BASE_URL = settings.LINE_DATA_API_BASE_URL = fake_line.url
    settings.LINE_WEBHOOK_WRITER = True
    yield inbox.writer
    inbox.writer.close()  # its connection, before the test database is flushed or dropped
    connections.close_all()


def text(user: str, words: str) -> dict:
    return fake.make_event("message", user, message=fake.text_message(words))


async def post(client: AsyncClient, events: list[dict]):
    body = fake.body_of(events)
    return await client.post(
        "/line/webhook/",
        data=body,
        content_type="application/json",
        headers={"X-Line-Signature": fake.signature(body, SECRET)},
    )


def writer_backends() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = %s",
            [inbox.Writer.APPLICATION_NAME],
        )
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.asyncio
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
async def test_concurrent_bodies_are_all_stored_before_each_answer_on_one_kept_connection(writer):
    client = AsyncClient()
    bodies = [[text(f"U{n:032d}", f"ช่วยด้วย {n}"), text(f"U{n:032d}", "อยู่ที่บ้าน")] for n in range(40)]

    async def one(events):
        response = await post(client, events)
        # Answered only after the COMMIT that holds this body's events.
        ids = [e["webhookEventId"] for e in events]
        stored = await LineEvent.objects.filter(webhook_event_id__in=ids).acount()
        return response.status_code, stored

    answers = await asyncio.gather(*(one(events) for events in bodies))
    assert answers == [(200, 2)] * 40
    assert await LineEvent.objects.acount() == 80
    assert len(await sync_to_async(writer_backends)()) == 1  # one connection stored them all, and it is kept
    await sync_to_async(connections.close_all)()


@pytest.mark.asyncio
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
async def test_a_redelivery_committed_with_its_original_is_stored_once_and_both_answered(writer):
    client = AsyncClient()
    event = text("U" + "r" * 32, "ช่วยด้วย")
    again = {**event, "deliveryContext": {"isRedelivery": True}}
    others = [[text(f"U{n:032d}", "ช่วยด้วย")] for n in range(8)]
    answers = await asyncio.gather(post(client, [event]), post(client, [again]), *(post(client, e) for e in others))
    assert [a.status_code for a in answers] == [200] * 10
    assert await LineEvent.objects.filter(webhook_event_id=event["webhookEventId"]).acount() == 1
    assert await LineEvent.objects.acount() == 9
    await sync_to_async(connections.close_all)()


@pytest.mark.asyncio
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
async def test_a_connection_the_server_dropped_is_replaced_and_the_body_stored(writer):
    client = AsyncClient()
    assert (await post(client, [text("U" + "1" * 32, "ช่วยด้วย")])).status_code == 200
    pids = await sync_to_async(writer_backends)()
    assert len(pids) == 1

    def drop(pid):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])

    await sync_to_async(drop)(pids[0])
    await asyncio.sleep(0.2)
    event = text("U" + "2" * 32, "ช่วยด้วย อีกครั้ง")
    assert (await post(client, [event])).status_code == 200
    assert await LineEvent.objects.filter(webhook_event_id=event["webhookEventId"]).aexists()
    await sync_to_async(connections.close_all)()


@pytest.mark.asyncio
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
async def test_drill_and_real_bodies_committed_together_keep_their_flags(writer, settings):
    settings.LINE_DRILL_DESTINATION = "U" + "d" * 32
    client = AsyncClient()
    real = [text(f"U{n:032d}", "ช่วยด้วย") for n in range(5)]
    drills = [text(f"U{n + 100:032d}", "ซ้อม") for n in range(5)]

    async def post_drill(event):
        body = fake.body_of([event], destination=settings.LINE_DRILL_DESTINATION)
        return await client.post(
            "/line/webhook/",
            data=body,
            content_type="application/json",
            headers={"X-Line-Signature": fake.signature(body, SECRET)},
        )

    answers = await asyncio.gather(*(post(client, [e]) for e in real), *(post_drill(e) for e in drills))
    assert [a.status_code for a in answers] == [200] * 10
    flags = {e.webhook_event_id: e.is_drill async for e in LineEvent.objects.all()}
    assert flags == {**{e["webhookEventId"]: False for e in real}, **{e["webhookEventId"]: True for e in drills}}
    await sync_to_async(connections.close_all)()
