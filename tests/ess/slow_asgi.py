"""A tiny ASGI app for tests/ess/test_server.py: GET /slow?seconds=N answers after N seconds."""

import asyncio
from urllib.parse import parse_qs


async def application(scope, receive, send):
    if scope["type"] != "http":
        return
    seconds = float(parse_qs(scope["query_string"].decode()).get("seconds", ["0"])[0])
    await asyncio.sleep(seconds)
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"finished"})
