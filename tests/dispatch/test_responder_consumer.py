import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.http import HttpRequest
from django.test import Client

from dispatch.assignments import Pick, do_acknowledge, do_assign
from dispatch.models import Presence, Responder
from ess.asgi import application
from tests.conftest import PASSWORD
from tests.factories import make_incident
from tests.faults import forget_every_group

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


def _cookie(username: str) -> bytes:
    client = Client()
    assert client.login(request=HttpRequest(), username=username, password=PASSWORD)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


async def _connect(cookie: bytes | None):
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
    if cookie:
        headers.append((b"cookie", cookie))
    communicator = WebsocketCommunicator(application, "/ws/responder/", headers=headers)
    connected, _ = await communicator.connect(timeout=3)
    return communicator, connected


async def test_it_hears_its_own_agencys_assignments_live(agencies, responder_bkk, operator):
    socket, connected = await _connect(await database_sync_to_async(_cookie)("resp_bkk"))
    assert connected
    incident = await database_sync_to_async(make_incident)()
    [a] = await database_sync_to_async(do_assign)(incident, [Pick(agencies["bkk"])], actor=operator)
    message = await socket.receive_json_from(timeout=3)
    assert message["type"] == "changed" and message["incident_id"] == incident.pk and message["kind"] == "assigned"
    await database_sync_to_async(do_acknowledge)(a, actor=responder_bkk)
    kinds = {(await socket.receive_json_from(timeout=3))["kind"]}
    assert "assignment" in kinds or "status" in kinds
    await socket.disconnect()


async def test_it_never_tells_an_outsider_about_another_agencys_case(agencies, responder_cm, operator):
    socket, connected = await _connect(await database_sync_to_async(_cookie)("resp_cm"))
    assert connected
    incident = await database_sync_to_async(make_incident)()
    await database_sync_to_async(do_assign)(incident, [Pick(agencies["bkk"])], actor=operator)
    assert await socket.receive_nothing(timeout=0.5)
    await socket.disconnect()


async def test_it_refuses_anonymous_visitors_and_staff_who_are_not_responders(agencies, operator):
    _, connected = await _connect(None)
    assert not connected
    _, connected = await _connect(await database_sync_to_async(_cookie)("op"))
    assert not connected


async def test_it_marks_the_responder_online_and_stores_a_shared_position(agencies, responder_bkk):
    socket, connected = await _connect(await database_sync_to_async(_cookie)("resp_bkk"))
    assert connected
    assert await database_sync_to_async(Presence.objects.filter(user=responder_bkk, screen="responder").exists)()
    await socket.send_json_to({"type": "position", "latitude": 13.75, "longitude": 100.52})
    await socket.send_json_to({"type": "heartbeat"})
    await socket.receive_nothing(timeout=0.3)
    r = await database_sync_to_async(Responder.objects.get)(user=responder_bkk)
    assert (r.last_latitude, r.last_longitude) == (13.75, 100.52)
    await socket.disconnect()
    assert not await database_sync_to_async(Presence.objects.filter(user=responder_bkk).exists)()


async def test_its_heartbeat_joins_the_agencys_group_again_after_the_layer_forgot_it(agencies, responder_bkk, operator):
    """A Redis restarted empty (or channels_redis's group_expiry) drops the membership of an open socket."""
    socket, connected = await _connect(await database_sync_to_async(_cookie)("resp_bkk"))
    assert connected
    await forget_every_group()
    await socket.send_json_to({"type": "heartbeat"})
    await socket.receive_nothing(timeout=1.0)  # the heartbeat handled (Redis: reconnecting)
    incident = await database_sync_to_async(make_incident)()
    await database_sync_to_async(do_assign)(incident, [Pick(agencies["bkk"])], actor=operator)
    message = await socket.receive_json_from(timeout=3)
    assert message["type"] == "changed" and message["incident_id"] == incident.pk
    await socket.disconnect()
