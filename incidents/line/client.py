"""Every call ESS makes to LINE, in one small module (line-bot-sdk v3).

Settings are read at call time, so tests (and the demo) point `LINE_API_BASE_URL` and
`LINE_DATA_API_BASE_URL` at a fake LINE platform and nothing else changes. Errors come out as one
type, `LineError`, that says whether trying again later may help.

The SDK is imported on first use: `linebot.v3.messaging` takes seconds to import, and the webhook
(which never calls LINE) must not pay for it at start. The worker, which does, imports it when it
starts (`load_sdk`), not inside its first event.
"""

import logging
from dataclasses import dataclass
from functools import lru_cache

import urllib3
from django.conf import settings

log = logging.getLogger(__name__)


class LineError(Exception):
    """A call to LINE failed. `status` is the HTTP status (None: no answer: timeout, refused)."""

    def __init__(self, message: str, status: int | None = None, *, maybe_delivered: bool = False):
        super().__init__(message)
        self.status = status
        # The request reached LINE and no answer came back (read timeout, connection dropped mid-answer):
        # LINE may have acted on it. A refused or never-made connection is not that.
        self.maybe_delivered = maybe_delivered

    @property
    def retryable(self) -> bool:
        # No answer, rate limited (429: quota or burst) or LINE's own trouble (5xx): later may work.
        return self.status is None or self.status == 429 or self.status >= 500


@dataclass(frozen=True)
class Content:
    data: bytes
    content_type: str


def load_sdk() -> None:
    """Import the SDK now (the worker, at start: see incidents.line.worker.prepare)."""
    import linebot.v3.messaging  # noqa: F401


@lru_cache(maxsize=8)
def _api_client(host: str, token: str):
    from linebot.v3.messaging import ApiClient, Configuration

    # One connection pool per (host, token); urllib3's pool is thread-safe.
    return ApiClient(Configuration(host=host, access_token=token))


def _messaging():
    from linebot.v3.messaging import MessagingApi

    return MessagingApi(_api_client(settings.LINE_API_BASE_URL, settings.LINE_CHANNEL_ACCESS_TOKEN))


def _blob():
    from linebot.v3.messaging import MessagingApiBlob

    return MessagingApiBlob(_api_client(settings.LINE_DATA_API_BASE_URL, settings.LINE_CHANNEL_ACCESS_TOKEN))


def _timeout(seconds: float | None = None) -> float:
    return float(seconds if seconds is not None else settings.LINE_API_TIMEOUT_SECONDS)


def _call(what: str, fn, *args, **kwargs):
    from linebot.v3.messaging.exceptions import ApiException

    try:
        return fn(*args, **kwargs)
    except ApiException as exc:
        body = exc.body if isinstance(exc.body, str) else (exc.body or b"").decode("utf-8", "replace")
        raise LineError(f"{what}: HTTP {exc.status} {body[:300]}", status=exc.status) from exc
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise LineError(f"{what}: {type(exc).__name__}: {exc}", maybe_delivered=_sent_unanswered(exc)) from exc


def _sent_unanswered(exc: BaseException) -> bool:
    reason = getattr(exc, "reason", None) or exc  # MaxRetryError wraps the cause
    if isinstance(reason, urllib3.exceptions.ConnectTimeoutError | urllib3.exceptions.NewConnectionError):
        return False
    return isinstance(reason, urllib3.exceptions.ReadTimeoutError | urllib3.exceptions.ProtocolError | TimeoutError)


def _messages(messages: list[dict]) -> list:
    from linebot.v3.messaging import Message as LineMessage

    return [LineMessage.from_dict(m) for m in messages]


def reply(reply_token: str, messages: list[dict]) -> None:
    """Answer with a reply token (free, single use, good for about a minute)."""
    from linebot.v3.messaging import ReplyMessageRequest

    request = ReplyMessageRequest(reply_token=reply_token, messages=_messages(messages))
    _call("reply", _messaging().reply_message, request, _request_timeout=_timeout())


