"""A fake LINE platform on loopback: for the tests, and for the demo's phone simulator (/dev/line/).

It is a small WSGI app that answers the parts of the Messaging API and the data API that ESS calls
(reply, push, loading animation, profile, message content; for `line_setup` the webhook endpoint, its
test call and rich menus) the way LINE documents them — single-use reply tokens, 409 for a repeated
`X-Line-Retry-Key`, 202 while content is being prepared, LINE's limits on rich menus and their images —
and records every call. It can be told to fail (5xx, 429) or to be slow. It also plays the citizen's
phone: it hands out reply tokens, keeps what the bot sent to each user, and builds properly signed
webhook bodies shaped like LINE's documented events.

Serve it with `serve()` (a threaded wsgiref server on 127.0.0.1:0) or `manage.py fake_line`.
"""

import datetime as dt
import io
import json
import re
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from incidents.line.parser import signature

# --- Events shaped like LINE's documentation ----------------------------------------------------------


def _event_id() -> str:
    return uuid.uuid4().hex.upper()[:26]  # LINE's ids are 26-character ULIDs


def make_event(
    kind: str,
    user_id: str,
    *,
    reply_token: str | None = None,
    timestamp: int | None = None,
    message: dict | None = None,
    postback: dict | None = None,
    event_id: str | None = None,
    redelivery: bool = False,
) -> dict:
    """One webhook event (follow, unfollow, message, postback) from a user's 1:1 chat."""
    event = {
        "type": kind,
        "mode": "active",
        "timestamp": timestamp if timestamp is not None else int(time.time() * 1000),
        "source": {"type": "user", "userId": user_id},
        "webhookEventId": event_id or _event_id(),
        "deliveryContext": {"isRedelivery": redelivery},
    }
    if kind != "unfollow":
        event["replyToken"] = reply_token or uuid.uuid4().hex
    if kind == "follow":
        event["follow"] = {"isUnblocked": False}
    if message is not None:
        event["message"] = message
    if postback is not None:
        event["postback"] = postback
    return event


def text_message(text: str) -> dict:
    return {"id": str(uuid.uuid4().int)[:18], "type": "text", "quoteToken": uuid.uuid4().hex, "text": text}


def location_message(latitude: float, longitude: float, address: str = "", title: str = "") -> dict:
    message = {"id": str(uuid.uuid4().int)[:18], "type": "location", "latitude": latitude, "longitude": longitude}
    if address:
        message["address"] = address
    if title:
        message["title"] = title
    return message


def image_message(message_id: str | None = None) -> dict:
    return {
        "id": message_id or str(uuid.uuid4().int)[:18],
        "type": "image",
        "quoteToken": uuid.uuid4().hex,
        "contentProvider": {"type": "line"},
    }


def sticker_message() -> dict:
    return {
        "id": str(uuid.uuid4().int)[:18],
        "type": "sticker",
        "packageId": "446",
        "stickerId": "1988",
        "stickerResourceType": "STATIC",
        "keywords": ["Happy", "Hi"],
        "quoteToken": uuid.uuid4().hex,
    }


def file_message(name: str = "report.pdf") -> dict:
    return {"id": str(uuid.uuid4().int)[:18], "type": "file", "fileName": name, "fileSize": 2048}


def body_of(events: list[dict], destination: str = "U00000000000000000000000000000000") -> bytes:
    return json.dumps({"destination": destination, "events": events}, separators=(",", ":")).encode("utf-8")


def signed(events: list[dict], secret: str) -> tuple[bytes, str]:
    """A webhook body and its X-Line-Signature."""
    body = body_of(events)
    return body, signature(body, secret)


# --- Simulated places for the location button ---------------------------------------------------------

PLACES = {
    "bangkok": {
        "latitude": 13.7466,
        "longitude": 100.5347,
        "title": "สยามสแควร์",
        "address": "ถนนพระรามที่ 1 แขวงปทุมวัน เขตปทุมวัน กรุงเทพมหานคร 10330 ประเทศไทย",
    },
    "chiangmai": {
        "latitude": 18.7953,
        "longitude": 98.9620,
        "title": "ถนนห้วยแก้ว",
        "address": "ถนนห้วยแก้ว ตำบลสุเทพ อำเภอเมืองเชียงใหม่ เชียงใหม่ 50200 ประเทศไทย",
    },
    "coordinates": {"latitude": 18.7883, "longitude": 98.9853, "title": "", "address": ""},
}


# --- The platform ---------------------------------------------------------------------------------------


