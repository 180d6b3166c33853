"""No reporter's LINE user id, name, phone number, words or an operator's search terms in the logs:
the whole intake → dispatch run is logged at DEBUG through the real handler and scanned."""

import io
import logging

import pytest
from django.http import HttpRequest
from django.test import Client

from dispatch.models import Assignment
from ess.server import without_query
from privacy.logs import RedactingFilter, pseudonym, redact
from tests.conftest import PASSWORD

USER = "U" + "5" * 32
NAME = "สมหญิง ใจดีมาก"
WORDS = "สามีถือมีดขู่อยู่หน้าห้องน้ำ"
PHONE = "0812345678"
REPLY = "คุณสมหญิง เจ้าหน้าที่กำลังเดินทางไป"


@pytest.fixture
def log_output():
    """What the configured console handler writes (settings.LOGGING, with its filter), at DEBUG."""
    root = logging.getLogger()
    [handler] = [h for h in root.handlers if h.get_name() == "console"]
    out = io.StringIO()
    previous_stream, previous_level = handler.setStream(out), root.level
    root.setLevel(logging.DEBUG)
    try:
        yield out
    finally:
        root.setLevel(previous_level)
        handler.setStream(previous_stream)


def test_a_whole_intake_to_dispatch_run_logs_nothing_personal(line, log_output, operator, responder_bkk, agencies):
    line.platform.set_profile(USER, name=NAME)
    line.say(line.event("follow", USER))
    line.say(line.text(USER, WORDS))
    line.say(line.pin(USER))
    line.say(line.text(USER, f"โทรหาได้ที่ {PHONE}"))
    case = line.case_of(USER)

    console = Client()
    console.login(request=HttpRequest(), username="op", password=PASSWORD)
    assert console.get("/console/", {"q": NAME}).status_code == 200
    assert console.get("/console/queue/", {"q": PHONE}).status_code == 200
    console.post(f"/console/case/{case.pk}/reporter/")
    console.post(f"/console/case/{case.pk}/claim/")
    console.post(f"/console/case/{case.pk}/triage/", {"category": "threat", "priority": "1"})
    console.post(f"/console/cases/{case.pk}/dispatch/assign/", {"agency": [agencies["bkk"].pk]})
    line.platform.fail("/push", 500)  # an error path too: LINE refuses a push once
    console.post(f"/console/case/{case.pk}/reply/", {"text": REPLY})
    line.work()
    assignment = Assignment.objects.get(incident=case)
    phone = Client()
    phone.login(request=HttpRequest(), username="resp_bkk", password=PASSWORD)
    assert phone.post(f"/responder/assignments/{assignment.pk}/acknowledged/").status_code == 302
    logging.getLogger("incidents.line.inbox").warning("LINE said no for %s (call +66 81 234 5678)", USER)
    line.work()

    output = log_output.getvalue()
    assert output, "the run logged nothing: the capture is broken"
    for secret in (USER, NAME, "สมหญิง", WORDS, PHONE, "81 234 5678", REPLY):
        assert secret not in output, f"{secret!r} is in the log"
    assert pseudonym(USER) in output  # the redacted line still correlates


def test_the_filter_hashes_ids_and_drops_phones_in_messages_and_tracebacks():
    try:
        raise ValueError(f"profile of {USER} failed; phone 02-123-4567")
    except ValueError as exc:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "boom %s", (exc,), exc_info=True)
        record.exc_info = (type(exc), exc, exc.__traceback__)
    RedactingFilter().filter(record)
    text = record.getMessage() + record.exc_text
    assert USER not in text and "123-4567" not in text and pseudonym(USER) in text
    assert redact("case ESS-2569-000042 took 1234567 ms") == "case ESS-2569-000042 took 1234567 ms"


def test_the_access_log_keeps_paths_and_drops_query_strings():
    lines = []
    logger = without_query(lambda protocol, action, details: lines.append(details["path"]))
    logger("http", "complete", {"path": f"/console/queue/?q={NAME}", "status": 200})
    logger("websocket", "connected", {"path": "/ws/console/"})
    assert lines == ["/console/queue/", "/ws/console/"]
    assert without_query(None) is None
