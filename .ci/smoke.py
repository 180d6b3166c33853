"""The production smoke test: what `.ci/production` checks against the README's own processes.

It goes through the reverse proxy (deploy/nginx/ess.conf, on loopback with a self-signed certificate) as a
browser and LINE would: the login page and every static file the staff pages link (200, hashed names,
cached for a year), /healthz/, /metrics, a signed LINE webhook that opens a case, and a console websocket
(upgraded by the proxy) that sees that case arrive. The admin enrols a TOTP authenticator at first login
(two-factor is required of administrators), with a code computed from the secret the page shows.
Exits non-zero naming the first thing that failed.

Settings come from the environment the processes were started with, plus SMOKE_URL (the proxy's HTTPS
address), SMOKE_HTTP_URL (the proxy's plain-HTTP address), SMOKE_DIRECT_URL (one daphne, behind the
proxy), SMOKE_USER and SMOKE_PASSWORD (an admin account), and LINE_API_BASE_URL (the fake LINE platform).
"""

import asyncio
import base64
import hashlib
import hmac
import json
import os
import re
import sys
import time
import uuid
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import aiohttp

BASE = os.environ["SMOKE_URL"].rstrip("/")
PLAIN = os.environ["SMOKE_HTTP_URL"].rstrip("/")
DIRECT = os.environ["SMOKE_DIRECT_URL"].rstrip("/")
ORIGIN = BASE
ONE_YEAR = 365 * 24 * 60 * 60
HASHED = re.compile(r"\.[0-9a-f]{12}\.\w+$")  # the manifest storage's content hash in the name
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)")
PAGES = ["/console/", "/dashboard/", "/responder/", "/admin/"]


class Failed(Exception):
    pass


def check(condition: bool, what: str) -> None:
    if not condition:
        raise Failed(what)
    print(f"ok  {what}")


class Links(HTMLParser):
    """The static files a page names: stylesheets, icons, scripts, images."""

    def __init__(self):
        super().__init__()
        self.found: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        url = attrs.get("src") if tag in ("script", "img") else attrs.get("href") if tag == "link" else None
        if url and urlsplit(url).path.startswith("/static/"):
            self.found.add(urlsplit(url).path)


def links_of(html: str) -> set[str]:
    parser = Links()
    parser.feed(html)
    return parser.found