def push(user_id: str, messages: list[dict], retry_key: str) -> bool:
    """Push (counts against the quota). Returns False when LINE says the retry key was already
    accepted (409): the messages went out on an earlier attempt, so this one is a success too."""
    from linebot.v3.messaging import PushMessageRequest

    request = PushMessageRequest(to=user_id, messages=_messages(messages))
    try:
        _call("push", _messaging().push_message, request, x_line_retry_key=retry_key, _request_timeout=_timeout())
    except LineError as exc:
        if exc.status == 409:
            return False
        raise
    return True


def show_loading(user_id: str, seconds: int = 20) -> None:
    """The "…" animation in the reporter's chat while we work; purely cosmetic, so fast to give up."""
    from linebot.v3.messaging import ShowLoadingAnimationRequest

    request = ShowLoadingAnimationRequest(chat_id=user_id, loading_seconds=seconds)
    _call("loading", _messaging().show_loading_animation, request, _request_timeout=min(_timeout(), 2.0))


def profile(user_id: str) -> dict:
    """The reporter's LINE profile: displayName, language (may be absent)…"""
    response = _call("profile", _messaging().get_profile, user_id, _request_timeout=_timeout())
    return response.to_dict()


def content(message_id: str) -> Content | None:
    """A photo's (or file's) bytes from the data API host; None while LINE still prepares it (202)."""
    response = _call("content", _blob().get_message_content_with_http_info, message_id, _request_timeout=_timeout(15))
    if response.status_code == 202 or response.data is None:
        return None
    content_type = (response.headers or {}).get("Content-Type", "application/octet-stream")
    return Content(bytes(response.data), content_type.split(";")[0].strip())


# --- Channel set-up (manage.py line_setup): the webhook endpoint and the rich menu -----------------


def set_webhook_endpoint(url: str) -> None:
    from linebot.v3.messaging import SetWebhookEndpointRequest

    request = SetWebhookEndpointRequest(endpoint=url)
    _call("set webhook endpoint", _messaging().set_webhook_endpoint, request, _request_timeout=_timeout())


def webhook_endpoint() -> dict:
    """{"endpoint": …, "active": …}: active is the console's "Use webhook" switch."""
    return _call("get webhook endpoint", _messaging().get_webhook_endpoint, _request_timeout=_timeout()).to_dict()


def test_webhook_endpoint(url: str) -> dict:
    """LINE's own test call: LINE POSTs an empty, signed webhook to `url` and says how it was answered
    ({"success", "statusCode", "reason", "detail", "timestamp"})."""
    from linebot.v3.messaging import TestWebhookEndpointRequest

    request = TestWebhookEndpointRequest(endpoint=url)
    # LINE waits for our webhook to answer before it answers us: give it more than one LINE timeout.
    response = _call("test webhook", _messaging().test_webhook_endpoint, request, _request_timeout=_timeout(30))
    return response.to_dict()


def rich_menus() -> list[dict]:
    response = _call("list rich menus", _messaging().get_rich_menu_list, _request_timeout=_timeout())
    return [menu.to_dict() for menu in response.richmenus]


def default_rich_menu() -> str | None:
    try:
        response = _call("default rich menu", _messaging().get_default_rich_menu_id, _request_timeout=_timeout())
    except LineError as exc:
        if exc.status == 404:  # no default set
            return None
        raise
    return response.rich_menu_id


def create_rich_menu(menu: dict) -> str:
    from linebot.v3.messaging import RichMenuRequest

    request = RichMenuRequest.from_dict(menu)
    _call("validate rich menu", _messaging().validate_rich_menu_object, request, _request_timeout=_timeout())
    return _call("create rich menu", _messaging().create_rich_menu, request, _request_timeout=_timeout()).rich_menu_id


def upload_rich_menu_image(rich_menu_id: str, data: bytes, content_type: str = "image/png") -> None:
    _call(
        "upload rich menu image",
        _blob().set_rich_menu_image,
        rich_menu_id,
        data,
        _headers={"Content-Type": content_type},
        _request_timeout=_timeout(30),
    )


def set_default_rich_menu(rich_menu_id: str) -> None:
    _call("set default rich menu", _messaging().set_default_rich_menu, rich_menu_id, _request_timeout=_timeout())


def delete_rich_menu(rich_menu_id: str) -> None:
    _call("delete rich menu", _messaging().delete_rich_menu, rich_menu_id, _request_timeout=_timeout())
