"""Photograph a running demo (bin/screenshots starts one): python bin/screenshots.py BASE_URL OUT_DIR.

Logs in with the demo accounts (demo/seed.py, password ESS_DEMO_PASSWORD), in Thai, and writes
  console-case-open.png  (1366×768, the operator console with the oldest most urgent case open)
  console-dark.png       (the same in the dark theme)
  dashboard.png          (1366×768, the national supervisor's first screen)
  responder.png          (390×844, the provincial พม. responder's phone)
Map tiles are grey squares: the pictures must not depend on the network.
"""

import base64
import hashlib
import hmac
import io
import os
import sys
import time
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
# bin/screenshots seeds the demo with this password for every account.
PASSWORD = os.environ.get("ESS_DEMO_PASSWORD", "")
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
# The demo accounts' password: bin/screenshots seeds them with ESS_DEMO_PASSWORD.
PASSWORD = os.environ.get("ESS_DEMO_PASSWORD", "")
DESKTOP = {"viewport": {"width": 1366, "height": 768}}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def grey_tile() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (256, 256), (226, 231, 236)).save(out, "PNG")
    return out.getvalue()


def session(browser, base: str, username: str, password: str, scheme: str = "light", **options):
    context = browser.new_context(base_url=base, locale="th-TH", color_scheme=scheme, **options)
    tile = grey_tile()
    context.route("https://tile.openstreetmap.org/**", lambda r: r.fulfill(body=tile, content_type="image/png"))
    page = context.new_page()
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main form [type=submit]")
    page.wait_for_load_state()
    if "/accounts/two-factor/setup/" in page.url:
        # Supervisors enrol an authenticator at their first login: the code an app would show for the secret.
        page.fill("input[name=code]", totp(page.text_content("#totp-secret")))
        page.click("main form [type=submit]")
        page.wait_for_selector("#recovery-codes")
    return page


def totp(secret: str) -> str:
    key = base64.b32decode(secret.replace(" ", ""))
    mac = hmac.new(key, int(time.time() // 30).to_bytes(8, "big"), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    return f"{(int.from_bytes(mac[offset : offset + 4], 'big') & 0x7FFFFFFF) % 1_000_000:06d}"


def console(browser, base: str, out: Path, scheme: str, name: str) -> None:
    page = session(browser, base, "operator", PASSWORD, scheme, **DESKTOP)
    page.goto("/console/")
    page.wait_for_selector("tr.case-row")
    first = page.locator("tr.case-row.p1").first
    (first if first.count() else page.locator("tr.case-row").first).click()
    page.wait_for_selector("#panel .panel-body")
    page.wait_for_timeout(800)  # the map's fly-to and the panel's timers settle
    page.screenshot(path=str(out / name))
    page.context.close()


def dashboard(browser, base: str, out: Path) -> None:
    page = session(browser, base, "supervisor", PASSWORD, **DESKTOP)
    page.goto("/dashboard/")
    page.wait_for_function("document.documentElement.dataset.dashboardDrawn")
    page.screenshot(path=str(out / "dashboard.png"))
    page.context.close()


def responder(browser, base: str, out: Path) -> None:
    page = session(browser, base, "responder_pmj", PASSWORD, **PHONE)
    page.goto("/responder/")
    page.wait_for_selector("#live-state[data-state=live]")
    page.wait_for_timeout(500)
    page.screenshot(path=str(out / "responder.png"))
    page.context.close()


def main(base: str, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        console(browser, base, out, "light", "console-case-open.png")
        console(browser, base, out, "dark", "console-dark.png")
        dashboard(browser, base, out)
        responder(browser, base, out)
        browser.close()
    for png in sorted(out.glob("*.png")):
        print(png)


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/"), Path(sys.argv[2]))