@dataclass
class Call:
    method: str
    path: str
    headers: dict
    body: dict | None
    status: int
    started: float = 0.0  # time.time() when the request arrived
    answered: float = 0.0  # … and when its answer left (after `delay`)


@dataclass
class FakeLine:
    """The platform's state; thread-safe. `calls` records every request in order."""

    calls: list[Call] = field(default_factory=list)
    delay: float = 0.0  # seconds before every API answer (a slow LINE)
    profiles: dict = field(default_factory=dict)
    contents: dict = field(default_factory=dict)  # message id → (bytes, content type)
    preparing: dict = field(default_factory=dict)  # message id → how many more 202s
    phones: dict = field(default_factory=dict)  # user id → [{"message": …, "via": reply|push}]
    _failures: list = field(default_factory=list)  # [(path fragment, status, times left)]
    _tokens: dict = field(default_factory=dict)  # reply token → user id
    _used_tokens: set = field(default_factory=set)
    _retry_keys: dict = field(default_factory=dict)  # retry key → request id
    _lock: threading.RLock = field(default_factory=threading.RLock)
    # The channel: its webhook, its rich menus (LINE keeps up to 1000), and the default one.
    channel_secret: str = ""  # signs the webhook test call; "" signs with a secret nobody has
    webhook_endpoint: str = ""
    webhook_active: bool = True  # the console's "Use webhook" switch (not settable through the API)
    richmenus: dict = field(default_factory=dict)  # id → rich menu object (with richMenuId)
    richmenu_images: dict = field(default_factory=dict)  # id → (bytes, content type)
    default_richmenu: str = ""
    # How the test call reaches the webhook: (url, body, headers) → HTTP status. Tests swap in Django's
    # test client; by default it is a real HTTP POST.
    deliver: object = None

    # --- controls ---

    def fail(self, fragment: str, status: int, times: int = 1) -> None:
        """Answer the next `times` calls whose path contains `fragment` with `status`."""
        with self._lock:
            self._failures.append([fragment, status, times])

    def issue_reply_token(self, user_id: str) -> str:
        token = uuid.uuid4().hex
        with self._lock:
            self._tokens[token] = user_id
        return token

    def expire_reply_token(self, token: str) -> None:
        with self._lock:
            self._used_tokens.add(token)

    def set_profile(self, user_id: str, *, language: str = "th", name: str = "") -> None:
        with self._lock:
            self.profiles[user_id] = {
                "userId": user_id,
                "displayName": name or f"ผู้ใช้ {user_id[-4:]}",
                "language": language,
            }

    def add_content(self, message_id: str, data: bytes, content_type: str = "image/jpeg", preparing: int = 0):
        with self._lock:
            self.contents[message_id] = (data, content_type)
            self.preparing[message_id] = preparing

    def sent(self, kind: str | None = None) -> list[Call]:
        """Calls LINE accepted (2xx), optionally only replies or pushes."""
        with self._lock:
            return [c for c in self.calls if 200 <= c.status < 300 and (kind is None or c.path.endswith(kind))]

    def delivered(self, user_id: str) -> list[dict]:
        with self._lock:
            return list(self.phones.get(user_id, []))

    def delivered_texts(self, user_id: str) -> list[str]:
        return [m["message"].get("text", "") for m in self.delivered(user_id)]

    # --- WSGI ---

    def __call__(self, environ, start_response):
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        if environ.get("CONTENT_TYPE"):  # WSGI keeps it outside the HTTP_ variables
            headers["content-type"] = environ["CONTENT_TYPE"]
        if path.startswith("/_fake/"):
            status, payload, content_type = self._simulator(method, path, raw, environ)
            body = None
        else:
            started = time.time()
            body = _json(raw)
            status, payload, content_type = self._api(method, path, headers, body, raw)
            call = Call(method, path, headers, body, status, started)
            with self._lock:
                self.calls.append(call)
            if self.delay:
                # LINE has acted on the request; only its answer is late (the client may give up first).
                time.sleep(self.delay)
            call.answered = time.time()
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode("utf-8")
        extra = [("x-line-request-id", uuid.uuid4().hex)]
        start_response(
            f"{status} {_REASONS.get(status, 'Status')}",
            [("Content-Type", content_type), ("Content-Length", str(len(data))), *extra],
        )
        return [data]

    def _failure(self, path: str) -> int | None:
        with self._lock:
            for item in self._failures:
                if item[0] in path and item[2] > 0:
                    item[2] -= 1
                    return item[1]
        return None

    def _api(self, method: str, path: str, headers: dict, body: dict | None, raw: bytes = b""):
        if headers.get("authorization", "") in ("", "Bearer "):
            return 401, {"message": "Authentication failed"}, "application/json"
        failure = self._failure(path)
        if failure:
            return failure, {"message": "fake failure"}, "application/json"
        if method == "POST" and path == "/v2/bot/message/reply":
            return self._reply(headers, body or {})
        if method == "POST" and path == "/v2/bot/message/push":
            return self._push(headers, body or {})
        if method == "POST" and path == "/v2/bot/chat/loading/start":
            return 202, {}, "application/json"
        if match := re.fullmatch(r"/v2/bot/profile/(\w+)", path):
            with self._lock:
                profile = self.profiles.get(match[1]) or {
                    "userId": match[1],
                    "displayName": "LINE user",
                    "language": "th",
                }
            return 200, profile, "application/json"
        if match := re.fullmatch(r"/v2/bot/message/(\w+)/content", path):
            return self._content(match[1])
        if path.startswith(("/v2/bot/channel/webhook/", "/v2/bot/richmenu", "/v2/bot/user/all/richmenu")):
            return self._channel(method, path, headers, body, raw)
        return 404, {"message": "Not found"}, "application/json"

    # --- the channel's set-up: webhook endpoint and rich menus ---

    def _channel(self, method: str, path: str, headers: dict, body: dict | None, raw: bytes):
        body = body or {}
        with self._lock:
            if path == "/v2/bot/channel/webhook/endpoint":
                if method == "PUT":
                    endpoint = body.get("endpoint")
                    if not isinstance(endpoint, str) or not endpoint.startswith("https://") or len(endpoint) > 500:
                        return 400, {"message": "Invalid webhook endpoint URL"}, "application/json"
                    self.webhook_endpoint = endpoint
                    return 200, {}, "application/json"
                if method == "GET":
                    return 200, {"endpoint": self.webhook_endpoint, "active": self.webhook_active}, "application/json"
            if path == "/v2/bot/channel/webhook/test" and method == "POST":
                endpoint = body.get("endpoint") or self.webhook_endpoint
                if not endpoint:
                    return 400, {"message": "Webhook endpoint is not set"}, "application/json"
            if path == "/v2/bot/richmenu/list" and method == "GET":
                return 200, {"richmenus": list(self.richmenus.values())}, "application/json"
            if path in ("/v2/bot/richmenu", "/v2/bot/richmenu/validate") and method == "POST":
                problem = _richmenu_problem(body)
                if problem:
                    return 400, {"message": "The request body has 1 error(s)", "details": [problem]}, "application/json"
                if path.endswith("/validate"):
                    return 200, {}, "application/json"
                if len(self.richmenus) >= 1000:
                    return (
                        400,
                        {"message": "Can't create a rich menu: the limit of 1000 is reached"},
                        "application/json",
                    )
                menu_id = f"richmenu-{uuid.uuid4().hex}"
                self.richmenus[menu_id] = {"richMenuId": menu_id, **body}
                return 200, {"richMenuId": menu_id}, "application/json"
            if path == "/v2/bot/user/all/richmenu" and method == "GET":
                if not self.default_richmenu:
                    return 404, {"message": "no default richmenu"}, "application/json"
                return 200, {"richMenuId": self.default_richmenu}, "application/json"
            if path == "/v2/bot/user/all/richmenu" and method == "DELETE":
                self.default_richmenu = ""
                return 200, {}, "application/json"
            if match := re.fullmatch(r"/v2/bot/user/all/richmenu/([\w-]+)", path):
                if method != "POST" or match[1] not in self.richmenus:
                    return 404, {"message": "richmenu not found"}, "application/json"
                if match[1] not in self.richmenu_images:
                    return 400, {"message": "must upload richmenu image before applying it to user"}, "application/json"
                self.default_richmenu = match[1]
                return 200, {}, "application/json"
            if match := re.fullmatch(r"/v2/bot/richmenu/([\w-]+)/content", path):
                menu = self.richmenus.get(match[1])
                if menu is None:
                    return 404, {"message": "Not found"}, "application/json"
                if method == "GET":
                    if match[1] not in self.richmenu_images:
                        return 404, {"message": "Not found"}, "application/json"
                    data, content_type = self.richmenu_images[match[1]]
                    return 200, data, content_type
                if method == "POST":
                    if match[1] in self.richmenu_images:
                        return (
                            400,
                            {"message": "An image has already been uploaded to the richmenu"},
                            "application/json",
                        )
                    problem = _richmenu_image_problem(raw, headers.get("content-type", ""), menu)
                    if problem:
                        return 400, {"message": problem}, "application/json"
                    self.richmenu_images[match[1]] = (raw, headers.get("content-type", ""))
                    return 200, {}, "application/json"
            if match := re.fullmatch(r"/v2/bot/richmenu/([\w-]+)", path):
                if match[1] not in self.richmenus:
                    return 404, {"message": "richmenu not found"}, "application/json"
                if method == "GET":
                    return 200, self.richmenus[match[1]], "application/json"
                if method == "DELETE":
                    del self.richmenus[match[1]]
                    self.richmenu_images.pop(match[1], None)
                    if self.default_richmenu == match[1]:
                        self.default_richmenu = ""
                    return 200, {}, "application/json"
        if path == "/v2/bot/channel/webhook/test" and method == "POST":
            # Outside the lock: LINE waits for the webhook's answer (which may call back into the fake).
            return self._test_webhook(endpoint)
        return 404, {"message": "Not found"}, "application/json"

    def _test_webhook(self, endpoint: str):
        """As LINE does: POST an empty, signed event list to the endpoint and report how it answered."""
        body = json.dumps({"destination": "U" + "0" * 32, "events": []}, separators=(",", ":")).encode()
        secret = self.channel_secret or uuid.uuid4().hex
        headers = {"Content-Type": "application/json", "X-Line-Signature": signature(body, secret)}
        try:
            status = (self.deliver or _http_deliver)(endpoint, body, headers)
        except OSError as exc:
            status, reason = 0, f"{type(exc).__name__}: {exc}"
        else:
            reason = _REASONS.get(status, "Status")
        answer = {
            "success": status == 200,
            "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "statusCode": status,
            "reason": reason,
            "detail": str(status),
        }
        return 200, answer, "application/json"

    def _sent_messages(self, messages: list) -> dict:
        return {"sentMessages": [{"id": str(uuid.uuid4().int)[:18], "quoteToken": uuid.uuid4().hex} for _ in messages]}

    def _reply(self, headers: dict, body: dict):
        if "x-line-retry-key" in headers:
            return 400, {"message": "X-Line-Retry-Key is not supported on this endpoint"}, "application/json"
        token, messages = body.get("replyToken", ""), body.get("messages") or []
        with self._lock:
            user = self._tokens.get(token)
            if user is None or token in self._used_tokens or not 1 <= len(messages) <= 5:
                return 400, {"message": "Invalid reply token"}, "application/json"
            self._used_tokens.add(token)
            self.phones.setdefault(user, []).extend({"message": m, "via": "reply"} for m in messages)
        return 200, self._sent_messages(messages), "application/json"

    def _push(self, headers: dict, body: dict):
        key, user, messages = headers.get("x-line-retry-key"), body.get("to", ""), body.get("messages") or []
        if not user or not 1 <= len(messages) <= 5:
            return 400, {"message": "The request body has 1 error(s)"}, "application/json"
        with self._lock:
            if key and key in self._retry_keys:
                return 409, {"message": "The retry key is already accepted", "sentMessages": []}, "application/json"
            if key:
                self._retry_keys[key] = uuid.uuid4().hex
            self.phones.setdefault(user, []).extend({"message": m, "via": "push"} for m in messages)
        return 200, self._sent_messages(messages), "application/json"

    def _content(self, message_id: str):
        with self._lock:
            if message_id not in self.contents:
                return 404, {"message": "Not found"}, "application/json"
            if self.preparing.get(message_id, 0) > 0:
                self.preparing[message_id] -= 1
                return 202, b"", "application/octet-stream"
            data, content_type = self.contents[message_id]
        return 200, data, content_type

    # --- the simulator's side (the citizen's phone) ---

    def _simulator(self, method: str, path: str, raw: bytes, environ):
        if match := re.fullmatch(r"/_fake/phone/(\w+)", path):
            after = int((environ.get("QUERY_STRING") or "after=0").partition("=")[2] or 0)
            items = self.delivered(match[1])
            return 200, {"messages": items[after:], "count": len(items)}, "application/json"
        if method == "POST" and (match := re.fullmatch(r"/_fake/token/(\w+)", path)):
            return 200, {"replyToken": self.issue_reply_token(match[1])}, "application/json"
        if method == "POST" and (match := re.fullmatch(r"/_fake/profile/(\w+)", path)):
            data = _json(raw) or {}
            self.set_profile(match[1], language=data.get("language", "th"), name=data.get("name", ""))
            return 200, {}, "application/json"
        if method == "POST" and (match := re.fullmatch(r"/_fake/content/(\w+)", path)):
            self.add_content(match[1], raw, environ.get("CONTENT_TYPE") or "image/jpeg")
            return 200, {}, "application/json"
        return 404, {"message": "Not found"}, "application/json"


