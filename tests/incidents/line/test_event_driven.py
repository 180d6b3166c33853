"""Event-driven intake (#16 item 1): the webhook wakes the worker when its transaction commits (PostgreSQL
LISTEN/NOTIFY; the poll is only a safety net), no fixed settle window, each reporter's events in LINE's
timestamp order, held only behind an older pending event of the same reporter."""

import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from ess import worker
from incidents.line import inbox, texts
from incidents.line.models import LineEvent
from incidents.models import Category, Incident, Message
from tests.incidents.line.test_worker import ROOT, database_url, wait_for
from tests.line import now_ms

USER = "U" + "6" * 32


def listening() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE query = %s", [f"LISTEN {worker.CHANNEL}"])
        return cursor.fetchone()[0] > 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_webhook_wakes_a_worker_that_would_otherwise_sleep_for_30_seconds(line, tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url(),
        "LINE_API_BASE_URL": line.url,
        "LINE_DATA_API_BASE_URL": line.url,
        "LINE_CHANNEL_SECRET": settings.LINE_CHANNEL_SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": settings.LINE_CHANNEL_ACCESS_TOKEN,
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    sleeper = subprocess.Popen(
        [sys.executable, "manage.py", "worker", "--interval", "30"], cwd=ROOT, env=env, stderr=subprocess.PIPE
    )
    try:
        wait_for(listening, timeout=60)  # started (slow on a busy machine), and waiting (30 s) on LISTEN
        time.sleep(0.5)
        assert line.post(line.pin(USER)).status_code == 200
        wait_for(lambda: Incident.objects.filter(reporter__line_user_id=USER).exists(), timeout=10)  # woken
        wait_for(lambda: len(line.texts_to(USER)) >= 1, timeout=10)
    finally:
        sleeper.send_signal(signal.SIGTERM)
        _, errors = sleeper.communicate(timeout=20)
    assert sleeper.returncode == 0, errors.decode()


def test_a_first_event_is_processed_at_once_with_no_settle_window(line):
    line.post(line.pin(USER))
    line.work()  # the same moment: nothing waits for a window
    assert Incident.objects.filter(reporter__line_user_id=USER).exists()


def test_events_delivered_out_of_order_before_the_round_are_taken_in_timestamp_order(line):
    tap = line.tap(USER, texts.POSTBACK_CATEGORY + Category.CONFINEMENT, timestamp=now_ms(-3))
    pin = line.pin(USER, timestamp=now_ms(-1))
    line.post(pin)  # the newer one first, in its own request
    line.post(tap)
    line.work()
    assert line.case_of(USER).category == Category.CONFINEMENT


def test_a_later_event_is_held_only_behind_an_older_pending_one_of_the_same_reporter(line):
    line.post(line.text(USER, "แรก", timestamp=now_ms(-5)))
    first = LineEvent.objects.get()
    inbox._failed(first, ConnectionError("database away"), timezone.now())
    line.post(line.pin(USER, timestamp=now_ms(-1)), line.pin("U" + "3" * 32, timestamp=now_ms(-1)))
    line.work()
    assert not Incident.objects.filter(reporter__line_user_id=USER).exists()  # held: its older event waits
    assert Incident.objects.filter(reporter__line_user_id="U" + "3" * 32).exists()  # nobody else is


def test_a_redelivered_event_after_processing_is_ignored(line):
    pin = line.pin(USER)
    line.say(pin)
    line.say({**pin, "deliveryContext": {"isRedelivery": True}})
    assert Incident.objects.count() == 1
    assert Message.objects.filter(direction="in").count() == 1
