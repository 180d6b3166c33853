"""#16: a server process pays its one-time costs when it starts, not in its first requests, and freezes
the start-up's objects so the collector's full passes stay short (ess.startup)."""

import gc
import json
import subprocess
import sys

from django.core.management import call_command

from tests.ess.test_settings import CLEAN, ROOT

STRONG = "k3Y-" + "aZ09_-xQ" * 8
PROBE = (
    "import gc, json, sys; import ess.asgi; "
    "print(json.dumps({'urlconf': 'ess.urls' in sys.modules, 'api': 'api.api' in sys.modules, "
    "'frozen': gc.get_freeze_count(), 'tracked': len(gc.get_objects())}))"
)


def test_the_web_app_loads_its_urlconf_and_freezes_the_start_ups_objects_when_imported():
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={**CLEAN, "DJANGO_SETTINGS_MODULE": "ess.settings", "DEBUG": "0", "SECRET_KEY": STRONG},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    state = json.loads(result.stdout.strip().splitlines()[-1])
    # Every view module imported before any request (Django would do it in the first one).
    assert state["urlconf"] and state["api"]
    # The modules, settings and URLconf are out of the collector's reach; what it still tracks is a sliver.
    assert state["frozen"] > 50_000
    assert state["tracked"] < state["frozen"] / 10


def test_the_worker_freezes_the_start_ups_objects_before_its_first_round(db):
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    try:
        call_command("worker", "--once")
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
