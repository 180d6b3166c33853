"""#11 item 8: the web server refuses a weak SECRET_KEY, X-Forwarded-Proto is trusted only with
BEHIND_PROXY=1, and the access log never holds a query string (the console's search puts names there)."""

import json
import subprocess
import sys
import urllib.request

from tests.ess.test_server import serve  # noqa: F401  (fixture)
from tests.ess.test_settings import CLEAN, ROOT, loaded

STRONG = "k3Y-" + "aZ09_-xQ" * 8


def start_web_app(**env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "import ess.asgi"],
        cwd=ROOT,
        env={**CLEAN, "DJANGO_SETTINGS_MODULE": "ess.settings", "DEBUG": "0", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_web_server_refuses_a_weak_secret_key():
    for weak in ("change-me", "x" * 60, "django-insecure-" + "abcdefghij" * 5):
        result = start_web_app(SECRET_KEY=weak)
        assert result.returncode != 0, weak
        assert "SECRET_KEY is too weak" in result.stderr.strip().splitlines()[-1]
    assert start_web_app(SECRET_KEY=STRONG).returncode == 0


def test_x_forwarded_proto_is_trusted_only_behind_a_proxy():
    probe = (
        "import django, json; from django.conf import settings; django.setup(); "
        "print(json.dumps(settings.SECURE_PROXY_SSL_HEADER))"
    )

    def header(**env):
        result = subprocess.run(
            [sys.executable, "-c", probe],
            cwd=ROOT,
            env={**CLEAN, "DJANGO_SETTINGS_MODULE": "ess.settings", "DEBUG": "0", "SECRET_KEY": STRONG, **env},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    assert header() is None
    assert header(BEHIND_PROXY="0") is None
    assert header(BEHIND_PROXY="1") == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert loaded(DEBUG="0", SECRET_KEY=STRONG)["DEBUG"] is False


def test_the_access_log_has_no_query_strings(serve):  # noqa: F811
    process, url = serve()
    with urllib.request.urlopen(
        f"{url}/slow?seconds=0&q=%E0%B8%AA%E0%B8%A1%E0%B8%A8%E0%B8%A3%E0%B8%B5+0812345678"
    ) as r:
        assert r.status == 200
    process.terminate()
    output = process.communicate(timeout=30)[0]
    assert '"GET /slow" 200' in output  # the request is logged, without what followed "?"
    assert "0812345678" not in output and "seconds=" not in output and "%E0" not in output
