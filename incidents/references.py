"""Case references: ESS-<Buddhist-era year>-<6 digits>, numbered per year from 000001, no gaps, no repeats."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from incidents.models import ReferenceCounter

BUDDHIST_ERA_OFFSET = 543


def buddhist_year(moment: datetime | None = None) -> int:
    """The Buddhist-era year of `moment` in Thailand (Asia/Bangkok), e.g. 2026 → 2569."""
    local = timezone.localtime(moment or timezone.now())
    return local.year + BUDDHIST_ERA_OFFSET


def format_reference(year: int, number: int) -> str:
    return f"ESS-{year}-{number:06d}"


def next_reference(moment: datetime | None = None) -> str:
    """Take the next number of the year. Must run inside the transaction that creates the case, so a
    rolled-back case gives its number back (no gaps); the UPDATE's row lock serialises callers."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_reference() must be called inside transaction.atomic()")
    year = buddhist_year(moment)
    if not ReferenceCounter.objects.filter(year=year).exists():
        try:
            with transaction.atomic():
                ReferenceCounter.objects.create(year=year, last_number=0)
        except IntegrityError:
            pass  # another process created this year's counter first
    ReferenceCounter.objects.filter(year=year).update(last_number=F("last_number") + 1)
    number = ReferenceCounter.objects.values_list("last_number", flat=True).get(year=year)
    return format_reference(year, number)
