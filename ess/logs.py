"""Structured logs: LOG_FORMAT=json writes one JSON object per line, for a log collector (Loki, ELK,
journald's JSON export). Standard library only, so logging works before anything else is importable."""

import datetime as dt
import json
import logging

# Attributes every LogRecord has; anything else on a record came from `extra=` and is kept as a field.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            # exc_text when a filter already rendered (and redacted) it: privacy.logs.RedactingFilter.
            entry["exception"] = record.exc_text or self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        # default=str: a request object or a datetime in `extra` must not break the log line.
        return json.dumps(entry, ensure_ascii=False, default=str)
