"""ess.server: daphne with a graceful stop. On SIGTERM it stops accepting, lets the HTTP requests in
flight finish (up to ESS_DRAIN_SECONDS) and exits; plain daphne would cut them off."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def serve():
    started = []

    def start(module: str = "ess.server", **env):
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", module, "-b", "127.0.0.1", "-p", str(port), "tests.ess.slow_asgi:application"],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        started.append(process)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return process, f"http://127.0.0.1:{port}"
            except OSError:
                time.sleep(0.1)
        raise AssertionError("the server did not start")

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait()


def fetch_in_background(url: str) -> dict:
    answer: dict = {}

    def go():
        try:
            with urllib.request.urlopen(url, timeout=15) as response:
                answer["status"], answer["body"] = response.status, response.read()
        except (urllib.error.URLError, OSError) as exc:
            answer["error"] = exc

    thread = threading.Thread(target=go)
    thread.start()
    answer["thread"] = thread
    return answer


def test_it_finishes_requests_in_flight_before_exiting_on_sigterm(serve):
    process, url = serve()
    answer = fetch_in_background(f"{url}/slow?seconds=2")
    time.sleep(0.7)
    process.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{url}/slow", timeout=2)  # no longer accepting
    answer["thread"].join(15)
    assert answer.get("status") == 200 and answer["body"] == b"finished", answer
    assert process.wait(timeout=10) == 0
    assert "HTTP requests drained" in process.stdout.read()


def test_it_gives_up_on_a_request_after_the_drain_time(serve):
    process, url = serve(ESS_DRAIN_SECONDS="0.5")
    answer = fetch_in_background(f"{url}/slow?seconds=8")
    time.sleep(0.7)
    stopped = time.monotonic()
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=10)
    assert time.monotonic() - stopped < 5
    answer["thread"].join(15)
    assert "status" not in answer


def test_plain_daphne_would_cut_the_request_off(serve):
    """Why ess.server exists (if daphne learns to drain, this fails and ess.server can go)."""
    process, url = serve("daphne")
    answer = fetch_in_background(f"{url}/slow?seconds=2")
    time.sleep(0.7)
    process.send_signal(signal.SIGTERM)
    answer["thread"].join(15)
    assert "status" not in answer
