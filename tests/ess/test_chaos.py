"""bench/chaos.py keeps running: two of its rows at the quick scale, on whatever database the suite uses.

The script starts daphne and the worker as subprocesses on the test database, posts signed webhooks from
the fake LINE platform and reads the outcome back; a row that loses or doubles a report, answers 500 or
does not settle fails it."""

import pytest

from bench import chaos


@pytest.mark.django_db(transaction=True)
def test_the_quick_chaos_rows_hold(capsys):
    rows = {row.name: row for row in chaos.run(["--quick", "--rows", "R8,R1", "--reporters", "4"])}
    table = capsys.readouterr().out
    assert "R1" in table and "R8" in table
    redeliveries, forged = rows["R1"], rows["R8"]
    assert redeliveries.ok and forged.ok, table
    assert redeliveries.sent == 4 * 3 * 3
    assert (redeliveries.cases, redeliveries.lost, redeliveries.doubled, redeliveries.errors) == (4, 0, 0, 0)
    assert (forged.cases, forged.doubled, forged.errors) == (0, 0, 0)
    assert redeliveries.verdict == chaos.OK == forged.verdict
