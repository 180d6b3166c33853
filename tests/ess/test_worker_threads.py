"""ess.worker.Threads: what waits (LINE) overlaps, the CPU and database part stays one at a time, and one
key is never running twice."""

import threading
import time

import pytest

from ess import worker

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def threads():
    worker.start_threads(4)
    yield
    worker.stop_threads()


class Meter:
    def __init__(self):
        self.now = self.most = 0
        self.lock = threading.Lock()

    def __enter__(self):
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)

    def __exit__(self, *exc):
        with self.lock:
            self.now -= 1


def test_waits_overlap_but_the_cpu_part_is_one_at_a_time(threads):
    waiting, working = Meter(), Meter()

    def item():
        with waiting:
            time.sleep(0.2)  # a call to LINE
        with worker.one_at_a_time(), working:
            time.sleep(0.02)  # the transaction

    for n in range(4):
        assert worker.in_background(("item", n), item)
    worker.stop_threads()  # waits for the calls in flight
    assert waiting.most >= 2
    assert working.most == 1


def test_a_key_still_running_is_not_started_again(threads):
    release = threading.Event()
    assert worker.in_background(("line", "U1"), release.wait)
    assert worker.is_busy(("line", "U1"))
    assert not worker.in_background(("line", "U1"), lambda: None)  # the reporter's call is in flight
    assert worker.in_background(("line", "U2"), lambda: None)  # another reporter is not held up
    release.set()
    worker.stop_threads()
    assert not worker.is_busy(("line", "U1"))


def test_without_threads_everything_runs_in_line(db):
    ran = []
    assert not worker.threaded()
    assert worker.in_background(("line", "U1"), lambda: ran.append(1))
    with worker.one_at_a_time():
        ran.append(2)
    assert ran == [1, 2]
