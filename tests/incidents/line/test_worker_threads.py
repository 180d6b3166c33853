"""The worker's threads (#16, ess.worker.Threads): a report never waits for another reporter's calls to
LINE, the new case is on the consoles before the worker waits for LINE, and each reporter's calls stay one
at a time and in order (their loading animation, then their answer). The real `manage.py worker` process,
on PostgreSQL, against the fake LINE platform answering slowly, as LINE does over the internet."""

import signal

import pytest

from demo import fake_platform as fake
from incidents.line.models import LineEvent
from incidents.models import Attachment, EventKind, Incident, IncidentEvent
from tests.incidents.line.test_photos import jpeg
from tests.incidents.line.test_worker import STARTING, start_worker, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

USERS = [f"U{n:032x}" for n in range(1, 7)]
SLOW = 0.4  # seconds LINE takes to answer each call


def overlap(calls) -> int:
    """The most calls LINE was answering at the same moment."""
    edges = sorted([(c.started, 1) for c in calls] + [(c.answered, -1) for c in calls])
    most = now = 0
    for _, step in edges:
        now += step
        most = max(most, now)
    return most


@pytest.fixture
def threaded_worker(line, tmp_path):
    line.platform.delay = SLOW
    process = start_worker(line, tmp_path)
    yield process
    process.send_signal(signal.SIGTERM)
    _, errors = process.communicate(timeout=30)
    assert process.returncode == 0, errors.decode()


def test_reports_from_six_new_citizens_wait_for_line_side_by_side_not_in_turn(line, threaded_worker):
    assert line.post(*(line.pin(user) for user in USERS)).status_code == 200
    wait_for(lambda: Incident.objects.filter(reporter__line_user_id__in=USERS).count() == 6, STARTING)
    wait_for(lambda: all(line.texts_to(user) for user in USERS), 30)

    profiles = [c for c in line.platform.calls if "/v2/bot/profile/" in c.path]
    assert len(profiles) == 6
    # One at a time, the six profile lookups would never overlap (and the last case would wait 6 × 2 calls).
    assert overlap(profiles) >= 3


def test_the_case_is_open_before_the_loading_animation_and_the_answer_comes_after_it(line, threaded_worker):
    user = USERS[0]
    assert line.post(line.pin(user)).status_code == 200
    wait_for(lambda: line.texts_to(user), STARTING)

    case = Incident.objects.get(reporter__line_user_id=user)
    opened = IncidentEvent.objects.get(incident=case, kind=EventKind.CREATED).created_at.timestamp()
    [loading] = [c for c in line.platform.calls if c.path == "/v2/bot/chat/loading/start"]
    [answer] = [c for c in line.platform.calls if c.path == "/v2/bot/message/reply"]
    assert opened < loading.started  # on the consoles before the worker waited for LINE's animation
    assert loading.answered <= answer.started  # one call at a time for a reporter: the answer after it


def test_one_reporters_events_are_still_processed_in_their_order(line, threaded_worker):
    user = USERS[0]
    events = [line.text(user, "ช่วยด้วย"), line.pin(user), line.text(user, "เขากำลังมา")]
    for offset, event in enumerate(events):
        event["timestamp"] += offset  # LINE's order
    assert line.post(*reversed(events)).status_code == 200  # delivered out of order
    wait_for(lambda: LineEvent.objects.filter(user_id=user, state=LineEvent.State.DONE).count() == 3, STARTING)
    done = list(LineEvent.objects.filter(user_id=user).order_by("processed_at", "id"))
    assert [e.timestamp for e in done] == sorted(e.timestamp for e in done)  # LINE's order, not delivery's


def test_a_photo_is_downloaded_on_a_thread_and_attached_to_the_case(line, threaded_worker):
    user = USERS[0]
    photo = fake.image_message()
    line.platform.add_content(photo["id"], jpeg(), "image/jpeg", preparing=1)  # one 202 first: tried again
    assert line.post(line.pin(user)).status_code == 200
    wait_for(lambda: Incident.objects.filter(reporter__line_user_id=user).exists(), STARTING)
    assert line.post(line.event("message", user, message=photo)).status_code == 200
    wait_for(lambda: Attachment.objects.filter(incident__reporter__line_user_id=user).exists(), 30)
    assert len([c for c in line.platform.calls if photo["id"] in c.path]) == 2
