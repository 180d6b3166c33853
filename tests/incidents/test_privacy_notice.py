"""/privacy/: the public notice the LINE welcome links to (Thai, or English with ?lang=en)."""

import re
from urllib.parse import urlsplit

from incidents.views import privacy_url

USER = "U" + "7" * 32


def test_it_serves_the_notice_in_thai_to_anyone_with_the_retention_the_worker_applies(client, db, settings):
    settings.RETENTION_WEBHOOK_PAYLOAD_DAYS, settings.RETENTION_MEDIA_DAYS = 31, 181
    settings.RETENTION_ANONYMISE_DAYS = 366
    response = client.get("/privacy/")  # no login
    assert response.status_code == 200 and response["Content-Language"] == "th"
    html = response.content.decode()
    for words in ("ข้อมูลที่เราเก็บ", "ใครเห็นข้อมูลได้", "เก็บนานเท่าใด", "สิทธิของคุณ", "ขอสำเนา", "ลบ"):
        assert words in html
    assert "31 วัน" in html and "181 วัน" in html and "366 วัน" in html
    assert "พ.ศ. 2562" in html and "1300" in html


def test_it_serves_the_notice_in_english_on_request(client, db):
    response = client.get("/privacy/?lang=en")
    html = response.content.decode()
    assert response["Content-Language"] == "en"
    assert "What we keep" in html and "30 days" in html and "180 days" in html and "365 days" in html
    assert "erase" in html and not re.search(r"ข้อมูลที่เราเก็บ", html)
    assert client.get("/privacy/?lang=xx")["Content-Language"] == "th"


def test_the_welcome_links_the_notice_in_the_reporters_language(line, settings):
    settings.PUBLIC_BASE_URL = "https://ess.example.go.th"
    line.say(line.event("follow", USER))
    (welcome,) = line.texts_to(USER)
    assert welcome.endswith("https://ess.example.go.th/privacy/")
    line.platform.set_profile("U" + "8" * 32, language="en")
    line.say(line.event("follow", "U" + "8" * 32))
    (english,) = line.texts_to("U" + "8" * 32)
    link = english.rsplit(" ", 1)[-1]
    assert link == "https://ess.example.go.th/privacy/?lang=en"
    parts = urlsplit(link)
    assert line.client.get(f"{parts.path}?{parts.query}").status_code == 200


def test_the_link_falls_back_to_the_first_real_allowed_host(settings):
    settings.PUBLIC_BASE_URL = ""
    settings.ALLOWED_HOSTS = [".example.org", "ess.m-society.go.th", "localhost"]
    assert privacy_url() == "https://ess.m-society.go.th/privacy/"
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1", "*"]
    assert privacy_url() == ""
