"""#11 item 4: a console or responder websocket closes on logout, deactivation or a change of role, and a
catch-up is answered only while the session still stands."""

import asyncio
import contextlib

import pytest
import pytest_asyncio
from channels.db import database_sync_to_async as sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.models import Session
from django.test import Client

from console.consumers import EventTail
from dispatch.staff import ensure_staff
from ess.asgi import application
from ess.models import Role

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest_asyncio.fixture(autouse=True)
async def fresh_layer():
    channel_layers.backends.clear()
    yield
    if EventTail.task is not None:
        EventTail.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await EventTail.task
        EventTail.task = None
    channel_layers.backends.clear()


async def open_socket(user, path="/ws/console/"):
    def login():
        client = Client()
        client.force_login(user)
        return client

    client = await sync_to_async(login)()
    cookie = client.cookies["sessionid"].value
    headers = [(b"origin", b"http://testserver"), (b"cookie", f"sessionid={cookie}".encode())]
    socket = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await socket.connect()
    assert connected
    return socket, client


async def assert_closed(socket):
    message = await socket.receive_output(timeout=3)
    while message["type"] != "websocket.close":
        message = await socket.receive_output(timeout=3)
    assert message["code"] == 4401


async def test_logout_closes_the_console_socket(operator):
    socket, client = await open_socket(operator)
    await sync_to_async(client.post)("/accounts/logout/")
    await assert_closed(socket)


async def test_deactivation_closes_the_console_socket(operator):
    socket, _ = await open_socket(operator)

    def deactivate():
        operator.is_active = False
        operator.save()

    await sync_to_async(deactivate)()
    await assert_closed(socket)


async def test_a_new_role_or_reach_closes_the_console_socket(supervisor_bkk):
    socket, _ = await open_socket(supervisor_bkk)
    await sync_to_async(ensure_staff)("sup_bkk", role=Role.SUPERVISOR, provinces=["50"])
    await assert_closed(socket)


async def test_logout_closes_the_responder_socket(responder_bkk):
    socket, client = await open_socket(responder_bkk, "/ws/responder/")
    await sync_to_async(client.post)("/accounts/logout/")
    await assert_closed(socket)


async def test_catch_up_rechecks_the_session(operator):
    socket, _ = await open_socket(operator)
    await socket.send_json_to({"type": "catch_up", "after": 0})
    assert (await socket.receive_json_from(timeout=3))["type"] == "catch_up"
    # The session ends without a signal (expired, flushed from the store): the next catch-up is refused.
    await sync_to_async(lambda: Session.objects.all().delete())()
    await socket.send_json_to({"type": "catch_up", "after": 0})
    await assert_closed(socket)
