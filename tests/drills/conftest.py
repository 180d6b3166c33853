"""Drills under test: the player's HTTP hop to the webhook goes through Django's test client (the same
URL, middleware, signature check and view as LINE's requests); everything after it is the real intake."""

import datetime as dt

import pytest
from django.utils import timezone

from drills import actions, player
from drills.models import Drill


@pytest.fixture
def webhook_hits():
    return []


@pytest.fixture
def drill_line(line, monkeypatch, webhook_hits):
    """The LINE harness (fake platform, channel secret) with the player posting through the test client."""

    def post(body: bytes, signature: str) -> int:
        response = line.client.post(
            "/line/webhook/", data=body, content_type="application/json", headers={"X-Line-Signature": signature}
        )
        webhook_hits.append(response.status_code)
        return response.status_code

    monkeypatch.setattr(player, "post_webhook", post)
    return line


def run(line, drill: Drill, until_seconds: float) -> Drill:
    """Let the worker play the drill up to `until_seconds` after its start and process what it sent."""
    at = drill.started_at + dt.timedelta(seconds=until_seconds)
    player.play_due(at)
    line.work(max(at, timezone.now()))
    drill.refresh_from_db()
    return drill


def start_past(actor, key: str, province: str = "", seconds_ago: int = 3600) -> Drill:
    """A drill started `seconds_ago`, so every step is due at once."""
    return actions.start(actor, key, province, now=timezone.now() - dt.timedelta(seconds=seconds_ago))
