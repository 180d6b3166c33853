"""References: ESS-<Buddhist-era year>-<6 digits>, per year from 000001, no gaps or repeats."""

import re
from datetime import UTC, datetime

import pytest
from django.db import transaction

from incidents.models import Incident
from incidents.references import buddhist_year, format_reference, next_reference
from tests.concurrency import run_together
from tests.factories import make_incident


def test_it_formats_the_reference():
    assert format_reference(2569, 42) == "ESS-2569-000042"


def test_it_uses_the_buddhist_era_year_of_bangkok_time():
    assert buddhist_year(datetime(2026, 6, 1, tzinfo=UTC)) == 2569
    # 17:00 UTC on 31 December is already New Year's Day in Bangkok (UTC+7).
    assert buddhist_year(datetime(2026, 12, 31, 16, 59, tzinfo=UTC)) == 2569
    assert buddhist_year(datetime(2026, 12, 31, 17, 0, tzinfo=UTC)) == 2570


def test_it_numbers_cases_per_year_from_one(db):
    first = make_incident(received_at=datetime(2026, 3, 1, tzinfo=UTC))
    second = make_incident(received_at=datetime(2026, 3, 2, tzinfo=UTC))
    new_year = make_incident(received_at=datetime(2026, 12, 31, 18, 0, tzinfo=UTC))
    assert first.reference == "ESS-2569-000001"
    assert second.reference == "ESS-2569-000002"
    assert new_year.reference == "ESS-2570-000001"


def test_it_gives_a_rolled_back_number_back(db):
    with pytest.raises(RuntimeError), transaction.atomic():
        make_incident()
        raise RuntimeError("the intake failed after taking a number")
    assert make_incident().reference.endswith("-000001")


@pytest.mark.django_db(transaction=True)
def test_it_must_run_inside_the_creating_transaction():
    with pytest.raises(RuntimeError):
        next_reference()


@pytest.mark.django_db(transaction=True)
def test_it_never_repeats_or_skips_a_number_under_concurrency():
    n = 8
    results = run_together(lambda i: make_incident().reference, n)
    assert all(kind == "ok" for kind, _ in results), results
    refs = sorted(value for _, value in results)
    assert all(re.fullmatch(r"ESS-\d{4}-\d{6}", r) for r in refs)
    numbers = [int(r.rsplit("-", 1)[1]) for r in refs]
    assert numbers == list(range(1, n + 1))
    assert Incident.objects.count() == n
