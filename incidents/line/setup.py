"""Switching a LINE channel on for ESS (`manage.py line_setup`): webhook endpoint, LINE's test call,
and the default rich menu. Safe to run again: each run replaces the menu it made before, never leaving
two, and the new menu is the default before the old one is deleted, so citizens never see none."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.urls import reverse

from incidents.line import client, richmenu

MAX_ENDPOINT_LENGTH = 500  # LINE's limit on the webhook URL


class SetupError(Exception):
    """A step failed; the message says which and what to do."""


@dataclass
class SetupReport:
    webhook_url: str
    test: dict
    rich_menu_id: str = ""
    replaced: list[str] = field(default_factory=list)


def webhook_url(base_url: str) -> str:
    """The public HTTPS address of our webhook under `base_url` (what LINE will POST to)."""
    parts = urlsplit(base_url.strip())
    if parts.scheme != "https" or not parts.netloc:
        raise SetupError(
            f"--base-url must be the public https:// address of ESS, not {base_url!r}: LINE calls only HTTPS."
        )
    if parts.query or parts.fragment:
        raise SetupError("--base-url must not carry a query or fragment.")
    url = f"https://{parts.netloc}{parts.path.rstrip('/')}{reverse('line:webhook')}"
    if len(url) > MAX_ENDPOINT_LENGTH:
        raise SetupError(f"The webhook URL is longer than LINE's {MAX_ENDPOINT_LENGTH} characters.")
    return url


def set_up_channel(base_url: str, *, rich_menu: bool = True, log=lambda line: None) -> SetupReport:
    url = webhook_url(base_url)
    try:
        client.set_webhook_endpoint(url)
        log(f"Webhook URL set: {url}")
        test = client.test_webhook_endpoint(url)
    except client.LineError as exc:
        raise SetupError(f"LINE refused the webhook set-up: {exc}") from exc
    report = SetupReport(webhook_url=url, test=test)
    if not test.get("success"):
        raise SetupError(
            f"LINE's test call to {url} failed: HTTP {test.get('statusCode')} {test.get('reason', '')} "
            f"{test.get('detail', '')}".strip()
            + ". 401 means LINE_CHANNEL_SECRET is not this channel's secret; a timeout or 5xx means LINE "
            "cannot reach ESS through the proxy (DNS, TLS certificate, firewall)."
        )
    log(f"LINE's test call succeeded (HTTP {test.get('statusCode')}).")
    try:
        active = client.webhook_endpoint().get("active")
    except client.LineError:
        active = None
    if active is False:
        # Only the LINE Official Account Manager can switch this on; the API cannot.
        log(
            "WARNING: 'Use webhook' is off for this channel: LINE will not deliver citizens' messages. "
            "Switch it on in the LINE Developers console (Messaging API tab)."
        )
    if rich_menu:
        install_rich_menu(report, log=log)
    return report


def install_rich_menu(report: SetupReport, *, log=lambda line: None) -> None:
    """Create the menu, attach its image, make it the default, then delete the menus we made earlier."""
    image = richmenu.image()
    try:
        earlier = [m["richMenuId"] for m in client.rich_menus() if m.get("name") == richmenu.NAME]
        menu_id = client.create_rich_menu(richmenu.menu())
        try:
            client.upload_rich_menu_image(menu_id, image)
            client.set_default_rich_menu(menu_id)
        except client.LineError:
            client.delete_rich_menu(menu_id)  # never leave a half-made menu behind
            raise
        for old in earlier:
            client.delete_rich_menu(old)
    except client.LineError as exc:
        raise SetupError(f"LINE refused the rich menu: {exc}") from exc
    report.rich_menu_id, report.replaced = menu_id, earlier
    log(
        f"Rich menu {menu_id} is the default ({len(image) // 1024} kB image)"
        + (f"; replaced {', '.join(earlier)}." if earlier else ".")
    )
