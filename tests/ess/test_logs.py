"""LOG_FORMAT=json: one JSON object per line, with whatever `extra=` carried."""

import json
import logging
import sys

from ess.logs import JsonFormatter


def record(message: str, *args, exc_info=None, **extra) -> logging.LogRecord:
    rec = logging.LogRecord("ess.test", logging.WARNING, __file__, 1, message, args, exc_info)
    for key, value in extra.items():
        setattr(rec, key, value)
    return rec


def test_it_writes_one_json_object_per_line_with_the_usual_fields():
    line = JsonFormatter().format(record("worker %s", "stopped"))
    entry = json.loads(line)
    assert "\n" not in line
    assert entry["message"] == "worker stopped"
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "ess.test"
    assert entry["time"].endswith("+00:00")


def test_it_keeps_thai_readable_and_extra_fields_as_fields():
    entry = json.loads(JsonFormatter().format(record("เรื่อง %s", "ESS-2569-000001", status_code=401, request=object())))
    assert entry["message"] == "เรื่อง ESS-2569-000001"
    assert entry["status_code"] == 401
    assert "object" in entry["request"]  # not JSON-serialisable: written as text, never a crash


def test_it_includes_the_exception():
    try:
        raise ValueError("bad")
    except ValueError:
        entry = json.loads(JsonFormatter().format(record("failed", exc_info=sys.exc_info())))
    assert "ValueError: bad" in entry["exception"]
