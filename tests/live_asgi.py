"""The ASGI app the live test server runs: the real `ess.asgi.application`, plus one test-only hook.

POST /__tests__/call/ {"func": "dotted.path", "kwargs": {...}} runs that function inside the server
process (in Django's sync thread, as a view would), so what it publishes goes out on the server's own
channel layer. Browser tests use it to make changes "from the outside" when the change has no HTTP entry
of its own; with the in-memory layer (no Redis) that is the only way a change reaches the server's
consoles. This module is never part of a deployment: only tests.browser starts it, on 127.0.0.1.
"""

import json

from asgiref.sync import sync_to_async
from django.utils.module_loading import import_string

from ess.asgi import application as ess_application

CALL_PATH = "/__tests__/call/"


async def _read_body(receive) -> bytes:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


async def application(scope, receive, send):
    if scope["type"] == "http" and scope["path"] == CALL_PATH and scope["method"] == "POST":
        spec = json.loads(await _read_body(receive))
        func = import_string(spec["func"])
        result = await sync_to_async(func, thread_sensitive=True)(**spec.get("kwargs", {}))
        body = json.dumps({"pk": getattr(result, "pk", None), "repr": str(result)}).encode()
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})
        return
    await ess_application(scope, receive, send)
