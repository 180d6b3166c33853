"""Reading what LINE sends: the signature over the raw body, the body's shape, and each event.

We read the JSON ourselves instead of through the SDK's WebhookParser: the SDK turns an event that
lacks a field it expects into an `UnknownEvent` and drops what we need, while an emergency intake
must store every event as LINE sent it.
"""

import base64
import hashlib
import hmac
import json
import math
import re
import time
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


# What a stored event may hold. LINE's own limits are far lower (a text is at most 5,000 characters, an id
# 33–64); anything beyond these is not LINE's doing and is cut, never refused.
MAX_DEPTH = 20
MAX_STRING = 20_000
MAX_KEY = 200
MAX_INT_DIGITS = 20
# LINE's timestamp in milliseconds must be a date Python and PostgreSQL can hold (years 1970 to 9999).
MAX_TIMESTAMP_MS = 253_402_300_799_999
_UNSAFE = re.compile("[\x00\ud800-\udfff]")
_STRUCTURE = re.compile(r'["\[\]{}]')


def _number(text: str) -> int | None:
    # Python refuses to read an int of more than 4,300 digits (ValueError); no LINE field needs 20.
    return int(text) if len(text.lstrip("-")) <= MAX_INT_DIGITS else None


def _real(text: str) -> float | None:
    value = float(text)
    return value if math.isfinite(value) else None  # 1e999 reads as inf, which no database stores


def _loads(text: str):
    return json.loads(text, parse_int=_number, parse_float=_real, parse_constant=lambda _: None)


def _shallow(text: str, max_depth: int = MAX_DEPTH) -> str:
    """The JSON text with every array or object nested deeper than `max_depth` replaced by null, found by
    one iterative scan (json.loads recurses and fails on deep nesting, losing the whole body)."""
    out, depth, cut_at, kept_from, at = [], 0, 0, 0, 0
    while match := _STRUCTURE.search(text, at):
        char, at = match.group(), match.end()
        if char == '"':
            while True:  # to the closing quote, not counting escaped ones
                close = text.find('"', at)
                if close < 0:
                    return text  # an unterminated string: let json.loads say what is wrong
                before = close - 1
                while before >= at and text[before] == "\\":
                    before -= 1
                at = close + 1
                if (close - 1 - before) % 2 == 0:
                    break
        elif char in "[{":
            depth += 1
            if depth > max_depth and not cut_at:
                out.append(text[kept_from : match.start()] + "null")
                cut_at = depth
        else:
            if cut_at and depth == cut_at:
                cut_at, kept_from = 0, at
            depth -= 1
    if not cut_at:
        out.append(text[kept_from:])
    return "".join(out)


def clean(value, depth: int = 0):
    """A JSON value as we store it: NUL and lone surrogates out (PostgreSQL's jsonb refuses both), strings
    cut to MAX_STRING, nothing deeper than MAX_DEPTH."""
    if isinstance(value, str):
        if _UNSAFE.search(value):
            value = _UNSAFE.sub(lambda m: "" if m.group() == "\x00" else "\ufffd", value)
        return value[:MAX_STRING]
    if depth >= MAX_DEPTH and isinstance(value, dict | list):
        return None
    if isinstance(value, dict):
        return {clean(str(key))[:MAX_KEY]: clean(item, depth + 1) for key, item in value.items()}
    if isinstance(value, list):
        return [clean(item, depth + 1) for item in value]
    return value


def _derived_id(event: dict) -> str:
    """An id for an event whose webhookEventId is missing or unusable: the same event redelivered gets the
    same one (the delivery context, which changes on redelivery, is left out)."""
    same = {key: value for key, value in event.items() if key != "deliveryContext"}
    digest = hashlib.sha256(json.dumps(same, sort_keys=True, default=str).encode("utf-8", "replace")).hexdigest()
    return "x" + digest[:40]


def read_stored_event(raw, received_ms: int) -> dict | None:
    """One event as it will be stored, whatever LINE (or a bug) put in it; None when it is not an object.

    What cannot be used is replaced, never refused: an unusable webhookEventId by one derived from the
    event, a missing type by "unknown", a timestamp that is not a plausible date by the time we received it
    (the original stays in the payload as `originalTimestamp`)."""
    if not isinstance(raw, dict):
        return None
    event = clean(raw)
    event_id, kind, timestamp = event.get("webhookEventId"), event.get("type"), event.get("timestamp")
    if not isinstance(event_id, str) or not event_id.strip() or len(event_id) > 64:
        event["webhookEventId"] = _derived_id(event)
    if not isinstance(kind, str) or not kind:
        event["type"] = "unknown"
    else:
        event["type"] = kind[:32]
    if isinstance(timestamp, bool) or not isinstance(timestamp, int) or not 0 <= timestamp <= MAX_TIMESTAMP_MS:
        event["originalTimestamp"] = str(timestamp)[:40]
        event["timestamp"] = received_ms
    return event


def load_json(body: bytes):
    """The JSON of a webhook body, however deeply a hostile sender nested it (past MAX_DEPTH it is cut to
    null, never a RecursionError); BadWebhook when it is not JSON."""
    text = body.decode("utf-8", "replace")
    try:
        try:
            return _loads(text)
        except RecursionError:
            return _loads(_shallow(text))
    except (json.JSONDecodeError, RecursionError, ValueError) as exc:
        raise BadWebhook(f"not JSON: {exc}") from exc


def parse_body(body: bytes, received_ms: int | None = None) -> list[dict]:
    """The events of a webhook body, each made storable (read_stored_event); BadWebhook only when nothing
    in it can be read — not JSON, no events list, or no event that is an object."""
    received_ms = received_ms if received_ms is not None else int(time.time() * 1000)
    data = load_json(body)
    if not isinstance(data, dict) or not isinstance(data.get("events"), list):
        raise BadWebhook("no events list")
    events = [read_stored_event(raw, received_ms) for raw in data["events"]]
    readable = [event for event in events if event is not None]
    if len(readable) < len(events) and not readable:
        raise BadWebhook("no event is an object")
    return readable


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
