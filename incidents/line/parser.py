"""Reading what LINE sends: the signature over the raw body, the body's shape, and each event.

We read the JSON ourselves instead of through the SDK's WebhookParser: the SDK turns an event that
lacks a field it expects into an `UnknownEvent` and drops what we need, while an emergency intake
must store every event as LINE sent it.
"""

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass, field


class BadWebhook(Exception):
    """The body is not a LINE webhook: nothing of it is stored."""


def signature(body: bytes, channel_secret: str) -> str:
    digest = hmac.new(channel_secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def signature_is_valid(body: bytes, header: str | None, channel_secret: str) -> bool:
    """HMAC-SHA256 of the *raw* body bytes with the channel secret (never of re-serialised JSON)."""
    if not header or not channel_secret:
        return False
    expected = signature(body, channel_secret).encode("ascii")
    return hmac.compare_digest(expected, header.strip().encode("ascii", "replace"))


def parse_body(body: bytes) -> list[dict]:
    """The events of a webhook body, each checked for the fields we store; BadWebhook otherwise."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadWebhook(f"not JSON: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("events"), list):
        raise BadWebhook("no events list")
    events = data["events"]
    for event in events:
        if not isinstance(event, dict):
            raise BadWebhook("an event is not an object")
        event_id, kind, timestamp = event.get("webhookEventId"), event.get("type"), event.get("timestamp")
        if not isinstance(event_id, str) or not event_id or len(event_id) > 64:
            raise BadWebhook("an event has no webhookEventId")
        if not isinstance(kind, str) or not kind or len(kind) > 32:
            raise BadWebhook("an event has no type")
        if not isinstance(timestamp, int) or isinstance(timestamp, bool):
            raise BadWebhook("an event has no timestamp")
    return events


def user_id_of(event: dict) -> str:
    source = event.get("source")
    if isinstance(source, dict) and isinstance(source.get("userId"), str):
        return source["userId"][:64]
    return ""


def is_redelivery(event: dict) -> bool:
    context = event.get("deliveryContext")
    return bool(isinstance(context, dict) and context.get("isRedelivery"))


@dataclass(frozen=True)
class Event:
    """The parts of a stored event the conversation needs, read defensively."""

    kind: str  # follow, unfollow, message, postback, …
    user_id: str
    reply_token: str = ""
    message_kind: str = ""  # text, image, location, sticker, audio, video, file
    message_id: str = ""
    text: str = ""
    postback: str = ""
    latitude: float | None = None
    longitude: float | None = None
    address: str = ""
    title: str = ""
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_user_chat(self) -> bool:
        source = self.raw.get("source")
        return bool(self.user_id) and isinstance(source, dict) and source.get("type", "user") == "user"


def _float(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if -180.0 <= number <= 180.0 else None


def read_event(raw: dict) -> Event:
    message = raw.get("message") if isinstance(raw.get("message"), dict) else {}
    postback = raw.get("postback") if isinstance(raw.get("postback"), dict) else {}
    kind = str(raw.get("type", ""))
    return Event(
        kind=kind,
        user_id=user_id_of(raw),
        reply_token=str(raw.get("replyToken") or ""),
        message_kind=str(message.get("type", "")) if kind == "message" else "",
        message_id=str(message.get("id", "")),
        text=str(message.get("text", "")),
        postback=str(postback.get("data", "")),
        latitude=_float(message.get("latitude")),
        longitude=_float(message.get("longitude")),
        address=str(message.get("address") or ""),
        title=str(message.get("title") or ""),
        raw=raw,
    )
