"""The console's live updates across real daphne processes (the production shape: several workers)."""

import aiohttp
import pytest
from channels.db import database_sync_to_async as sync_to_async  # closes its connections

from tests.browser import start_daphne

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


def session_cookie(user) -> str:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


@pytest.mark.redis
async def test_a_case_created_through_one_daphne_shows_on_a_console_of_another(operator):
    first = await sync_to_async(start_daphne)()
    second = await sync_to_async(start_daphne)()
    try:
        cookie = await sync_to_async(session_cookie)(operator)
        headers = {"Origin": second.url, "Cookie": f"sessionid={cookie}"}
        async with (
            aiohttp.ClientSession() as http,
            http.ws_connect(f"{second.ws_url}/ws/console/", headers=headers) as ws,
        ):
            # The catch-up answer proves the socket is joined to its groups before the case is created.
            await ws.send_json({"type": "catch_up", "after": 0})
            assert (await ws.receive_json(timeout=5))["type"] == "catch_up"
            created = await sync_to_async(first.call)("tests.factories.make_incident")
            message = await ws.receive_json(timeout=5)
            assert message["type"] == "case" and message["kind"] == "created"
            assert message["incident_id"] == created["pk"]
            assert created["repr"] in message["row"]
    finally:
        await sync_to_async(first.stop)()
        await sync_to_async(second.stop)()


async def test_a_real_daphne_refuses_an_anonymous_console_socket():
    server = await sync_to_async(start_daphne)()
    try:
        async with aiohttp.ClientSession() as http:
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await http.ws_connect(f"{server.ws_url}/ws/console/", headers={"Origin": server.url})
            assert refused.value.status == 403
    finally:
        await sync_to_async(server.stop)()
