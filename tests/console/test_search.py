"""The queue's search (#15 item 10): Thai substrings of the chat and notes, names, phones, references —
within the operator's provinces only. Runs on whichever database the suite runs on (SQLite locally,
PostgreSQL in CI)."""

import pytest

from incidents import triage
from incidents.models import Message
from tests.factories import ReporterFactory, make_incident

pytestmark = pytest.mark.usefixtures("english")
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def cases(operator):
    beaten = make_incident(description="", reporter=ReporterFactory(display_name="สมศรี ใจดี", phone="081-234-5678"))
    Message.objects.create(
        reporter=beaten.reporter, incident=beaten, direction="in", kind="text", text="เพื่อนบ้านกำลังทุบตีภรรยาอยู่"
    )
    noted = make_incident(description="")
    triage.add_note(noted, operator, "โทรหาผู้แจ้งแล้ว ไม่รับสาย")
    other = make_incident(description="แมวติดต้นไม้")
    chiang_mai = make_incident(
        province_code="50", district_code="5001", latitude=18.79, longitude=98.98, description="ทุบตีกันที่ตลาด"
    )
    return {"beaten": beaten, "noted": noted, "other": other, "chiang_mai": chiang_mai}


def search(client, q: str) -> str:
    return client.get("/console/queue/", {"q": q}, **HTMX).content.decode()


def found(body: str, cases: dict) -> set[str]:
    return {name for name, case in cases.items() if case.reference in body}


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("ทุบตี", {"beaten", "chiang_mai"}),  # a Thai word inside a chat message with no spaces around it
        ("ไม่รับสาย", {"noted"}),  # an operator's note
        ("ใจดี", {"beaten"}),  # part of the reporter's name
        ("0812345678", {"beaten"}),  # the phone, typed without dashes
        ("+66 81 234 5678", {"beaten"}),
        ("5678", {"beaten"}),
        ("แมว", {"other"}),
    ],
)
def test_it_finds_words_notes_names_and_phones(client, operator, cases, q, expected):
    client.force_login(operator)
    assert found(search(client, q), cases) == expected


def test_it_finds_a_case_by_its_reference(client, operator, cases):
    client.force_login(operator)
    assert found(search(client, cases["noted"].reference[-6:]), cases) == {"noted"}


def test_a_province_supervisor_finds_nothing_outside_their_provinces(client, supervisor_bkk, supervisor_cm, cases):
    client.force_login(supervisor_bkk)
    assert found(search(client, "ทุบตี"), cases) == {"beaten"}
    client.force_login(supervisor_cm)
    assert found(search(client, "ทุบตี"), cases) == {"chiang_mai"}
    assert found(search(client, "ใจดี"), cases) == set()
    assert found(search(client, "0812345678"), cases) == set()


def test_what_the_operator_wrote_to_the_reporter_is_not_taken_for_the_reporters_words(client, operator, cases):
    case = cases["other"]
    Message.objects.create(reporter=case.reporter, incident=case, direction="out", kind="text", text="ทุบตีใคร")
    client.force_login(operator)
    assert "other" not in found(search(client, "ทุบตีใคร"), cases)


# --- audited like any read of identity (#15 item 10), without the words searched for (#11 item 8) -------


def logged(**filters):
    from privacy.models import AccessLog

    return list(AccessLog.objects.filter(**filters).order_by("pk").values_list("field", "reference", "route"))


def test_a_search_is_in_the_access_log_with_the_cases_whose_identity_it_revealed(client, operator, cases):
    from privacy.models import AccessLog

    client.force_login(operator)
    search(client, "ใจดี")  # the reporter's name: the search tied the case to that person
    assert logged() == [("identity", cases["beaten"].reference, "console:queue")]
    search(client, "0812345678")
    assert logged()[-1] == ("identity", cases["beaten"].reference, "console:queue")
    before = AccessLog.objects.count()
    search(client, "ทุบตี")  # the reporters' words: found, not identified
    assert sorted(logged(pk__gt=AccessLog.objects.order_by("pk")[before - 1].pk)) == sorted(
        [
            ("search", cases["beaten"].reference, "console:queue"),
            ("search", cases["chiang_mai"].reference, "console:queue"),
        ]
    )
    search(client, "ไม่มีคำนี้เลย")  # found nothing: the search is still on record, with no case
    assert logged()[-1] == ("search", "", "console:queue")
    # Who searched is kept; what they typed is not, anywhere in the entry.
    entry = AccessLog.objects.order_by("pk").first()
    assert entry.username == operator.get_username()
    for row in AccessLog.objects.values():
        assert not any(q in str(value) for value in row.values() for q in ("ใจดี", "0812345678", "ทุบตี", "ไม่มีคำนี้"))


def test_a_search_on_page_load_is_audited_and_a_plain_queue_is_not(client, operator, cases):
    from privacy.models import AccessLog

    client.force_login(operator)
    client.get("/console/queue/", **HTMX)
    client.get("/console/")
    assert not AccessLog.objects.exists()
    client.get("/console/", {"q": "ใจดี"})
    assert logged() == [("identity", cases["beaten"].reference, "console:home")]


def test_a_province_supervisors_search_logs_only_what_it_found_in_their_provinces(client, supervisor_cm, cases):
    client.force_login(supervisor_cm)
    search(client, "ทุบตี")
    assert logged() == [("search", cases["chiang_mai"].reference, "console:queue")]
