"""/ws/console/ with a real WebsocketCommunicator on the real ASGI application (session auth, origin check)."""

import asyncio
import contextlib

import pytest
import pytest_asyncio
from channels.db import database_sync_to_async as sync_to_async  # closes its connections
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.db import transaction

from console import screen
from console.consumers import EventTail
from dispatch.models import Presence
from ess.asgi import application
from incidents import triage
from incidents.models import IncidentEvent
from tests.factories import make_incident
from tests.faults import forget_every_group

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("english")]


@pytest_asyncio.fixture(autouse=True)
async def fresh_layer():
    # The in-memory layer's queues belong to one event loop; each test has its own loop.
    channel_layers.backends.clear()
    screen._LIVE_ROWS.clear()  # ids may repeat across tests on a flushed database
    yield
    if EventTail.task is not None:
        EventTail.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await EventTail.task
        EventTail.task = None
    channel_layers.backends.clear()


def session_cookie(user) -> str:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


async def connect(user=None, origin: str = "http://testserver"):
    headers = [(b"origin", origin.encode())]
    if user is not None:
        cookie = await sync_to_async(session_cookie)(user)
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    communicator = WebsocketCommunicator(application, "/ws/console/", headers=headers)
    connected, code = await communicator.connect()
    return communicator, connected, code


async def test_it_refuses_anonymous_visitors():
    _communicator, connected, code = await connect()
    assert not connected and code == 4403


async def test_it_refuses_a_foreign_origin(operator):
    _communicator, connected, _code = await connect(operator, origin="https://evil.example")
    assert not connected


async def test_it_refuses_a_responder(responder_bkk):
    _communicator, connected, _code = await connect(responder_bkk)
    assert not connected


async def test_it_marks_the_operator_online_while_connected(operator):
    communicator, connected, _code = await connect(operator)
    assert connected
    assert await sync_to_async(Presence.objects.filter(user=operator, screen="console").count)() == 1
    await communicator.send_json_to({"type": "ping"})
    assert (await communicator.receive_json_from())["type"] == "pong"
    await communicator.disconnect()
    assert await sync_to_async(Presence.objects.filter(user=operator).count)() == 0


async def test_a_new_case_arrives_as_the_rendered_row_after_commit(operator):
    communicator, _connected, _code = await connect(operator)
    case = await sync_to_async(make_incident)()
    message = await communicator.receive_json_from(timeout=2)
    event = await sync_to_async(IncidentEvent.objects.get)(incident=case, kind="created")
    assert message["type"] == "case" and message["kind"] == "created"
    assert (message["event_id"], message["incident_id"], message["open"]) == (event.pk, case.pk, True)
    assert f'id="case-{case.pk}"' in message["row"] and case.reference in message["row"]
    await communicator.disconnect()


async def test_a_rolled_back_change_is_never_sent(operator):
    communicator, _connected, _code = await connect(operator)

    def create_then_roll_back():
        with transaction.atomic():
            make_incident()
            transaction.set_rollback(True)

    await sync_to_async(create_then_roll_back)()
    assert await communicator.receive_nothing(timeout=0.3)
    await communicator.disconnect()


async def test_a_claim_is_pushed_to_every_console(operator, supervisor_bkk):
    case = await sync_to_async(make_incident)()
    first, _c, _ = await connect(operator)
    second, _c, _ = await connect(supervisor_bkk)
    await sync_to_async(triage.claim)(case, operator)
    for communicator in (first, second):
        message = await communicator.receive_json_from(timeout=2)
        assert message["kind"] == "claimed" and "claimed" in message["row"]
        await communicator.disconnect()


async def test_a_supervisor_of_another_province_gets_nothing(supervisor_cm):
    communicator, connected, _code = await connect(supervisor_cm)
    assert connected
    await sync_to_async(make_incident)(province_code="10")
    assert await communicator.receive_nothing(timeout=0.3)
    cm = await sync_to_async(make_incident)(province_code="50", latitude=18.79, longitude=98.98)
    message = await communicator.receive_json_from(timeout=2)
    assert message["incident_id"] == cm.pk
    await communicator.disconnect()


async def test_catch_up_after_reconnect_returns_exactly_the_missed_events_the_user_may_see(operator, supervisor_bkk):
    before = await sync_to_async(make_incident)()
    last_seen = await sync_to_async(lambda: IncidentEvent.objects.latest("id").id)()
    # Disconnected now: three changes happen, one in a province the supervisor does not cover.
    bkk = await sync_to_async(make_incident)()
    await sync_to_async(triage.claim)(before, operator)
    await sync_to_async(make_incident)(province_code="50", latitude=18.79, longitude=98.98)
    expected = await sync_to_async(
        lambda: list(
            IncidentEvent.objects.filter(id__gt=last_seen, incident__province_code="10")
            .order_by("id")
            .values_list("id", flat=True)
        )
    )()
    assert len(expected) == 2

    communicator, _connected, _code = await connect(supervisor_bkk)
    await communicator.send_json_to({"type": "catch_up", "after": last_seen})
    reply = await communicator.receive_json_from(timeout=2)
    assert reply["type"] == "catch_up"
    assert reply["events"] == expected
    assert reply["last_event_id"] == expected[-1]
    assert {c["incident_id"] for c in reply["cases"]} == {bkk.pk, before.pk}
    assert all(c["row"] for c in reply["cases"]) and not reply["truncated"]

    # Asking again from the last id returns nothing: no event twice.
    await communicator.send_json_to({"type": "catch_up", "after": reply["last_event_id"]})
    again = await communicator.receive_json_from(timeout=2)
    assert again["events"] == [] and again["cases"] == []
    await communicator.disconnect()


