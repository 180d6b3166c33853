"""Logs without reporters' personal data (PDPA; docs/privacy.md).

Code logs ids that mean nothing outside the database (a reporter's pk, a case reference) and, where a
line must correlate one LINE user's events, `pseudonym(user_id)`. This filter is the safety net under
that rule, on the log handler (settings.LOGGING): a LINE user id or a Thai phone number that still
reaches a log line — inside an exception from LINE's API or the database, say — is replaced before the
line is written. Names and message text have no shape to recognise: they must never be logged at all,
which tests/privacy/test_logs.py checks over a whole intake → dispatch run.

Imported by the logging configuration before the apps are ready: no models here.
"""

import hashlib
import hmac
import logging
import re

LINE_USER_ID = re.compile(r"U[0-9a-f]{32}")
# Thai mobile and fixed numbers, with or without +66 and separators: 0812345678, 081-234-5678, +66 2 123 4567.
PHONE = re.compile(r"(?<![\w.])(?:\+66[- ]?|0)\d{1,2}[- ]?\d{3}[- ]?\d{3,4}(?![\w.])")


def salted_hash(value: str) -> str:
    from django.conf import settings

    salt = settings.PRIVACY_HASH_SALT or "ess-privacy:" + settings.SECRET_KEY
    return hmac.new(salt.encode(), value.encode(), hashlib.sha256).hexdigest()


def pseudonym(line_user_id: str | None) -> str:
    """What a log line may carry instead of a LINE user id: 12 hex digits of its salted hash."""
    return "u:" + salted_hash(line_user_id)[:12] if line_user_id else "-"


def redact(text: str) -> str:
    text = LINE_USER_ID.sub(lambda m: pseudonym(m.group(0)), text)
    return PHONE.sub("[phone]", text)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is the formatter's problem, not ours
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
