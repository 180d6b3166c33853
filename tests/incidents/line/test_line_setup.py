"""manage.py line_setup: the webhook URL, LINE's test call and the Thai rich menu, against the fake LINE
platform (which enforces LINE's documented limits), through the real line-bot-sdk."""

import io
import json
import os
import urllib.error
import urllib.request

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from PIL import Image

from incidents.line import richmenu, texts
from incidents.models import Category
from tests.line import SECRET

BASE = "https://ess.example.go.th"


@pytest.fixture
def channel(line, fake_line):
    """The fake platform as a channel whose secret is ESS's, and whose test call reaches our webhook
    through Django's test client (the address is public HTTPS; here nothing listens there)."""
    platform = fake_line.platform
    platform.channel_secret = SECRET
    seen = []

    def deliver(url, body, headers):
        seen.append(url)
        assert url == f"{BASE}/line/webhook/"
        response = Client().post(
            "/line/webhook/",
            data=body,
            content_type="application/json",
            headers={"X-Line-Signature": headers["X-Line-Signature"]},
        )
        return response.status_code

    platform.deliver = deliver
    platform.seen = seen
    return platform


def setup(*args):
    out = io.StringIO()
    call_command("line_setup", "--base-url", BASE, *args, stdout=out)
    return out.getvalue()


def test_it_sets_the_webhook_and_runs_lines_test_call(channel):
    output = setup("--no-rich-menu")
    assert channel.webhook_endpoint == f"{BASE}/line/webhook/"
    assert channel.seen == [f"{BASE}/line/webhook/"]
    assert "test call succeeded" in output
    assert channel.richmenus == {}


def test_it_warns_when_use_webhook_is_off(channel):
    channel.webhook_active = False
    assert "'Use webhook' is off" in setup("--no-rich-menu")


def test_it_installs_the_rich_menu_as_the_default_with_its_thai_image(channel):
    setup()
    assert len(channel.richmenus) == 1
    menu_id = channel.default_richmenu
    menu = channel.richmenus[menu_id]
    assert menu["name"] == richmenu.NAME
    data, content_type = channel.richmenu_images[menu_id]
    assert content_type == "image/png"
    assert len(data) <= 1024 * 1024
    with Image.open(io.BytesIO(data)) as picture:
        assert picture.size == (menu["size"]["width"], menu["size"]["height"])


def test_its_areas_send_what_the_conversation_understands(channel):
    setup()
    actions = [area["action"] for area in channel.richmenus[channel.default_richmenu]["areas"]]
    data = [a["data"] for a in actions if a["type"] == "postback"]
    assert data == [texts.POSTBACK_CATEGORY + c for c in texts.REPORTABLE] + [texts.POSTBACK_HOWTO]
    assert {c.value for c in Category if c != Category.UNSPECIFIED} == set(texts.REPORTABLE)
    uris = [a["uri"] for a in actions if a["type"] == "uri"]
    assert uris == ["https://line.me/R/nv/location/", "tel:191"]


def test_a_category_tap_from_the_menu_is_understood_by_the_conversation(channel, line):
    setup()
    tap = next(
        a["action"] for a in channel.richmenus[channel.default_richmenu]["areas"] if a["action"]["type"] == "postback"
    )
    line.say(line.tap("Umenu", tap["data"]))
    assert line.texts_to("Umenu"), "the bot answered the menu's tap"
    assert line.reporter("Umenu").messages.filter(kind="postback").exists()


def test_running_it_again_replaces_the_menu_and_never_leaves_two(channel):
    setup()
    first = channel.default_richmenu
    output = setup()
    assert len(channel.richmenus) == 1
    assert channel.default_richmenu != first
    assert first not in channel.richmenus
    assert f"replaced {first}" in output


