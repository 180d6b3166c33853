"""The LINE test harness: the fake LINE platform on 127.0.0.1:0, with the real line-bot-sdk pointed at
it through LINE_API_BASE_URL / LINE_DATA_API_BASE_URL (the only thing that differs from production)."""

import datetime as dt
import time
from dataclasses import dataclass

import pytest
from django.utils import timezone

from demo import fake_platform as fake
from incidents.line import inbox, worker
from incidents.models import Incident, Message, Reporter

SECRET = "8c570fa6dd201bb328f1c1eac23a96d8"


@dataclass
class Line:
    """A citizen's side of LINE and the switches of the fake platform, for one test."""

    platform: fake.FakeLine
    url: str
    client: object

    # --- building and sending events ---

    def event(self, kind: str, user: str, **kwargs) -> dict:
        """An event with a reply token the platform will accept (unless the test passes its own)."""
        if kind != "unfollow" and "reply_token" not in kwargs:
            kwargs["reply_token"] = self.platform.issue_reply_token(user)
        return fake.make_event(kind, user, **kwargs)

    def text(self, user: str, text: str, **kwargs) -> dict:
        return self.event("message", user, message=fake.text_message(text), **kwargs)

    def tap(self, user: str, data: str, **kwargs) -> dict:
        return self.event("postback", user, postback={"data": data}, **kwargs)

    def pin(self, user: str, place: str = "bangkok", **kwargs) -> dict:
        return self.event("message", user, message=fake.location_message(**fake.PLACES[place]), **kwargs)

    def post(self, *events: dict, body: bytes | None = None, signature: str | None = None):
        body = body if body is not None else fake.body_of(list(events))
        sig = signature if signature is not None else fake.signature(body, SECRET)
        return self.client.post(
            "/line/webhook/", data=body, content_type="application/json", headers={"X-Line-Signature": sig}
        )

    def say(self, *events: dict, now: dt.datetime | None = None):
        """Post, assert LINE would be satisfied, and let the worker do everything that is due."""
        response = self.post(*events)
        assert response.status_code == 200, response.content
        self.work(now)
        return response

    def work(self, now: dt.datetime | None = None, rounds: int = 5) -> None:
        for _ in range(rounds):
            if not worker.run_once(now):
                break

    # --- reading what happened ---

    def texts_to(self, user: str) -> list[str]:
        return self.platform.delivered_texts(user)

    def last_to(self, user: str) -> dict:
        return self.platform.delivered(user)[-1]["message"]

    def quick_reply(self, user: str) -> list[dict]:
        return [i["action"] for i in self.last_to(user).get("quickReply", {}).get("items", [])]

    def case_of(self, user: str) -> Incident:
        return Incident.objects.get(reporter__line_user_id=user)

    def reporter(self, user: str) -> Reporter:
        return Reporter.objects.get(line_user_id=user)

    def outbound(self, user: str) -> list[Message]:
        return list(Message.objects.filter(reporter__line_user_id=user, direction="out").order_by("id"))


@pytest.fixture
def fake_line():
    running = fake.serve()
    yield running
    running.stop()


@pytest.fixture
def line(fake_line, settings, client, db, tmp_path, monkeypatch) -> Line:
    settings.LINE_API_BASE_URL = fake_line.url
    settings.LINE_DATA_API_BASE_URL = fake_line.url
    settings.LINE_CHANNEL_SECRET = SECRET
    settings.LINE_CHANNEL_ACCESS_TOKEN = "test-access-token"
    settings.LINE_API_TIMEOUT_SECONDS = 1
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LINE_INBOX_SETTLE_MS = 0  # tests that need the settle window set it themselves
    monkeypatch.setattr(inbox, "SQLITE_PAUSE", 0)  # the pause makes room for concurrent webhooks; none here
    return Line(fake_line.platform, fake_line.url, client)


def ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


def now_ms(offset_seconds: float = 0) -> int:
    return int((time.time() + offset_seconds) * 1000)


def later(seconds: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(seconds=seconds)
