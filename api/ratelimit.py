"""Calls per minute per token (per staff account for session use), counted in the cache.

A fixed one-minute window with an atomic increment: with REDIS_URL set the cache is Redis, so every
daphne process counts against the same number; without it (one process) the local-memory cache does.
"""

import time

from django.conf import settings
from django.core.cache import cache

WINDOW_SECONDS = 60
KEY_PREFIX = "api-rate"


def clock() -> float:
    return time.time()


def limit_for(token) -> int:
    if token is not None and token.rate_limit_per_minute:
        return token.rate_limit_per_minute
    return settings.API_RATE_LIMIT_PER_MINUTE


def hit(ident: str, limit: int, now: float | None = None) -> tuple[bool, int]:
    """Count one call for `ident`. Returns (allowed, seconds until the window resets)."""
    now = clock() if now is None else now
    window = int(now // WINDOW_SECONDS)
    retry_after = max(1, int((window + 1) * WINDOW_SECONDS - now + 0.999))
    key = f"{KEY_PREFIX}:{ident}:{window}"
    cache.add(key, 0, timeout=WINDOW_SECONDS + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.add(key, 1, timeout=WINDOW_SECONDS + 5)
        count = 1
    return count <= limit, retry_after
