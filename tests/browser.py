"""Shared live-server and browser fixtures (loaded from tests/conftest.py through `pytest_plugins`).

- `start_daphne()` / `daphne_server`: the real ASGI app (`ess.asgi:application`, wrapped by
  tests.live_asgi, see there) served by daphne in a subprocess on 127.0.0.1 and an ephemeral port, against
  the *test* database. Tests using it need committed data: mark them
  `@pytest.mark.django_db(transaction=True)`. Two servers can run at once (`start_daphne()` twice); with
  REDIS_URL set they share the channel layer like two production workers.
- `browser` / `page`: headless Debian chromium through Playwright (never `playwright install`), a page of
  1366×768 whose relative URLs go to the live server; `login(page, user)` gives it a staff session.
Mark browser tests `@pytest.mark.browser` (skipped locally without chromium, a failure under CI).
"""

import atexit
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection, connections

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
LIVE_SERVER_APP_NAME = "ess-live-test-server"
LISTENING = re.compile(r"Listening on TCP address 127\.0\.0\.1:(\d+)")


def test_database_url() -> str:
    """The URL of the database the tests run on (pytest-django swapped NAME to the test database)."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        name = str(db["NAME"])
        if name == ":memory:" or "mode=memory" in name:
            raise RuntimeError("A live server cannot share an in-memory SQLite database.")
        return f"sqlite:///{name}"
    if db["ENGINE"] == "django.db.backends.postgresql":
        auth = quote(db.get("USER") or "")
        if db.get("PASSWORD"):
            auth += ":" + quote(db["PASSWORD"])
        host = db.get("HOST") or "127.0.0.1"
        port = db.get("PORT") or 5432
        # Tagged, so stop() can wait for the server's sessions to end before the test database is dropped.
        return f"postgres://{auth}@{host}:{port}/{db['NAME']}?application_name={LIVE_SERVER_APP_NAME}"
    raise RuntimeError(f"No live server support for {db['ENGINE']}")


# A helper, not a test: pytest would collect it wherever it is imported.
test_database_url.__test__ = False


@dataclass
class LiveServer:
    process: subprocess.Popen
    port: int
    log: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def call(self, func: str, **kwargs) -> dict:
        """Run `func` (a dotted path, e.g. "tests.factories.make_incident") inside the server process, so
        its live updates go out on the server's channel layer. Returns {"pk": ..., "repr": ...}."""
        import json
        import urllib.request

        request = urllib.request.Request(
            f"{self.url}/__tests__/call/",
            data=json.dumps({"func": func, "kwargs": kwargs}).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        _wait_for_server_sessions_to_end()


def _wait_for_server_sessions_to_end(timeout: float = 5) -> None:
    """PostgreSQL ends a dead client's session a moment after the process is gone; dropping the test
    database in that moment fails ("being accessed by other users")."""
    if connection.vendor != "postgresql":
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = %s",
                [LIVE_SERVER_APP_NAME],
            )
            if cursor.fetchone()[0] == 0:
                return
        time.sleep(0.05)


def start_daphne(env: dict | None = None, timeout: float = 20, port: int = 0) -> LiveServer:
    """Start daphne on 127.0.0.1 and an ephemeral port (it reports the port it bound). Pass the `port` of
    a stopped server to bring "the same" server back (reconnect tests)."""
    connection.close()  # SQLite: nothing of ours holds the write lock while the server starts
    child_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": test_database_url(),
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
        "LINE_WEBHOOK_WRITER": "1",  # as deployed (tests.settings turns it off in-process)
        **(env or {}),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "tests.live_asgi:application"],
        cwd=ROOT,
        env=child_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    log: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            if process.poll() is not None:
                break
            continue
        log.append(line)
        match = LISTENING.search(line)
        if match:
            server = LiveServer(process=process, port=int(match.group(1)), log=log)
            _drain(server)
            # A test that fails before its clean-up must not leave a server running after pytest.
            atexit.register(_kill_if_running, process)
            return server
    process.kill()
    raise RuntimeError("daphne did not start:\n" + "".join(log))


def _kill_if_running(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()


def _drain(server: LiveServer) -> None:
    """Keep reading the server's output so a full pipe never blocks it; keep it for failure reports."""
    import threading

    def read():
        for line in server.process.stdout:
            server.log.append(line)

    threading.Thread(target=read, daemon=True).start()


def in_thread(func, *args, **kwargs):
    """Call `func` in a fresh thread and return its result: for ORM work (and its on-commit publishing)
    from a browser test while Playwright's event loop occupies the test's own thread."""
    import threading

    outcome = {}

    def run():
        try:
            outcome["result"] = func(*args, **kwargs)
        except BaseException as exc:  # re-raised in the caller
            outcome["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(60)
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("result")


@pytest.fixture
def daphne_server(transactional_db):
    server = start_daphne()
    yield server
    server.stop()


@pytest.fixture
def browser(django_db_setup, allow_sync_db_in_browser_tests):
    # Function-scoped on purpose: Playwright's sync API keeps an event loop in the main thread while it
    # runs, which would break every later (non-browser and async) test of the session.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()
        # While Playwright's loop runs, Django keeps this thread's connections in context-local storage;
        # close them now, or they outlive the test unseen and block dropping the test database.
        connections.close_all()


@pytest.fixture
def allow_sync_db_in_browser_tests(monkeypatch):
    # Playwright's sync API keeps an event loop in this thread; the test's own ORM calls are still
    # synchronous and safe, so Django's async-safety guard is relaxed for browser tests only.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def new_page(browser, server: LiveServer, **context_options):
    # bypass_csp: Playwright's wait_for_function with a string evaluates it in the page, which the site's
    # Content-Security-Policy (no eval) refuses; tests/security/test_csp_browser.py keeps the policy on.
    options = {
        "viewport": {"width": 1366, "height": 768},
        "base_url": server.url,
        "locale": "en-US",
        "bypass_csp": True,
        **context_options,
    }
    context = browser.new_context(**options)
    page = context.new_page()
    page.ess_server = server
    return page


@pytest.fixture
def page(browser, daphne_server):
    page = new_page(browser, daphne_server)
    yield page
    page.context.close()


def pass_second_factor(page, user) -> None:
    """After the password, as a supervisor or administrator would: enrol an authenticator from the secret
    on the set-up page (and go on past the recovery codes), or enter the current code of the one they have."""
    from urllib.parse import urlsplit

    from tests.two_factor import authenticator, code_for, code_from_secret

    path = urlsplit(page.url).path
    if path == "/accounts/two-factor/setup/":
        page.fill("input[name=code]", code_from_secret(page.text_content("#totp-secret")))
        page.click("main form:has(input[name=code]) [type=submit]")
        page.wait_for_selector("#recovery-codes")
        page.click("main a.button.primary")
        page.wait_for_load_state()
    elif path == "/accounts/two-factor/":
        page.fill("input[name=code]", code_for(authenticator(user)))
        page.click("main form:has(input[name=code]) [type=submit]")
        page.wait_for_load_state()


def login(page, user, password: str | None = None, language: str | None = None) -> None:
    """Log `user` in: through the login form when a password is given, else by a session cookie.
    `language` ("en", "th") sets the language switch's cookie (the console is Thai unless switched)."""
    server = page.ess_server
    if language is not None:
        page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": server.url}])
    if password is not None:
        page.goto("/accounts/login/")
        page.fill("input[name=username]", user.get_username())
        page.fill("input[name=password]", password)
        page.click("main form:has(input[name=password]) [type=submit]")
        page.wait_for_load_state()
        pass_second_factor(page, user)
        return
    from django.test import Client

    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": server.url,
            }
        ]
    )