def _http_deliver(url: str, body: bytes, headers: dict) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


# LINE's limits on rich menus (Messaging API reference, "Rich menu object", "Upload rich menu image").
RICHMENU_MAX_AREAS = 20
RICHMENU_MAX_IMAGE_BYTES = 1024 * 1024
_ACTIONS = {"postback", "message", "uri", "datetimepicker", "richmenuswitch"}


def _richmenu_problem(menu: dict) -> str:
    size = menu.get("size") or {}
    width, height = size.get("width"), size.get("height")
    if not isinstance(width, int) or not isinstance(height, int) or not 800 <= width <= 2500 or height < 250:
        return "size: width must be 800-2500 and height at least 250"
    if width / height < 1.45:
        return "size: width/height must be at least 1.45"
    if not isinstance(menu.get("selected"), bool):
        return "selected: must be a boolean"
    if not isinstance(menu.get("name"), str) or not 1 <= len(menu["name"]) <= 300:
        return "name: 1-300 characters"
    if not isinstance(menu.get("chatBarText"), str) or not 1 <= len(menu["chatBarText"]) <= 14:
        return "chatBarText: 1-14 characters"
    areas = menu.get("areas")
    if not isinstance(areas, list) or not 1 <= len(areas) <= RICHMENU_MAX_AREAS:
        return f"areas: 1-{RICHMENU_MAX_AREAS} areas"
    for index, area in enumerate(areas):
        b = area.get("bounds") or {}
        if not all(isinstance(b.get(k), int) and b[k] >= 0 for k in ("x", "y", "width", "height")):
            return f"areas[{index}].bounds: x, y, width, height"
        if b["x"] + b["width"] > width or b["y"] + b["height"] > height:
            return f"areas[{index}].bounds: outside the rich menu"
        action = area.get("action") or {}
        if action.get("type") not in _ACTIONS:
            return f"areas[{index}].action.type: {action.get('type')!r} is not allowed in a rich menu"
        if len(action.get("label", "")) > 20:
            return f"areas[{index}].action.label: at most 20 characters"
        if action["type"] == "postback" and not 1 <= len(action.get("data", "")) <= 300:
            return f"areas[{index}].action.data: 1-300 characters"
        if action["type"] == "uri" and not re.match(r"(https?|line|tel):", action.get("uri", "")):
            return f"areas[{index}].action.uri: http, https, line or tel"
    return ""


