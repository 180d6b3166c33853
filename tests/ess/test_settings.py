"""Settings come from the environment and a wrong value stops the process, naming the variable.

Each case starts a fresh interpreter, since settings are read once per process.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import django, json; from django.conf import settings; django.setup(); "
    "print(json.dumps({k: getattr(settings, k) for k in "
    "['DEBUG','SECURE_SSL_REDIRECT','SESSION_COOKIE_SECURE','CSRF_COOKIE_SECURE','ALLOWED_HOSTS',"
    "'TIME_ZONE','LANGUAGE_CODE','LINE_API_BASE_URL','LINE_DATA_API_BASE_URL','SECURE_HSTS_SECONDS']} | "
    "{'DB': settings.DATABASES['default']['ENGINE'], 'LAYER': settings.CHANNEL_LAYERS['default']['BACKEND'],"
    " 'CACHE': settings.CACHES['default']['BACKEND'], 'APPS': settings.INSTALLED_APPS}))"
)
CLEAN = {
    k: v
    for k, v in os.environ.items()
    if k
    not in {
        "DEBUG",
        "SECRET_KEY",
        "DATABASE_URL",
        "REDIS_URL",
        "ALLOWED_HOSTS",
        "CSRF_TRUSTED_ORIGINS",
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "LINE_API_BASE_URL",
        "LINE_DATA_API_BASE_URL",
        "LINE_CHANNEL_SECRET",
        "LINE_CHANNEL_ACCESS_TOKEN",
        "DJANGO_SETTINGS_MODULE",
        "ESS_DEMO",
    }
}


def run(**env):
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={**CLEAN, "DJANGO_SETTINGS_MODULE": "ess.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def loaded(**env) -> dict:
    import json

    result = run(**env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_it_runs_on_sqlite_and_in_memory_layer_by_default():
    s = loaded(DEBUG="1")
    assert s["DB"] == "django.db.backends.sqlite3"
    assert s["LAYER"] == "channels.layers.InMemoryChannelLayer"
    assert s["TIME_ZONE"] == "Asia/Bangkok"
    assert s["LANGUAGE_CODE"] == "th"
    assert s["LINE_API_BASE_URL"] == "https://api.line.me"
    assert s["LINE_DATA_API_BASE_URL"] == "https://api-data.line.me"


def test_it_switches_to_postgresql_and_redis_from_the_environment():
    s = loaded(DEBUG="1", DATABASE_URL="postgres://u@127.0.0.1:5432/x", REDIS_URL="redis://127.0.0.1:6379/0")
    assert s["DB"] == "django.db.backends.postgresql"
    assert s["LAYER"] == "channels_redis.core.RedisChannelLayer"
    assert s["CACHE"] == "django.core.cache.backends.redis.RedisCache"


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"DEBUG": "0"}, "SECRET_KEY"),
        ({"DEBUG": "1", "SECURE_SSL_REDIRECT": "perhaps"}, "SECURE_SSL_REDIRECT"),
        ({"DEBUG": "1", "DATABASE_URL": "not a url"}, "DATABASE_URL"),
        ({"DEBUG": "1", "REDIS_URL": "127.0.0.1:6379"}, "REDIS_URL"),
        ({"DEBUG": "1", "LINE_API_BASE_URL": "api.line.me"}, "LINE_API_BASE_URL"),
        ({"DEBUG": "1", "CSRF_TRUSTED_ORIGINS": "ess.example.org"}, "CSRF_TRUSTED_ORIGINS"),
        ({"DEBUG": "1", "LOG_FORMAT": "xml"}, "LOG_FORMAT"),
        ({"DEBUG": "1", "SECURE_HSTS_SECONDS": "a year"}, "SECURE_HSTS_SECONDS"),
    ],
)
def test_it_refuses_a_wrong_value_naming_the_variable(env, variable):
    result = run(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr.strip().splitlines()[-1]


def test_it_is_secure_by_default_when_debug_is_off():
    s = loaded(DEBUG="0", SECRET_KEY="x" * 50, ALLOWED_HOSTS="ess.example.org")
    assert s["DEBUG"] is False
    assert (s["SECURE_SSL_REDIRECT"], s["SESSION_COOKIE_SECURE"], s["CSRF_COOKIE_SECURE"]) == (True, True, True)
    assert s["SECURE_HSTS_SECONDS"] == 365 * 24 * 60 * 60
    assert s["ALLOWED_HOSTS"] == ["ess.example.org"]


def test_it_lets_a_plain_http_run_switch_each_secure_setting_off():
    s = loaded(
        DEBUG="0", SECRET_KEY="x" * 50, SECURE_SSL_REDIRECT="0", SESSION_COOKIE_SECURE="0", CSRF_COOKIE_SECURE="0"
    )
    assert (s["SECURE_SSL_REDIRECT"], s["SESSION_COOKIE_SECURE"], s["CSRF_COOKIE_SECURE"]) == (False, False, False)


def test_it_installs_the_demo_app_only_for_development_or_a_demo():
    assert "demo" not in loaded(DEBUG="0", SECRET_KEY="x" * 50)["APPS"]
    assert "demo" in loaded(DEBUG="1")["APPS"]
    assert "demo" in loaded(DEBUG="0", SECRET_KEY="x" * 50, ESS_DEMO="1")["APPS"]
    assert "demo" not in loaded(DEBUG="1", ESS_DEMO="0")["APPS"]
