"""Salted hashes of LINE user ids: for a log line that must correlate one reporter's events without
naming them, and for the false-report fingerprint that survives anonymisation (docs/privacy.md).

The salt is PRIVACY_HASH_SALT (default: derived from SECRET_KEY). Without the salt a hash cannot be
turned back into an id by trying LINE ids; rotating the salt forgets every fingerprint."""

import hashlib
import hmac

from django.conf import settings

from privacy.models import StrikeFingerprint


def _salt() -> bytes:
    salt = settings.PRIVACY_HASH_SALT or "ess-privacy:" + settings.SECRET_KEY
    return salt.encode()


def fingerprint(line_user_id: str) -> str:
    return hmac.new(_salt(), line_user_id.encode(), hashlib.sha256).hexdigest()


def log_id(line_user_id: str | None) -> str:
    """What a log line may carry instead of a LINE user id: 12 hex digits of its salted hash."""
    return "u:" + fingerprint(line_user_id)[:12] if line_user_id else "-"


def keep_strikes(line_user_id: str | None, false_report_count: int) -> None:
    """Before a reporter's identity goes: remember their false-report count under the id's fingerprint."""
    if not line_user_id or not false_report_count:
        return
    entry, created = StrikeFingerprint.objects.get_or_create(
        fingerprint=fingerprint(line_user_id), defaults={"false_report_count": false_report_count}
    )
    if not created and entry.false_report_count < false_report_count:
        StrikeFingerprint.objects.filter(pk=entry.pk).update(false_report_count=false_report_count)


def remembered_strikes(line_user_id: str) -> int:
    """The false-report count a returning LINE account had before it was anonymised (0: none)."""
    entry = StrikeFingerprint.objects.filter(fingerprint=fingerprint(line_user_id)).first()
    return entry.false_report_count if entry else 0
