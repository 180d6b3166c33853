"""Checks on the webhook beyond its signature (#11 item 9), each a small function the view calls.

- `destination_matches`: LINE puts the bot's user id in every body's `destination`. With
  LINE_BOT_USER_ID set, a body for another bot (a signed body replayed from another channel that shares
  a secret by mistake, a test channel pointed at production) is refused. Unset: not checked.
- `fresh_events`: with LINE_EVENT_MAX_AGE_SECONDS set (0, the default, is off), events older than that
  are dropped. Redelivered events are recognised by their webhookEventId, which the inbox keeps; once a
  purge removes old inbox rows, set this below the purge's age so an old event cannot be replayed as new.
- `BadSignatureLimit`: a per-address limit that counts only requests whose signature is missing or wrong.
  LINE's requests are always signed, so however large its bursts (LINE sends one request per event
  batch, hundreds a second at peak) they are never counted nor refused, even from an address a forger
  shares (a proxy that hides client addresses). A forger's address that sent more than
  LINE_WEBHOOK_BAD_SIGNATURES_PER_MINUTE (30) bad bodies in a minute is answered 429, without a log
  line, for the rest of that minute. The HMAC is still computed for each request; its cost is bounded by
  LINE_WEBHOOK_MAX_BYTES (1 MB: measured 14 ms on a busy 2-core test machine), and nginx in front limits connections.
"""

import time

from django.conf import settings
from django.core.cache import cache

from incidents.line import parser


def _destination(body: bytes) -> str | None:
    # The parser's loader: a hostile, deeply nested body is cut, never a RecursionError (a 500), and our
    # own bot's body keeps its destination however deep something inside it goes.
    try:
        data = parser.load_json(body)
    except parser.BadWebhook:
        return None
    return data.get("destination") if isinstance(data, dict) else None


def is_drill(body: bytes) -> bool:
    """The body is the drill player's (#17): addressed to LINE_DRILL_DESTINATION (and signed, checked
    before). Everything in it is a drill event. LINE's own bodies never hold that text, so they are not
    parsed here (a byte search first)."""
    expected = settings.LINE_DRILL_DESTINATION
    return bool(expected) and expected.encode() in body and _destination(body) == expected


def destination_matches(body: bytes) -> bool:
    expected = settings.LINE_BOT_USER_ID
    if not expected or is_drill(body):
        return True
    return _destination(body) == expected


def fresh_events(events: list[dict], now_ms: int | None = None) -> list[dict]:
    """The events not older than LINE_EVENT_MAX_AGE_SECONDS (all of them when that is 0)."""
    limit = settings.LINE_EVENT_MAX_AGE_SECONDS
    if limit <= 0:
        return events
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    oldest = now_ms - limit * 1000
    return [e for e in events if int(e.get("timestamp") or 0) >= oldest]


class BadSignatureLimit:
    KEY = "line-webhook-bad-signature"

    @classmethod
    def _key(cls, address: str, now: float) -> str:
        return f"{cls.KEY}:{address}:{int(now // 60)}"

    @classmethod
    async def blocked(cls, address: str, now: float | None = None) -> bool:
        count = await cache.aget(cls._key(address, time.time() if now is None else now), 0)
        return count >= settings.LINE_WEBHOOK_BAD_SIGNATURES_PER_MINUTE

    @classmethod
    async def count(cls, address: str, now: float | None = None) -> None:
        key = cls._key(address, time.time() if now is None else now)
        if not await cache.aadd(key, 1, timeout=120):
            try:
                await cache.aincr(key)
            except ValueError:  # expired between the two calls
                await cache.aset(key, 1, timeout=120)
