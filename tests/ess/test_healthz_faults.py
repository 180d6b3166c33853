"""/healthz/ tells the truth under load and under faults (#12 items 4, 5), on a real daphne."""

import asyncio
import json
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import pytest
from channels.db import database_sync_to_async as sync_to_async
from django.conf import settings

from tests.browser import start_daphne, test_database_url
from tests.faults import Proxy

pytestmark = [pytest.mark.django_db(transaction=True)]


def probe(url: str) -> tuple[int, dict, float]:
    started = time.monotonic()
    try:
        with urllib.request.urlopen(f"{url}/healthz/", timeout=10) as response:
            status, body = response.status, json.load(response)
    except urllib.error.HTTPError as refused:
        status, body = refused.code, json.load(refused)
    return status, body, time.monotonic() - started


def session_cookie(user) -> str:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


@pytest.mark.redis
@pytest.mark.asyncio
async def test_it_answers_200_with_50_consoles_connected(operator):
    server = await sync_to_async(start_daphne)()
    try:
        cookie = await sync_to_async(session_cookie)(operator)
        headers = {"Origin": server.url, "Cookie": f"sessionid={cookie}"}
        async with aiohttp.ClientSession() as http:
            sockets = [await http.ws_connect(f"{server.ws_url}/ws/console/", headers=headers) for _ in range(50)]
            for ws in sockets:  # every console is joined and waiting on the layer
                await ws.send_json({"type": "catch_up", "after": 0})
            for ws in sockets:
                assert (await ws.receive_json(timeout=10))["type"] == "catch_up"
            results = [await asyncio.to_thread(probe, server.url) for _ in range(5)]
            for ws in sockets:
                await ws.close()
        assert [status for status, _, _ in results] == [200] * 5, results
        assert all(body["channel_layer"] == "ok" for _, body, _ in results)
    finally:
        await sync_to_async(server.stop)()


@pytest.mark.postgres
def test_it_answers_503_within_two_seconds_when_the_database_is_frozen():
    db = settings.DATABASES["default"]
    proxy = Proxy(db.get("HOST") or "127.0.0.1", int(db.get("PORT") or 5432))
    url = urlsplit(test_database_url())
    via_proxy = urlunsplit(url._replace(netloc=url.netloc.rsplit("@", 1)[0] + f"@127.0.0.1:{proxy.port}"))
    server = start_daphne(env={"DATABASE_URL": via_proxy})
    try:
        assert probe(server.url)[0] == 200
        proxy.freeze()  # PostgreSQL stops answering: nothing is closed, nothing comes back
        answers = [probe(server.url) for _ in range(3)]  # again and again, as a load balancer would
        for status, body, took in answers:
            assert status == 503 and body["database"].startswith("failed"), body
            assert took < 2.5, took  # HEALTH_TIMEOUT is 2 s: one probe stuck never makes the next wait
        proxy.thaw()
        deadline = time.monotonic() + 10
        while probe(server.url)[0] != 200:
            assert time.monotonic() < deadline, "the probe did not recover once the database answered"
            time.sleep(0.2)
    finally:
        proxy.thaw()
        server.stop()
        proxy.stop()
