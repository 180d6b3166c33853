#!/usr/bin/env python3
"""How fast does the LINE webhook acknowledge? Sends signed webhooks at a fixed rate to a running server.

    python bench/webhook.py --url http://127.0.0.1:8000 --secret "$LINE_CHANNEL_SECRET" --rate 50 --duration 20

Each request is one signed body with one text event (unique webhookEventId, one of --users citizens),
sent on schedule (open loop: a slow answer does not slow the sender down, as with LINE's servers).
Prints p50/p95/p99/max latency of the acknowledgement and the throughput; then the same load against a
bare endpoint of the same server (default /healthz/), and the ratio of the two — how much the webhook
costs over the server's floor. Only the standard library: run it from anywhere.
"""

import argparse
import base64
import hashlib
import hmac
import http.client
import json
import statistics
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

_local = threading.local()


def connection(netloc: str) -> http.client.HTTPConnection:
    conn = getattr(_local, "conn", None)
    if conn is None:
        host, _, port = netloc.partition(":")
        conn = _local.conn = http.client.HTTPConnection(host, int(port or 80), timeout=10)
    return conn


def request(netloc: str, method: str, path: str, body: bytes | None, headers: dict) -> tuple[float, int]:
    started = time.perf_counter()
    for attempt in (1, 2):
        conn = connection(netloc)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            return time.perf_counter() - started, response.status
        except (http.client.HTTPException, OSError):
            conn.close()
            _local.conn = None
            if attempt == 2:
                return time.perf_counter() - started, 0
    raise AssertionError("unreachable")


def webhook_body(users: int, n: int) -> bytes:
    event = {
        "type": "message",
        "mode": "active",
        "timestamp": int(time.time() * 1000),
        "source": {"type": "user", "userId": f"Ubench{n % users:027d}"},
        "webhookEventId": uuid.uuid4().hex.upper()[:26],
        "deliveryContext": {"isRedelivery": False},
        "replyToken": uuid.uuid4().hex,
        "message": {"id": str(n), "type": "text", "quoteToken": uuid.uuid4().hex, "text": f"ทดสอบ {n} 🙏"},
    }
    return json.dumps({"destination": "Ubench", "events": [event]}, separators=(",", ":")).encode()


def run(label: str, netloc: str, make, rate: float, duration: float, concurrency: int) -> dict:
    total = int(rate * duration)
    results: list[tuple[float, int]] = []
    lock = threading.Lock()

    def one(i: int, at: float) -> None:
        delay = at - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        method, path, body, headers = make(i)
        outcome = request(netloc, method, path, body, headers)
        with lock:
            results.append(outcome)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        for i in range(total):
            pool.submit(one, i, started + i / rate)
    elapsed = time.perf_counter() - started
    latencies = sorted(r[0] * 1000 for r in results)
    ok = sum(1 for r in results if 200 <= r[1] < 300)

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, round(p / 100 * (len(latencies) - 1)))]

    figures = {
        "label": label,
        "requests": len(results),
        "ok": ok,
        "throughput": len(results) / elapsed,
        "p50": statistics.median(latencies),
        "p95": pct(95),
        "p99": pct(99),
        "max": latencies[-1],
    }
    print(
        f"{label:<10} {figures['requests']:>6} req {ok:>6} 2xx {figures['throughput']:8.1f} req/s   "
        f"p50 {figures['p50']:7.1f} ms  p95 {figures['p95']:7.1f} ms  p99 {figures['p99']:7.1f} ms  "
        f"max {figures['max']:7.1f} ms"
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the server's base URL")
    parser.add_argument("--secret", required=True, help="the server's LINE_CHANNEL_SECRET")
    parser.add_argument("--rate", type=float, default=50.0, help="requests per second")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per run")
    parser.add_argument("--concurrency", type=int, default=32, help="most requests in flight")
    parser.add_argument("--users", type=int, default=200, help="distinct citizens sending")
    parser.add_argument("--bare", default="/healthz/", help="the bare endpoint to compare with")
    args = parser.parse_args()
    netloc = urlsplit(args.url).netloc

    def webhook(i: int):
        body = webhook_body(args.users, i)
        signature = base64.b64encode(hmac.new(args.secret.encode(), body, hashlib.sha256).digest()).decode()
        return "POST", "/line/webhook/", body, {"Content-Type": "application/json", "X-Line-Signature": signature}

    def bare(i: int):
        return "GET", args.bare, None, {}

    print(f"{args.rate:g} req/s for {args.duration:g} s, at most {args.concurrency} in flight, against {args.url}")
    hook = run("webhook", netloc, webhook, args.rate, args.duration, args.concurrency)
    floor = run(args.bare, netloc, bare, args.rate, args.duration, args.concurrency)
    print(
        f"ratio      webhook/bare: p50 ×{hook['p50'] / floor['p50']:.2f}  p95 ×{hook['p95'] / floor['p95']:.2f}  "
        f"p99 ×{hook['p99'] / floor['p99']:.2f}  throughput ×{hook['throughput'] / floor['throughput']:.2f}"
    )
    if hook["ok"] < hook["requests"]:
        raise SystemExit(f"{hook['requests'] - hook['ok']} webhook requests were not acknowledged with 2xx")


if __name__ == "__main__":
    main()
