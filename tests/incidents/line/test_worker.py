"""The worker is a real `manage.py worker` process here: killed (SIGKILL) after the webhook answered
and while it was working on the event, then started again. Nothing is lost, nothing is doubled."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from incidents.line import texts
from incidents.line.models import LineEvent
from incidents.models import Incident

USER = "U" + "4" * 32
ROOT = Path(__file__).resolve().parents[3]


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    credentials = quote(db["USER"] or "") + (":" + quote(db["PASSWORD"]) if db.get("PASSWORD") else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(line, tmp_path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url(),
        "LINE_API_BASE_URL": line.url,
        "LINE_DATA_API_BASE_URL": line.url,
        "LINE_CHANNEL_SECRET": settings.LINE_CHANNEL_SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": settings.LINE_CHANNEL_ACCESS_TOKEN,
        "LINE_API_TIMEOUT_SECONDS": "10",
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "worker", "--interval", "0.05"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


# A worker process first starts Django: seconds alone, far more on a busy 2-core CI machine (as in
# test_event_driven). The waits below include that start, so they allow a minute.
STARTING = 60.0


def eventually(condition, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def wait_for(condition, timeout: float = 20.0) -> None:
    if not eventually(condition, timeout):
        raise AssertionError("timed out")


@pytest.mark.django_db(transaction=True)
def test_it_processes_after_a_restart_what_a_killed_worker_left(line, tmp_path):
    # LINE's profile endpoint hangs, so the worker is stuck in the middle of the event when we kill it.
    line.platform.delay = 30
    first = start_worker(line, tmp_path)
    try:
        response = line.post(line.tap(USER, texts.POSTBACK_CATEGORY + "threat"), line.pin(USER))
        assert response.status_code == 200
        started = eventually(lambda: any(c.path.startswith("/v2/bot/profile/") for c in line.platform.calls), STARTING)
    finally:
        first.send_signal(signal.SIGKILL)
        _, errors = first.communicate(timeout=10)
    assert started, "the first worker never reached the event:\n" + errors.decode()
    assert LineEvent.objects.filter(state="pending").count() == 2
    assert not Incident.objects.exists()

    line.platform.delay = 0
    second = start_worker(line, tmp_path)
    try:
        finished = eventually(
            lambda: LineEvent.objects.filter(state="done").count() == 2 and len(line.platform.delivered(USER)) >= 3,
            STARTING,
        )
    finally:
        second.send_signal(signal.SIGTERM)
        _, errors = second.communicate(timeout=10)
    # On a failure, what the worker logged (it is the only place a worker's exception shows).
    events = list(LineEvent.objects.values_list("kind", "state", "attempts", "error"))
    assert finished, f"the restarted worker did not finish: {events}\n{errors.decode()}"
    assert second.returncode == 0, errors.decode()
    case = Incident.objects.get()
    assert case.category == "threat" and case.province_code == "10"
    texts_sent = line.texts_to(USER)
    # The tap opened the case, the pin was noted: each answered once, not once per worker.
    assert sum(case.reference in t for t in texts_sent) == 2
    assert case.reference in texts_sent[0] and texts_sent[1] == texts.say("th", "ask_location")


@pytest.mark.django_db(transaction=True)
def test_it_keeps_a_reporters_order_when_two_workers_run_at_once(line):
    import threading

    from django.db import connections

    from incidents.line import worker
    from incidents.models import Message
    from tests.line import now_ms

    line.say(line.pin(USER))  # the case exists; every later text attaches to it
    line.platform.delay = 0.05  # LINE answers slowly enough for the two workers to overlap
    words = [f"ข้อความที่ {i}" for i in range(12)]
    line.post(*[line.text(USER, w, timestamp=now_ms(i / 100)) for i, w in enumerate(words)])

    def work():
        try:
            for _ in range(40):
                worker.run_once()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert LineEvent.objects.filter(state="done").count() == 13
    stored = list(Message.objects.filter(direction="in", kind="text").order_by("id").values_list("text", flat=True))
    assert stored == words  # processed (stored) in timestamp order, each once
