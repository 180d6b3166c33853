"""#11 item 10: no cell of a CSV export is read as a formula (OWASP's CSV injection list, plus the ways
around a naive prefix check: blanks first, full-width signs, invisible characters)."""

import pytest

from dashboard.exports import neutralise

FORMULAS = [
    "=1+1",
    "+1+1",
    "-1+1",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
    "\tplain",  # a leading tab or CR is neutralised on its own (OWASP)
    "\rplain",
    " =1+1",
    "   +cmd|' /C calc'!A0",
    '\n=HYPERLINK("http://x")',
    "\r\n=1+1",
    "\u3000=1+1",  # ideographic space
    "\u00a0=1+1",  # no-break space
    "\u200b=1+1",  # zero-width space
    "\ufeff=1+1",  # byte-order mark
    "＝1+1",  # full-width equals sign
    "＋1",
    "－1",
    "＠SUM(A1)",
    "﹦1+1",  # small equals sign
    '=cmd|"/c calc"!A1',
]
PLAIN = ["สามีขู่จะทำร้าย", "ESS-2569-000001", "a=b", "1+1", "", "ถนนพระราม 1", "hello @ world", "   ", "0812345678"]


@pytest.mark.parametrize("value", FORMULAS)
def test_a_formula_in_any_disguise_is_neutralised(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", PLAIN)
def test_ordinary_text_is_left_alone(value):
    assert neutralise(value) == value


def test_numbers_stay_numbers():
    assert neutralise(-5) == "-5" and neutralise(13.75) == "13.75" and neutralise(None) == ""
