"""Tokens for the fixed cast: one per role and reach, always with an outsider."""

import uuid

import pytest

from api import ratelimit
from api.tokens import issue_token
from ess.models import Role


@pytest.fixture(autouse=True)
def _fresh_rate_limits(settings, monkeypatch):
    # Rate-limit counters live in the cache (a shared Redis under CI): each test counts under keys of its
    # own (never cache.clear(), which would flush everyone's Redis database). And the events feed serves
    # at once unless a test is about the settling delay.
    monkeypatch.setattr(ratelimit, "KEY_PREFIX", f"api-rate-test-{uuid.uuid4().hex}")
    settings.API_EVENTS_SETTLE_SECONDS = 0


def bearer(secret: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def make_token(db):
    def make(name="t", role=Role.OPERATOR, provinces=(), agency=None, **kwargs):
        return issue_token(name, role=role, provinces=provinces, agency=agency, **kwargs)

    return make


class _Tokens(dict):
    """Issued on first use (each one creates a service account), so a test pays only for those it uses."""

    def __init__(self, make, agencies):
        super().__init__()
        self.specs = {
            "operator": lambda: make("ops national", Role.OPERATOR),
            "sup_bkk": lambda: make("sup bkk", Role.SUPERVISOR, ["10"]),
            "sup_cm": lambda: make("sup cm", Role.SUPERVISOR, ["50"]),
            "resp_bkk": lambda: make("bkk police CAD", Role.RESPONDER, agency=agencies["bkk"]),
            "resp_cm": lambda: make("cm pmj system", Role.RESPONDER, agency=agencies["cm"]),
            "admin": lambda: make("ministry", Role.ADMIN),
        }

    def __missing__(self, key):
        self[key] = self.specs[key]()
        return self[key]


@pytest.fixture
def tokens(make_token, agencies):
    """National operator; Bangkok and Chiang Mai (the outsider) supervisors; responder tokens of the Bangkok
    police and of Chiang Mai's พมจ. (the outsider); an administrator."""
    return _Tokens(make_token, agencies)
