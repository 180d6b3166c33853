"""Shared fixtures: a small fixed cast of staff (always including an outsider), and service guards.

Tests that need PostgreSQL, Redis or chromium are skipped, saying so, where those are missing; under CI
(`CI=true`, set by .ci/run) a missing service is a failure instead, so nothing is silently skipped there.
"""

import os
import shutil

import pytest
from django.conf import settings
from django.db import connection

from dispatch.models import Agency, AgencyArea, AgencyKind
from dispatch.routing import ensure_default_rules
from dispatch.staff import ensure_staff
from ess.models import Role
from tests.two_factor import verify_test_logins

# Live daphne server, Playwright browser and login helper, shared by every app's browser tests.
pytest_plugins = ["tests.browser", "tests.line"]

# Supervisors' and administrators' test-client logins come with a verified second factor (tests/two_factor.py).
verify_test_logins()

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = "/usr/bin/chromium"


def _unavailable(marker: str) -> str | None:
    if marker == "postgres" and connection.vendor != "postgresql":
        return "needs PostgreSQL: set DATABASE_URL=postgres://… (.ci/run does)"
    if marker == "redis" and not settings.REDIS_URL:
        return "needs Redis: set REDIS_URL=redis://… (.ci/run does)"
    if marker == "browser" and not shutil.which(CHROMIUM):
        return "needs Debian's chromium at /usr/bin/chromium (apt-get install -y chromium)"
    return None


def pytest_runtest_setup(item):
    for marker in ("postgres", "redis", "browser"):
        if item.get_closest_marker(marker):
            reason = _unavailable(marker)
            if reason:
                if IN_CI:
                    pytest.fail(f"CI must run this test: {reason}", pytrace=False)
                pytest.skip(reason)


PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def routing_rules(request):
    """The default routing rules, as the migration seeds them. A transactional test (websocket, browser)
    flushes the database afterwards, data-migration rows included, so they are put back for each test."""
    if request.node.get_closest_marker("django_db") is None:
        return
    request.getfixturevalue("db")  # follows the marker: transactional where the test asked for it
    ensure_default_rules()


@pytest.fixture
def agencies(db):
    """A police station in Bangkok (Pathum Wan) and the Chiang Mai provincial พม. office."""
    bkk = Agency.objects.create(
        code="bkk-police",
        name="สน.ปทุมวัน",
        kind=AgencyKind.POLICE,
        province_code="10",
        latitude=13.744,
        longitude=100.53,
    )
    AgencyArea.objects.create(agency=bkk, province_code="10", district_code="1007")
    cm = Agency.objects.create(
        code="cm-pmj",
        name="พมจ.เชียงใหม่",
        kind=AgencyKind.PROVINCIAL_MSDHS,
        province_code="50",
        latitude=18.83,
        longitude=98.97,
    )
    AgencyArea.objects.create(agency=cm, province_code="50")
    return {"bkk": bkk, "cm": cm}


@pytest.fixture
def operator(db):
    return ensure_staff("op", role=Role.OPERATOR, password=PASSWORD, national=True).user


@pytest.fixture
def supervisor_bkk(db):
    return ensure_staff("sup_bkk", role=Role.SUPERVISOR, password=PASSWORD, provinces=["10"]).user


@pytest.fixture
def supervisor_cm(db):
    """The outsider for Bangkok cases: a supervisor of Chiang Mai only."""
    return ensure_staff("sup_cm", role=Role.SUPERVISOR, password=PASSWORD, provinces=["50"]).user


@pytest.fixture
def responder_bkk(agencies):
    return ensure_staff("resp_bkk", role=Role.RESPONDER, password=PASSWORD, agency_code="bkk-police").user


@pytest.fixture
def responder_cm(agencies):
    """The outsider for Bangkok assignments: a responder of another agency."""
    return ensure_staff("resp_cm", role=Role.RESPONDER, password=PASSWORD, agency_code="cm-pmj").user


@pytest.fixture
def admin_user(db):
    return ensure_staff("boss", role=Role.ADMIN, password=PASSWORD).user


@pytest.fixture
def english(settings):
    """Run in English: assertions on messages use the English msgids, whatever Thai the lead fills in."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