def test_it_leaves_menus_it_did_not_make(channel, line):
    other = {
        "size": {"width": 2500, "height": 843},
        "selected": False,
        "name": "campaign",
        "chatBarText": "x",
        "areas": [
            {"bounds": {"x": 0, "y": 0, "width": 2500, "height": 843}, "action": {"type": "message", "text": "hi"}}
        ],
    }
    from incidents.line import client

    client.create_rich_menu(other)
    setup()
    setup()
    assert sorted(m["name"] for m in channel.richmenus.values()) == sorted(["campaign", richmenu.NAME])


def test_it_fails_clearly_when_the_channel_secret_is_not_ess_s(channel):
    channel.channel_secret = "0" * 32  # LINE signs with the channel's real secret; ESS has another
    with pytest.raises(CommandError, match=r"401.*LINE_CHANNEL_SECRET"):
        setup()
    assert channel.richmenus == {}


def test_it_refuses_a_plain_http_base_url(channel):
    with pytest.raises(CommandError, match="https://"):
        call_command("line_setup", "--base-url", "http://ess.example.go.th", stdout=io.StringIO())
    assert channel.webhook_endpoint == ""


def test_it_deletes_its_half_made_menu_when_lines_refuses_the_image(channel, monkeypatch):
    monkeypatch.setattr(richmenu, "image", lambda: b"\x89PNG not really")
    with pytest.raises(CommandError, match="rich menu"):
        setup()
    assert channel.richmenus == {}
    assert channel.default_richmenu == ""


def test_it_keeps_the_old_menu_when_a_rerun_fails(channel, monkeypatch):
    setup()
    first = channel.default_richmenu
    channel.fail("/content", 500)
    with pytest.raises(CommandError):
        setup()
    assert list(channel.richmenus) == [first]
    assert channel.default_richmenu == first


def test_it_needs_the_channels_credentials(settings):
    settings.LINE_CHANNEL_ACCESS_TOKEN = ""
    with pytest.raises(CommandError, match="LINE_CHANNEL_ACCESS_TOKEN"):
        setup()


# --- the fake platform enforces LINE's documented limits (so the tests above mean something) ---------


def test_the_fake_refuses_an_image_over_1_mb_or_of_the_wrong_size(line):
    from incidents.line import client

    menu_id = client.create_rich_menu(richmenu.menu())
    big = io.BytesIO()
    Image.frombytes("RGB", (2500, 1686), os.urandom(2500 * 1686 * 3)).save(big, "PNG")  # noise: no compression
    assert len(big.getvalue()) > 1024 * 1024
    with pytest.raises(client.LineError, match="larger than 1 MB"):
        client.upload_rich_menu_image(menu_id, big.getvalue())
    small = io.BytesIO()
    Image.new("RGB", (1200, 810)).save(small, "PNG")
    with pytest.raises(client.LineError, match="does not match"):
        client.upload_rich_menu_image(menu_id, small.getvalue())
    with pytest.raises(client.LineError, match="400"):
        client.set_default_rich_menu(menu_id)  # no image yet


@pytest.mark.parametrize(
    "change",
    [
        {"chatBarText": "x" * 15},
        {"size": {"width": 2500, "height": 2000}},
        {"areas": richmenu.menu()["areas"] * 3},
        {"areas": [{"bounds": {"x": 0, "y": 0, "width": 10, "height": 10}, "action": {"type": "location"}}]},
    ],
)
def test_the_fake_refuses_a_menu_line_would_refuse(fake_line, change):
    request = urllib.request.Request(
        f"{fake_line.url}/v2/bot/richmenu",
        data=json.dumps({**richmenu.menu(), **change}).encode(),
        headers={"Authorization": "Bearer t", "Content-Type": "application/json"},
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert refused.value.code == 400
    assert fake_line.platform.richmenus == {}


def test_the_image_is_drawn_with_a_thai_font_and_fails_clearly_without_one(settings, tmp_path):
    assert richmenu.image().startswith(b"\x89PNG")
    settings.LINE_RICH_MENU_FONT = str(tmp_path / "missing.ttf")
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="fonts-thai-tlwg"):
        richmenu.image()
