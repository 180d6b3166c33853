"""#11 item 5: a session that passed the password but not the second factor opens no live socket."""

import asyncio
import contextlib

import pytest
import pytest_asyncio
from channels.db import database_sync_to_async as sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.test import Client

from console.consumers import EventTail
from ess.asgi import application
from tests.conftest import PASSWORD
from tests.two_factor import authenticator, code_for

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


async def connect(client: Client):
    cookie = client.cookies["sessionid"].value
    headers = [(b"origin", b"http://testserver"), (b"cookie", f"sessionid={cookie}".encode())]
    socket = WebsocketCommunicator(application, "/ws/console/", headers=headers)
    connected, _ = await socket.connect()
    return socket, connected


async def test_a_password_alone_opens_no_console_socket_until_the_code(supervisor_bkk):
    def password_login():
        device = authenticator(supervisor_bkk)
        client = Client()
        client.post("/accounts/login/", {"username": supervisor_bkk.username, "password": PASSWORD})
        return client, device

    client, device = await sync_to_async(password_login)()
    socket, connected = await connect(client)
    assert not connected
    await socket.disconnect()

    def verify():
        assert client.post("/accounts/two-factor/", {"code": code_for(device)}).status_code == 302

    await sync_to_async(verify)()
    socket, connected = await connect(client)
    assert connected
    await socket.disconnect()


async def test_catch_up_is_refused_once_the_second_factor_is_reset(supervisor_bkk, admin_user):
    def verified_login():
        client = Client()
        client.force_login(supervisor_bkk)  # verified, as after a code (tests/two_factor.py)
        return client

    client = await sync_to_async(verified_login)()
    socket, connected = await connect(client)
    assert connected
    await socket.send_json_to({"type": "catch_up", "after": 0})
    assert (await socket.receive_json_from(timeout=3))["type"] == "catch_up"

    def reset():
        from ess import accounts

        accounts.reset_two_factor(admin_user, supervisor_bkk.pk)

    await sync_to_async(reset)()
    await socket.send_json_to({"type": "catch_up", "after": 0})
    message = await socket.receive_output(timeout=3)
    while message["type"] != "websocket.close":
        message = await socket.receive_output(timeout=3)
    assert message["code"] == 4401
