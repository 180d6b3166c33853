import pytest

from dispatch import reporter_updates
from dispatch.assignments import Pick, do_acknowledge, do_assign, do_complete, do_set_en_route, do_set_on_scene
from incidents.actions import do_transition
from incidents.models import Category, Language, Status
from tests.factories import ReporterFactory, make_incident

pytestmark = pytest.mark.django_db

CATEGORY_WORDS = [
    "ทำร้าย",
    "ขู่",
    "กักขัง",
    "ล่วงละเมิด",
    "ทางเพศ",
    "คลุ้มคลั่ง",
    "มั่วสุม",
    "ตำรวจ",
    "harm",
    "abuse",
    "police",
    "confine",
    "violence",
    "threat",
]


@pytest.fixture
def planned(monkeypatch):
    """What the assignment actions asked reporter_updates to send, per call."""
    calls = []
    real = reporter_updates.notify_reporters

    def spy(incident, status):
        result = real(incident, status)
        calls.append((status, result))
        return result

    monkeypatch.setattr(reporter_updates, "notify_reporters", spy)
    return calls


@pytest.mark.parametrize("status", [Status.DISPATCHED, Status.EN_ROUTE, Status.ON_SCENE, Status.RESOLVED])
@pytest.mark.parametrize("language", [Language.THAI, Language.ENGLISH])
def test_it_words_each_update_neutrally_in_the_reporters_language(status, language):
    text = reporter_updates.text_for(status, language, "ESS-2569-000042")
    assert "ESS-2569-000042" in text
    assert not [w for w in CATEGORY_WORDS if w.lower() in text.lower()]
    thai = any("\u0e00" <= ch <= "\u0e7f" for ch in text)
    assert thai == (language == Language.THAI)


def test_it_has_no_update_for_steps_the_reporter_need_not_hear():
    assert reporter_updates.text_for(Status.ACKNOWLEDGED, Language.THAI, "x") is None
    assert reporter_updates.text_for(Status.TRIAGED, Language.THAI, "x") is None


def test_it_tells_the_reporter_at_each_milestone_once(agencies, planned):
    incident = make_incident(reporter=ReporterFactory(language=Language.ENGLISH))
    [a] = do_assign(incident, [Pick(agencies["bkk"])])
    do_acknowledge(a)
    do_set_en_route(a)
    do_set_on_scene(a)
    do_complete(a, "done")
    sent = [(status, [u.text for u in updates]) for status, updates in planned if updates]
    assert [s for s, _ in sent] == [Status.DISPATCHED, Status.EN_ROUTE, Status.ON_SCENE, Status.RESOLVED]
    assert sent[1][1] == [f"Update on {incident.reference}: staff are on their way to the scene."]


def test_it_sends_nothing_to_a_safe_contact_reporter(agencies):
    incident = make_incident(reporter=ReporterFactory(safe_contact_only=True), category=Category.THREAT)
    [update] = reporter_updates.notify_reporters(incident, Status.DISPATCHED)
    assert not update.sent and update.why_not == "safe_contact"


def test_it_gives_duplicates_reporters_the_masters_updates(agencies):
    master = make_incident(reporter=ReporterFactory(language=Language.THAI))
    dup = make_incident(reporter=ReporterFactory(language=Language.ENGLISH))
    do_transition(dup, Status.DUPLICATE, extra_fields={"duplicate_of": master})
    updates = reporter_updates.notify_reporters(master, Status.EN_ROUTE)
    assert {u.reporter.pk for u in updates} == {master.reporter_id, dup.reporter_id}
    english = next(u for u in updates if u.reporter.pk == dup.reporter_id)
    assert english.text.startswith(f"Update on {master.reference}")


def test_it_tells_a_milestone_only_once_and_notes_it_on_the_timeline(agencies, operator):
    incident = make_incident(reporter=ReporterFactory(is_reachable=False))  # blocked the OA
    assert len(reporter_updates.notify_reporters(incident, Status.DISPATCHED)) == 1
    assert reporter_updates.notify_reporters(incident, Status.DISPATCHED) == []
    [event] = incident.events.filter(kind="reporter_update")
    assert event.data["status"] == Status.DISPATCHED and event.data["sent"] == 0
    assert list(event.data["withheld"].values()) == ["unreachable"]
