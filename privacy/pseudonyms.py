"""Salted hashes of LINE user ids: for a log line that must correlate one reporter's events without
naming them, and for the false-report fingerprint that survives anonymisation (docs/privacy.md).

The salt is PRIVACY_HASH_SALT (default: derived from SECRET_KEY). Without the salt a hash cannot be
turned back into an id by trying LINE ids; rotating the salt forgets every fingerprint."""

from privacy.logs import pseudonym, salted_hash
from privacy.models import StrikeFingerprint

__all__ = ["fingerprint", "keep_strikes", "pseudonym", "remembered_strikes"]


def fingerprint(line_user_id: str) -> str:
    return salted_hash(line_user_id)


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
