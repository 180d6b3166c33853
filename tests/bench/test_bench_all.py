"""`python -m bench all` must not rot: its steps run here, briefly, against a live daphne + worker on the
suite's database (bench.stack), and the table is built from what they measured."""

import pytest
from django.db import connections

import bench.__main__ as bench
from bench import stack as stack_mod


@pytest.fixture
def live_stack(transactional_db):
    connections.close_all()
    running = stack_mod.start(worker=True)
    yield running
    running.stop()
    connections.close_all()


@pytest.mark.postgres
def test_the_quick_run_measures_every_live_figure_and_prints_the_table(live_stack):
    opts = bench.Options.quick_ones()
    opts.seconds, opts.rate_seconds, opts.pin_seconds, opts.idle_consoles, opts.consoles = 0.5, 0.5, 0.6, 3, 2
    warm = bench.warm_up(live_stack, count=3)
    assert warm["left"] == 0  # the worker processed the warm-up's webhooks: it is up
    rows = [
        bench.webhook_latency(live_stack, opts, warm),
        bench.throughput(live_stack, opts)[0],
        bench.pin_to_consoles(live_stack, opts),
        bench.command_with_consoles(live_stack, opts, rounds=1),
        bench.idle_consoles(live_stack, opts, seconds=0.5),
        bench.surge_row(bench.surge(live_stack, rate=4, seconds=0.5, every=0.2, quiet=True)),
    ]
    text = bench.table(rows)
    assert text.startswith("| figure | goal | measured | met? |")
    assert len(text.splitlines()) == 2 + len(rows)
    assert "nan" not in text  # every figure measured something
    assert "the first webhook after daphne started: " in rows[0].measured
    assert "(6/6 rows;" in rows[2].measured  # 3 pins, each on both consoles
    assert rows[5].met, rows[5].measured  # the surge lost nothing and drained
