"""Cells for CSV files that staff open in a spreadsheet: nothing a spreadsheet would evaluate as a formula
(OWASP's CSV injection list). Every export uses `neutralise()`."""

import unicodedata
from datetime import datetime

from django.utils import timezone

FORMULA_STARTS = ("=", "+", "-", "@")


def neutralise(value) -> str:
    """A cell as text that no spreadsheet will evaluate."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, bool | int | float):
        return str(value)
    text = str(value)
    return "'" + text if looks_like_formula(text) else text


def _blank(char: str) -> bool:
    # Spaces of every kind (tab, newline, CR, no-break, ideographic), controls and invisible format
    # characters (zero-width space, BOM): spreadsheets skip some of them before reading a formula.
    return char.isspace() or unicodedata.category(char) in ("Cc", "Cf")


def looks_like_formula(text: str) -> bool:
    """True when a spreadsheet might evaluate `text`: it starts with a tab or carriage return (OWASP), or
    its first non-blank character folds (NFKC) to = + - or @ ("  =1+1", "\n=cmd", "＝1+1", "\u200b@SUM")."""
    if text[:1] in ("\t", "\r"):
        return True
    for char in text:
        if not _blank(char):
            return unicodedata.normalize("NFKC", char)[:1] in FORMULA_STARTS
    return False