def _richmenu_image_problem(data: bytes, content_type: str, menu: dict) -> str:
    from PIL import Image  # only here: the fake's other endpoints need no Pillow

    if content_type.split(";")[0].strip() not in ("image/png", "image/jpeg"):
        return "Content-Type must be image/png or image/jpeg"
    if len(data) > RICHMENU_MAX_IMAGE_BYTES:
        return "The image is larger than 1 MB"
    try:
        with Image.open(io.BytesIO(data)) as picture:
            picture_format, (width, height) = picture.format, picture.size
    except OSError:
        return "The image cannot be read"
    if picture_format not in ("PNG", "JPEG"):
        return "The image must be PNG or JPEG"
    if not 800 <= width <= 2500 or height < 250 or width / height < 1.45:
        return "The image must be 800-2500 px wide, at least 250 px high, width/height at least 1.45"
    if (width, height) != (menu["size"]["width"], menu["size"]["height"]):
        return "The image size does not match the rich menu's size"
    return ""


def _json(raw: bytes) -> dict | None:
    try:
        return json.loads(raw.decode("utf-8")) if raw else None
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None


_REASONS = {
    200: "OK",
    202: "Accepted",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


@dataclass
class Running:
    platform: FakeLine
    server: WSGIServer
    thread: threading.Thread

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def serve(platform: FakeLine | None = None, host: str = "127.0.0.1", port: int = 0) -> Running:
    platform = platform or FakeLine()
    server = make_server(host, port, platform, server_class=_Server, handler_class=_QuietHandler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-line", daemon=True
    )
    thread.start()
    return Running(platform, server, thread)
