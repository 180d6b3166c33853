import json

import pytest
from django.http import HttpRequest

from demo import simulator
from incidents.line import texts
from incidents.models import Incident
from tests.conftest import PASSWORD


@pytest.fixture
def staff_client(client, operator, settings):
    settings.ESS_DEMO = True
    client.login(request=HttpRequest(), username=operator.username, password=PASSWORD)
    return client


def tap_on_phone(line, staff_client, **fields):
    """What the page's script does: get a signed event, POST it to the real webhook as LINE would."""
    built = staff_client.post("/dev/line/send/", {"lang": "th", **fields})
    assert built.status_code == 200, built.content
    data = built.json()
    response = line.post(body=data["body"].encode(), signature=data["signature"])
    assert response.status_code == 200
    line.work()
    return data


def test_it_does_not_exist_outside_debug_and_demo_mode(staff_client, settings):
    settings.ESS_DEMO = False
    settings.DEBUG = False
    assert staff_client.get("/dev/line/").status_code == 404
    assert staff_client.post("/dev/line/send/", {"kind": "follow"}).status_code == 404


def test_it_is_only_for_logged_in_staff(client, settings, db):
    settings.ESS_DEMO = True
    response = client.get("/dev/line/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_it_shows_the_phone(line, staff_client):
    response = staff_client.get("/dev/line/")
    assert response.status_code == 200
    assert b'id="sim-chat"' in response.content and b"line-simulator.js" in response.content


def test_it_plays_a_citizen_through_the_real_webhook_and_shows_the_bots_answers(line, staff_client, operator):
    data = tap_on_phone(line, staff_client, kind="follow")
    assert data["user_id"] == simulator.persona(operator, "th")
    feed = staff_client.get("/dev/line/feed/?lang=th&after=0").json()
    assert feed["count"] == 1
    welcome = feed["messages"][0]["message"]
    assert welcome["text"].startswith("สวัสดีค่ะ")
    threat = next(i["action"] for i in welcome["quickReply"]["items"] if i["action"].get("data", "").endswith("threat"))

    tap_on_phone(line, staff_client, kind="postback", data=threat["data"], displayText=threat["displayText"])
    tap_on_phone(line, staff_client, kind="location", place="chiangmai")
    case = Incident.objects.get()
    assert (case.category, case.province_code) == ("threat", "50")
    feed = staff_client.get("/dev/line/feed/?lang=th&after=1").json()
    assert any(case.reference in m["message"]["text"] for m in feed["messages"])
    assert feed["messages"][-1]["message"]["text"] == texts.say("th", "ask_safe")  # then: may we message you first?


def test_it_sends_a_photo_from_the_phone(line, staff_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    tap_on_phone(line, staff_client, kind="location", place="bangkok")
    photo = SimpleUploadedFile("p.jpg", b"\xff\xd8\xff\xe0fake-jpeg", content_type="image/jpeg")
    tap_on_phone(line, staff_client, kind="image", photo=photo)
    assert Incident.objects.get().attachments.get().file.read() == b"\xff\xd8\xff\xe0fake-jpeg"


def test_it_says_so_when_the_fake_platform_is_not_running(staff_client, settings):
    settings.LINE_API_BASE_URL = "http://127.0.0.1:1"
    response = staff_client.post("/dev/line/send/", {"kind": "follow"})
    assert response.status_code == 502
    assert "fake_line" in json.loads(response.content)["error"]


def test_it_does_not_exist_when_a_real_line_channel_is_configured(staff_client, settings):
    settings.LINE_API_BASE_URL = "https://api.line.me"
    assert staff_client.get("/dev/line/").status_code == 404
    assert staff_client.post("/dev/line/send/", {"kind": "follow"}).status_code == 404