async def opened_and_caught_up(user):
    communicator, connected, _code = await connect(user)
    assert connected
    await communicator.send_json_to({"type": "catch_up", "after": await sync_to_async(screen.last_event_id)()})
    assert (await communicator.receive_json_from(timeout=2))["events"] == []
    return communicator


async def test_an_open_console_dropped_from_its_groups_catches_up_on_its_next_ping(operator):
    communicator = await opened_and_caught_up(operator)
    await forget_every_group()
    case = await sync_to_async(make_incident)()
    assert await communicator.receive_nothing(timeout=0.6)  # deaf: nothing live, not even the tail
    await communicator.send_json_to({"type": "ping"})
    healed = await communicator.receive_json_from(timeout=2)
    created = await sync_to_async(IncidentEvent.objects.get)(incident=case, kind="created")
    assert healed["type"] == "catch_up" and created.pk in healed["events"]
    assert [c["incident_id"] for c in healed["cases"]] == [case.pk] and case.reference in healed["cases"][0]["row"]
    pong = await communicator.receive_json_from(timeout=2)
    assert pong == {"type": "pong", "checked": healed["last_event_id"]}
    # And it is back in its groups: the next change arrives live, and the next ping sends nothing twice.
    second = await sync_to_async(make_incident)()
    assert (await communicator.receive_json_from(timeout=2))["incident_id"] == second.pk
    await communicator.send_json_to({"type": "ping"})
    assert (await communicator.receive_json_from(timeout=2))["type"] == "pong"
    await communicator.disconnect()


async def test_the_pings_catch_up_keeps_to_the_users_provinces(supervisor_cm):
    communicator = await opened_and_caught_up(supervisor_cm)
    await forget_every_group()
    await sync_to_async(make_incident)(province_code="10")  # Bangkok: never this supervisor's
    await communicator.send_json_to({"type": "ping"})
    assert (await communicator.receive_json_from(timeout=2))["type"] == "pong"
    cm = await sync_to_async(make_incident)(province_code="50", latitude=18.79, longitude=98.98)
    await communicator.send_json_to({"type": "ping"})
    message = await communicator.receive_json_from(timeout=2)
    if message["type"] == "case":  # the rejoin came first and it arrived live
        assert message["incident_id"] == cm.pk
    else:
        assert [c["incident_id"] for c in message["cases"]] == [cm.pk]
    await communicator.disconnect()


async def test_a_case_leaving_the_queue_is_pushed_as_not_open(operator):
    case = await sync_to_async(make_incident)()
    communicator, _connected, _code = await connect(operator)
    await sync_to_async(triage.refer)(case, operator, "1300")
    message = await communicator.receive_json_from(timeout=2)
    assert message["incident_id"] == case.pk and message["open"] is False
    await communicator.disconnect()


async def test_consoles_of_one_process_share_one_render_of_a_change(operator):
    sockets = [(await connect(operator))[0] for _ in range(5)]
    case = await sync_to_async(make_incident)()
    for communicator in sockets:
        message = await communicator.receive_json_from(timeout=2)
        assert message["incident_id"] == case.pk
        await communicator.disconnect()
    assert len([key for key in screen._LIVE_ROWS if key[0] == case.pk]) == 1


async def test_a_change_published_in_another_process_still_arrives(operator, monkeypatch, settings):
    """Without Redis, the worker's publish goes to its own in-memory layer; the console's tail of the
    timeline delivers it anyway (with Redis the shared layer does)."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    communicator, _connected, _code = await connect(operator)
    from ess import live

    monkeypatch.setattr(live, "publish", lambda groups, message: None)  # published elsewhere, unheard here
    case = await sync_to_async(make_incident)()
    message = await communicator.receive_json_from(timeout=3)
    assert message["incident_id"] == case.pk and message["kind"] == "created"
    assert await communicator.receive_nothing(timeout=0.8)  # once, not again on every tail round
    await communicator.disconnect()


@pytest.mark.redis
async def test_an_idle_console_outlives_the_redis_clients_read_timeout(operator):
    """redis-py 8 reads with a 5 s timeout by default, which tore every idle consumer down (1011) every
    5 s under channels-redis; ess.settings turns the read timeout off for the channel layer."""
    communicator, connected, _code = await connect(operator)
    assert connected
    await asyncio.sleep(6.5)
    case = await sync_to_async(make_incident)()
    message = await communicator.receive_json_from(timeout=3)
    assert message["incident_id"] == case.pk
    await communicator.disconnect()
