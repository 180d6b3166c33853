"""HTTP load for the benchmarks (aiohttp, one event loop: the client's own cost stays small on a 2-core
machine it shares with the server). Closed loop (`throughput`: N requests in flight, each sent as soon as
the previous answered) and open loop (`open_loop`: on schedule, like LINE's servers)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


@dataclass
class Result:
    requests: int
    ok: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def p(self, q: float) -> float:
        return percentile(self.latencies_ms, q)

    def summary(self) -> str:
        return (
            f"{self.requests} req, {self.ok} 2xx, {self.rate:.1f}/s, p50 {self.p(50):.1f} ms, "
            f"p95 {self.p(95):.1f} ms, p99 {self.p(99):.1f} ms"
        )


def line_event(user: str, kind: str = "text", n: int = 0, message: dict | None = None) -> dict:
    """One LINE message event as LINE sends it (unique webhookEventId)."""
    return {
        "type": "message",
        "mode": "active",
        "timestamp": int(time.time() * 1000),
        "source": {"type": "user", "userId": user},
        "webhookEventId": uuid.uuid4().hex.upper()[:26],
        "deliveryContext": {"isRedelivery": False},
        "replyToken": uuid.uuid4().hex,
        "message": message or {"id": str(n), "type": kind, "quoteToken": uuid.uuid4().hex, "text": f"ทดสอบ {n} 🙏"},
    }


def signed_body(events: list[dict], secret: str) -> tuple[bytes, dict]:
    body = json.dumps({"destination": "U" + "0" * 32, "events": events}, separators=(",", ":")).encode()
    signature = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    return body, {"Content-Type": "application/json", "X-Line-Signature": signature}


def webhook_request(secret: str, users: int = 200, prefix: str = "Ubench") -> Callable[[int], tuple]:
    """A factory of signed webhook requests: one text event each, from one of `users` citizens."""

    def make(i: int) -> tuple:
        body, headers = signed_body([line_event(f"{prefix}{i % users:027d}", n=i)], secret)
        return "POST", "/line/webhook/", body, headers

    return make


def get_request(path: str) -> Callable[[int], tuple]:
    return lambda i: ("GET", path, None, {})


async def _timed(http, base: str, request, latencies: list[float], counts: dict) -> None:
    """Send one (method, path, body, headers) request; record its latency and count a 2xx answer."""
    import aiohttp

    method, path, body, headers = request
    t = time.perf_counter()
    try:
        async with http.request(method, base + path, data=body, headers=headers) as response:
            await response.read()
            status = response.status
    except aiohttp.ClientError:
        status = 0
    latencies.append((time.perf_counter() - t) * 1000)
    if 200 <= status < 300:
        counts["ok"] += 1


async def _throughput(base: str, make, concurrency: int, seconds: float) -> Result:
    import aiohttp

    latencies: list[float] = []
    counts = {"n": 0, "ok": 0}
    deadline = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def client() -> None:
            while time.perf_counter() < deadline:
                request = make(counts["n"])
                counts["n"] += 1
                await _timed(http, base, request, latencies, counts)

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return Result(requests=len(latencies), ok=counts["ok"], seconds=elapsed, latencies_ms=latencies)


def throughput(base: str, make, concurrency: int = 16, seconds: float = 10.0) -> Result:
    """Closed loop: `concurrency` clients, each sending its next request when the last one is answered."""
    return asyncio.run(_throughput(base, make, concurrency, seconds))


async def _open_loop(base: str, make, rate: float, seconds: float) -> Result:
    import aiohttp

    latencies: list[float] = []
    counts = {"ok": 0}
    total = int(rate * seconds)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=256)) as http:

        async def one(i: int, at: float) -> None:
            await asyncio.sleep(max(0.0, at - time.perf_counter()))
            await _timed(http, base, make(i), latencies, counts)

        started = time.perf_counter()
        await asyncio.gather(*(one(i, started + i / rate) for i in range(total)))
        elapsed = time.perf_counter() - started
    return Result(requests=len(latencies), ok=counts["ok"], seconds=elapsed, latencies_ms=latencies)


def open_loop(base: str, make, rate: float, seconds: float) -> Result:
    """Requests on schedule (`rate` a second for `seconds`), whether or not earlier ones were answered."""
    return asyncio.run(_open_loop(base, make, rate, seconds))


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")
