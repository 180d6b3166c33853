"""Settings for the test suite: production settings (DEBUG off) with safe defaults for what the
environment leaves unset. DATABASE_URL and REDIS_URL pass through, so .ci/run tests PostgreSQL + Redis."""

import os

# Long enough for the web server's start check (ess.asgi); still only for tests.
os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-" + "0123456789abcdef" * 3)
os.environ.setdefault("ALLOWED_HOSTS", "localhost,127.0.0.1,testserver")
# The test client and the loopback live servers speak plain HTTP.
for _name in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"):
    os.environ.setdefault(_name, "0")
os.environ.setdefault("LINE_CHANNEL_SECRET", "8c570fa6dd201bb328f1c1eac23a96d8")
os.environ.setdefault("LINE_CHANNEL_ACCESS_TOKEN", "test-access-token")
# The demo app (fake LINE platform, phone simulator, demo data) is installed so its own tests can run;
# tests/ess/test_settings.py checks that production settings leave it out.
os.environ.setdefault("ESS_DEMO", "1")

# Channel-layer groups and cache keys are per test run and per xdist worker: two runs on one Redis (CI and a
# developer, or `-n 2`'s workers) must not hear each other's consoles. xdist workers and the live servers a
# test starts inherit the run id; each worker adds its own name, which its live servers inherit too.
os.environ.setdefault("ESS_TEST_RUN_ID", str(os.getpid()))
os.environ["REDIS_PREFIX"] = f"ess-test-{os.environ['ESS_TEST_RUN_ID']}-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"

from ess.settings import *  # noqa: E402, F403
from ess.settings import STORAGES  # noqa: E402

# No collectstatic before tests: serve static files from the source folders.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests
# The live test server (tests.browser) serves static files straight from the source folders too.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# The webhook's shared inbox writer (incidents.line.inbox.Writer) stores on a connection of its own, outside
# the transaction a `db` test runs in: in-process tests store on the test's connection, the live servers
# (tests.browser.start_daphne, the benchmarks) run it as deployed.
LINE_WEBHOOK_WRITER = os.environ.get("LINE_WEBHOOK_WRITER", "0") == "1"