def signature(body: bytes) -> str:
    digest = hmac.new(os.environ["LINE_CHANNEL_SECRET"].encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


async def static_files(session: aiohttp.ClientSession, pages: dict[str, str]) -> None:
    wanted = set()
    for html in pages.values():
        wanted |= links_of(html)
    check(len(wanted) >= 5, f"the pages link {len(wanted)} static files")
    seen: set[str] = set()
    while wanted:
        path = wanted.pop()
        seen.add(path)
        async with session.get(BASE + path, allow_redirects=False) as response:
            body = await response.read()
            check(response.status == 200, f"{path} answers 200 (got {response.status})")
            check(bool(HASHED.search(path)), f"{path} has a content hash in its name")
            cache = response.headers.get("Cache-Control", "")
            age = int(m[1]) if (m := re.search(r"max-age=(\d+)", cache)) else 0
            check(age >= ONE_YEAR and "immutable" in cache, f"{path} is cached for a year ({cache!r})")
        if path.endswith(".css"):
            # Fonts and images a stylesheet names are part of the page too.
            for ref in CSS_URL.findall(body.decode("utf-8", "replace")):
                if ref.startswith("data:"):
                    continue
                target = urlsplit(urljoin(path, ref)).path
                if target not in seen:
                    wanted.add(target)


async def login(session: aiohttp.ClientSession) -> str:
    url = BASE + "/accounts/login/"
    async with session.get(url, allow_redirects=False) as response:
        html = await response.text()
        check(response.status == 200, "the login page answers 200 through the proxy")
        check("max-age=" in response.headers.get("Strict-Transport-Security", ""), "the login page sends HSTS")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    check(token is not None, "the login form carries a CSRF token")
    form = {
        "username": os.environ["SMOKE_USER"],
        "password": os.environ["SMOKE_PASSWORD"],
        "csrfmiddlewaretoken": token[1],
    }
    headers = {"Referer": ORIGIN + "/accounts/login/", "Origin": ORIGIN}
    async with session.post(url, data=form, headers=headers, allow_redirects=False) as response:
        check(response.status == 302, f"the login form accepts the admin (got {response.status})")
    await second_factor(session)
    return html


def totp(secret: str, at: float | None = None) -> str:
    """RFC 6238 (SHA-1, 6 digits, 30 s): what the admin's authenticator app shows for the page's secret."""
    key = base64.b32decode(secret.replace(" ", ""))
    counter = int((time.time() if at is None else at) // 30)
    mac = hmac.new(key, counter.to_bytes(8, "big"), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    return f"{(int.from_bytes(mac[offset : offset + 4], 'big') & 0x7FFFFFFF) % 1_000_000:06d}"


async def second_factor(session: aiohttp.ClientSession) -> None:
    """An administrator's password alone reaches no staff page: the first login enrols an authenticator."""
    async with session.get(BASE + "/console/", allow_redirects=False) as response:
        where = response.headers.get("Location", "")
        check(response.status == 302 and where.startswith("/accounts/two-factor/setup/"), f"2FA first ({where})")
    url = BASE + "/accounts/two-factor/setup/"
    async with session.get(url, allow_redirects=False) as response:
        html = await response.text()
        check(response.status == 200 and "<svg" in html, "the two-factor set-up page shows a QR code")
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', html)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    check(secret is not None and token is not None, "the set-up page shows the secret in text")
    form = {"code": totp(secret[1]), "csrfmiddlewaretoken": token[1]}
    headers = {"Referer": url, "Origin": ORIGIN}
    async with session.post(url, data=form, headers=headers, allow_redirects=False) as response:
        html = await response.text()
        codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", html)
        check(
            response.status == 200 and len(codes) == 10,
            "a code from the secret turns two-factor on (10 recovery codes)",
        )


async def webhook_opens_a_case(session: aiohttp.ClientSession) -> None:
    fake = os.environ["LINE_API_BASE_URL"].rstrip("/")
    user = "U" + uuid.uuid4().hex
    async with session.post(f"{fake}/_fake/token/{user}") as response:
        reply_token = (await response.json())["replyToken"]
    event = {
        "type": "message",
        "mode": "active",
        "timestamp": int(time.time() * 1000),
        "source": {"type": "user", "userId": user},
        "webhookEventId": uuid.uuid4().hex.upper()[:26],
        "deliveryContext": {"isRedelivery": False},
        "replyToken": reply_token,
        # A pin alone is a report (docs/design.md §4b): the case exists from the first substantive act.
        "message": {
            "id": str(uuid.uuid4().int)[:18],
            "type": "location",
            "latitude": 18.7953,
            "longitude": 98.9620,
            "address": "ถนนห้วยแก้ว ตำบลสุเทพ อำเภอเมืองเชียงใหม่ เชียงใหม่ 50200 ประเทศไทย",
        },
    }
    body = json.dumps({"destination": "U" + "0" * 32, "events": [event]}, separators=(",", ":")).encode()
    ws_url = BASE.replace("https://", "wss://") + "/ws/console/"
    async with session.ws_connect(ws_url, headers={"Origin": ORIGIN}, heartbeat=None) as ws:
        print("ok  the console websocket is open (upgraded through the proxy)")
        forged = {"Content-Type": "application/json", "X-Line-Signature": signature(body + b" ")}
        async with session.post(BASE + "/line/webhook/", data=body, headers=forged) as response:
            check(response.status == 401, "a webhook with a wrong signature is refused (401)")
        signed = {"Content-Type": "application/json", "X-Line-Signature": signature(body)}
        async with session.post(BASE + "/line/webhook/", data=body, headers=signed) as response:
            check(response.status == 200, f"the signed webhook answers 200 (got {response.status})")
        deadline = time.monotonic() + 30
        reference = None
        while reference is None and time.monotonic() < deadline:
            try:
                message = await asyncio.wait_for(ws.receive_json(), max(0.1, deadline - time.monotonic()))
            except TimeoutError:
                break
            if message.get("type") == "case":
                reference = re.search(r"ESS-\d{4}-\d{6}", message.get("row", ""))
        check(reference is not None, "the console websocket sees the new case (worker → channel layer)")
    reference = reference[0]
    deadline = time.monotonic() + 30
    texts: list[str] = []
    while time.monotonic() < deadline and not any(reference in t for t in texts):
        async with session.get(f"{fake}/_fake/phone/{user}") as response:
            texts = [m["message"].get("text", "") for m in (await response.json())["messages"]]
        await asyncio.sleep(0.25)
    check(any(reference in t for t in texts), f"the citizen's phone got the reference {reference} (the outbox)")


async def metrics(session: aiohttp.ClientSession) -> None:
    token = os.environ.get("METRICS_TOKEN", "")
    async with session.get(BASE + "/metrics") as response:
        check(response.status in (403, 404), f"/metrics without the token is refused (got {response.status})")
    if not token:
        return
    headers = {"Authorization": f"Bearer {token}"}
    async with session.get(BASE + "/metrics", headers=headers) as response:
        text = await response.text()
        check(response.status == 200, "/metrics with the token answers 200")
        check("ess_line_inbox_pending" in text and "ess_cases_open" in text, "/metrics has the ESS figures")


async def main() -> None:
    jar = aiohttp.CookieJar(unsafe=True)  # unsafe: cookies for an IP address host (127.0.0.1)
    timeout = aiohttp.ClientTimeout(total=60)
    connector = aiohttp.TCPConnector(ssl=False)  # the proxy's certificate is self-signed
    async with aiohttp.ClientSession(cookie_jar=jar, timeout=timeout, connector=connector) as session:
        async with session.get(PLAIN + "/accounts/login/", allow_redirects=False) as response:
            location = response.headers.get("Location", "")
            check(response.status == 301 and location.startswith("https://"), "the proxy sends plain HTTP to HTTPS")
        async with session.get(DIRECT + "/accounts/login/", allow_redirects=False) as response:
            location = response.headers.get("Location", "")
            check(response.status == 301 and location.startswith("https://"), "so does the app (SECURE_SSL_REDIRECT)")
        async with session.get(DIRECT + "/healthz/") as response:
            health = await response.json()
            check(response.status == 200 and health.get("status") == "ok", f"/healthz/ over plain HTTP: {health}")
        async with session.get(BASE + "/healthz/") as response:
            check(response.status == 200, "/healthz/ through the proxy")
        pages = {"/accounts/login/": await login(session)}
        for path in PAGES:
            async with session.get(BASE + path, allow_redirects=False) as response:
                pages[path] = await response.text()
                check(response.status == 200, f"{path} answers 200 (got {response.status})")
        await static_files(session, pages)
        await webhook_opens_a_case(session)
        await metrics(session)


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except Failed as failure:
        print(f"FAILED: {failure}", file=sys.stderr)
        sys.exit(1)
    print("production smoke test passed")
