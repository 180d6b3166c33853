"""Reading settings from the environment.

Every helper fails loudly, naming the variable, so a typo in a deployment stops
the process at start instead of silently running with a default.
"""

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None:
        if default is None:
            raise ImproperlyConfigured(f"The environment variable {name} must be set.")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"The environment variable {name}={raw!r} is not a boolean; use 1/0, true/false, yes/no or on/off."
    )


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"The environment variable {name}={raw!r} is not a whole number.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_url(name: str, default: str, schemes: tuple[str, ...]) -> str:
    value = env_str(name, default)
    if not value.startswith(tuple(f"{s}://" for s in schemes)):
        raise ImproperlyConfigured(
            f"The environment variable {name}={value!r} must be a URL starting with "
            + " or ".join(f"{s}://" for s in schemes)
            + "."
        )
    return value.rstrip("/")


def secret_key_problem(key: str) -> str | None:
    """Why `key` is too weak to sign sessions and CSRF tokens in production, or None. The same rule as
    Django's deploy check (security.W009): at least 50 characters, at least 5 different ones, not a key
    made by `startproject`."""
    if len(key) < 50 or len(set(key)) < 5 or key.startswith("django-insecure-"):
        return (
            "The environment variable SECRET_KEY is too weak: use at least 50 random characters, e.g. "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'."
        )
    return None


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value not in choices:
        raise ImproperlyConfigured(f"The environment variable {name}={raw!r} must be one of: {', '.join(choices)}.")
    return value
