"""Dashboard rollups: the period figures of a big window from per-day rows instead of every case.

The exact figures (dashboard.stats) read every case of the period: fine for a few thousand, most of a second
at a hundred thousand, seconds at a million (a national-disaster month). Here the worker keeps, per Bangkok
day (and whole past week) × province × category (and × agency for assignments), the counts and the
*histograms* of how long each step took, in fixed log-spaced buckets that add up: any range and any
province/category filter is a sum of rows, and medians and p90s are read from the summed histogram.
docs/dashboard-rollups.md has the design.

- Which path answers: `period_figures` — the exact query while the window holds at most
  DASHBOARD_EXACT_MAX_CASES cases (live and exact: every figure at today's load), the rollups above that,
  provided every day of the period has rows computed under the current signature (else exact again).
- Freshness: database triggers (migration 0003) append the day of every changed case or assignment to
  DirtyDay, whatever wrote it; the worker job `refresh` recomputes those days. A rollup lags the cases by at
  most one worker round (DASHBOARD_ROLLUP_SECONDS) plus the recomputation.
- Drill cases (Incident.is_drill) are never in a row.
- What depends on *now* (open cases already past a target they have not reached) is not in a row: it is
  counted live over the period's open cases (few, and indexed).
"""

from __future__ import annotations

import math
import operator
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import Case, Count, F, IntegerField, Q, Sum, Value, When
from django.db.models.fields.json import KeyTransform
from django.db.models.functions import Floor
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dashboard import stats
from dashboard.models import AgencyRollup, CaseRollup, DirtyDay, RollupDay, RollupWeek
from dashboard.stats import MILESTONES, PERCENTILES, Filters, Period
from dispatch.models import Agency, Assignment
from incidents import geo
from incidents.models import OPEN_STATUSES, Category, Hotline, Incident, Status
from shifts.actions import LOAD_WEEKS

ALL = "*"  # the category of a row that sums every category

# --- Histograms -------------------------------------------------------------------------------------
# Bucket 0: under 1 s (and negative, a clock error). Bucket b ≥ 1: [2^((b−1)/8), 2^(b/8)) seconds, read back
# as its geometric middle 2^((b−½)/8); the last bucket is open-ended (≥ 2^(MAX_BUCKET−1)/8 s, about 97 days).
# A value of v ≥ 1 s is read back within a factor 2^(1/16) of itself: at most 4.4 % too high or 4.2 % too
# low; under 1 s, within 0.5 s. A percentile interpolates between two such values as percentile_cont does
# between the true ones, so it keeps the same bound: |estimate − exact| ≤ 4.5 % of exact + 0.5 s.
PER_OCTAVE = 8
MAX_BUCKET = 1 + 23 * PER_OCTAVE
SCHEME = f"log2/{PER_OCTAVE}/{MAX_BUCKET}"


def bucket(seconds: float) -> int:
    if seconds < 1:
        return 0
    return min(MAX_BUCKET, 1 + math.floor(math.log2(seconds) * PER_OCTAVE))


def bucket_value(b: int) -> float:
    if b == 0:
        return 0.5
    if b == MAX_BUCKET:
        return 2 ** ((b - 1) / PER_OCTAVE)
    return 2 ** ((b - 0.5) / PER_OCTAVE)


def _dense() -> list[int]:
    return [0] * (MAX_BUCKET + 1)


def _sparse(dense: list[int]) -> list[int]:
    """[offset, n(offset), n(offset+1), …] without the zeros at either end ([] when empty)."""
    nonzero = [i for i, n in enumerate(dense) if n]
    if not nonzero:
        return []
    return [nonzero[0], *dense[nonzero[0] : nonzero[-1] + 1]]


def _add_sparse(dense: list[int], sparse: list[int]) -> None:
    if sparse:
        start, end = sparse[0], sparse[0] + len(sparse) - 1
        dense[start:end] = map(operator.add, dense[start:end], sparse[1:])  # the loop in C: ~10× a for loop


def histogram_percentiles(dense: list[int], fractions=PERCENTILES) -> tuple[int, list[float | None]]:
    """(n, [estimate per fraction]) from a dense histogram, interpolating between ranks k and k+1 as
    percentile_cont does (see dashboard.stats)."""
    n = sum(dense)
    if not n:
        return 0, [None for _f in fractions]
    wanted = []
    for f in fractions:
        pos = f * (n - 1)
        k = math.floor(pos)
        wanted.append((pos, k))
    ranks = sorted({r for _pos, k in wanted for r in (k, min(k + 1, n - 1))})
    at: dict[int, float] = {}
    seen = 0
    it = iter(ranks)
    rank = next(it, None)
    for b, count in enumerate(dense):
        seen += count
        while rank is not None and rank < seen:
            at[rank] = bucket_value(b)
            rank = next(it, None)
        if rank is None:
            break
    return n, [at[k] + (pos - k) * (at[min(k + 1, n - 1)] - at[k]) for pos, k in wanted]


def _span(dense: list[int]) -> dict:
    n, (p50, p90) = histogram_percentiles(dense)
    return {"n": n, "median": p50, "p90": p90}


# --- What a row holds ---------------------------------------------------------------------------------


def count_keys() -> list[str]:
    keys = ["open", "resolved", "false_report", "duplicate", "cancelled", "referred"]
    keys += [f"referred_{h}" for h in Hotline.values]
    for m in MILESTONES:
        keys += [f"sla_{m.key}_met", f"sla_{m.key}_late"]
    return keys


def signature() -> str:
    """What a row's numbers depend on besides the cases: the bucket scheme and the SLA targets (a row counts
    met/late against them). Rows of another signature are not read; the worker recomputes them."""
    targets = ",".join(f"{m.key}={int(m.target().total_seconds())}" for m in MILESTONES)
    return f"{SCHEME};{targets}"


class _CaseAcc:
    def __init__(self, keys: list[str]):
        self.received = 0
        self.counts = dict.fromkeys(keys, 0)
        self.by_category: dict[str, int] = {}
        self.hours = [0] * 24
        self.cells: dict[str, int] = {}
        self.hist = {m.key: _dense() for m in MILESTONES}

    def add(self, other: _CaseAcc, category: str) -> None:
        self.received += other.received
        for key, n in other.counts.items():
            self.counts[key] += n
        self.by_category[category] = self.by_category.get(category, 0) + other.received
        self.hours = [a + b for a, b in zip(self.hours, other.hours, strict=True)]
        for cell, n in other.cells.items():
            self.cells[cell] = self.cells.get(cell, 0) + n
        for key, dense in other.hist.items():
            self.hist[key] = [a + b for a, b in zip(self.hist[key], dense, strict=True)]

    def add_data(self, received: int, data: dict, category: str) -> None:
        """Add a stored row (a week is the sum of its days)."""
        self.received += received
        for key, n in data["counts"].items():
            self.counts[key] = self.counts.get(key, 0) + n
        for cat, n in data.get("by_category", {category: received}).items():
            self.by_category[cat] = self.by_category.get(cat, 0) + n
        self.hours[:] = map(operator.add, self.hours, data["hours"])
        for cell, n in data["cells"].items():
            self.cells[cell] = self.cells.get(cell, 0) + n
        for key, sparse in data["hist"].items():
            _add_sparse(self.hist[key], sparse)

    def data(self, with_categories: bool) -> dict:
        data = {
            "counts": self.counts,
            "hours": self.hours,
            "cells": self.cells,
            "hist": {k: _sparse(v) for k, v in self.hist.items()},
        }
        if with_categories:
            data["by_category"] = self.by_category
        return data


class _AgencyAcc:
    def __init__(self):
        self.assignments = 0
        self.declined = 0
        self.hist = {k: _dense() for k in stats.AGENCY_SPANS}

    def add_data(self, assignments: int, data: dict) -> None:
        self.assignments += assignments
        self.declined += data["declined"]
        for key, sparse in data["hist"].items():
            _add_sparse(self.hist[key], sparse)

    def data(self) -> dict:
        return {"declined": self.declined, "hist": {k: _sparse(v) for k, v in self.hist.items()}}

    def add(self, other: _AgencyAcc) -> None:
        self.assignments += other.assignments
        self.declined += other.declined
        for key, dense in other.hist.items():
            self.hist[key] = [a + b for a, b in zip(self.hist[key], dense, strict=True)]


def _raw(qs) -> list[tuple]:
    """The rows of a values_list() without Django's per-value converters (a third of the time here)."""
    try:
        sql, params = qs.query.sql_with_params()
    except EmptyResultSet:
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def compute_day(day: date) -> tuple[list[CaseRollup], list[AgencyRollup]]:
    """The rollup rows of one Bangkok day, from its real cases and their assignments (unsaved).

    The database hands over numbers, not timestamps (seconds between milestones, whether each was met,
    the hour, the map cell: the same expressions the exact query uses), and Python adds them up per
    province and category; the all-category rows are the sums of those."""
    period = Period(day, day)
    keys = count_keys()
    hotlines = set(Hotline.values)
    resolved_statuses = {Status.RESOLVED, Status.CLOSED}
    open_statuses = set(OPEN_STATUSES)
    per_milestone = {}
    for i, m in enumerate(MILESTONES):
        per_milestone[f"d{i}"] = stats.SecondsBetween(F("received_at"), F(m.field))
        per_milestone[f"m{i}"] = Case(
            When(stats.met_q(m), then=Value(1)), default=Value(0), output_field=IntegerField()
        )
    cases = (
        Incident.objects.real()
        .filter(received_at__gte=period.start, received_at__lt=period.end)
        .annotate(
            hour=stats.HourSinceEpoch("received_at"),
            lat=Floor(F("latitude") * 10),
            lng=Floor(F("longitude") * 10),
            has_resolved=Case(When(resolved_at__isnull=False, then=Value(1)), default=Value(0)),
            **per_milestone,
        )
        .order_by()
        .values_list(
            "province_code", "category", "status", "referred_to", "hour", "lat", "lng", "has_resolved", *per_milestone
        )
    )
    met_keys = [(f"sla_{m.key}_met", f"sla_{m.key}_late", m.key) for m in MILESTONES]
    accs: dict[tuple[str, str], _CaseAcc] = {}
    for province, category, status, referred_to, hour, lat, lng, has_resolved, *steps in _raw(cases):
        acc = accs.get((province, category))
        if acc is None:
            acc = accs[(province, category)] = _CaseAcc(keys)
        acc.received += 1
        c = acc.counts
        if status in open_statuses:
            c["open"] += 1
        elif status in resolved_statuses:
            c["resolved"] += has_resolved
        elif status == Status.FALSE_REPORT:
            c["false_report"] += 1
        elif status == Status.DUPLICATE:
            c["duplicate"] += 1
        elif status == Status.CANCELLED:
            c["cancelled"] += 1
        elif status == Status.REFERRED:
            c["referred"] += 1
            if referred_to in hotlines:
                c[f"referred_{referred_to}"] += 1
        acc.hours[(hour + 7) % 24] += 1  # Bangkok is UTC+7 all year (see stats.HourSinceEpoch)
        if lat is not None and lng is not None:
            cell = f"{int(lat)},{int(lng)}"
            acc.cells[cell] = acc.cells.get(cell, 0) + 1
        for (met_key, late_key, key), seconds, met in zip(met_keys, steps[::2], steps[1::2], strict=True):
            if seconds is None:
                continue
            c[met_key if met else late_key] += 1
            acc.hist[key][bucket(seconds)] += 1
    totals: dict[str, _CaseAcc] = {}
    for (province, category), acc in accs.items():
        total = totals.get(province)
        if total is None:
            total = totals[province] = _CaseAcc(keys)
        total.add(acc, category)

    spans = list(stats.AGENCY_SPANS.items())
    durations = {f"s{i}": stats.SecondsBetween(F(start), F(end)) for i, (_key, (start, end)) in enumerate(spans)}
    assignments = (
        Assignment.objects.filter(
            incident__is_drill=False, incident__received_at__gte=period.start, incident__received_at__lt=period.end
        )
        .annotate(**durations)
        .order_by()
        .values_list("incident__province_code", "incident__category", "agency_id", "status", *durations)
    )
    span_keys = [key for key, _pair in spans]
    agency_accs: dict[tuple[str, str, int], _AgencyAcc] = {}
    for province, category, agency_id, status, *seconds in _raw(assignments):
        acc = agency_accs.get((province, category, agency_id))
        if acc is None:
            acc = agency_accs[(province, category, agency_id)] = _AgencyAcc()
        acc.assignments += 1
        acc.declined += status == "declined"
        for key, value in zip(span_keys, seconds, strict=True):
            if value is not None:
                acc.hist[key][bucket(value)] += 1
    agency_totals: dict[tuple[str, int], _AgencyAcc] = {}
    for (province, _category, agency_id), acc in agency_accs.items():
        total = agency_totals.get((province, agency_id))
        if total is None:
            total = agency_totals[(province, agency_id)] = _AgencyAcc()
        total.add(acc)

    case_rows = [
        CaseRollup(day=day, province_code=province, category=category, received=acc.received, data=acc.data(False))
        for (province, category), acc in accs.items()
    ] + [
        CaseRollup(day=day, province_code=province, category=ALL, received=acc.received, data=acc.data(True))
        for province, acc in totals.items()
    ]
    agency_rows = [
        AgencyRollup(
            day=day,
            province_code=province,
            category=category,
            agency_id=agency_id,
            assignments=acc.assignments,
            data={"declined": acc.declined, "hist": {k: _sparse(v) for k, v in acc.hist.items()}},
        )
        for (province, category, agency_id), acc in [
            *agency_accs.items(),
            *(((p, ALL, a), acc) for (p, a), acc in agency_totals.items()),
        ]
    ]
    return case_rows, agency_rows


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _complete_week(first: date, today: date) -> bool:
    """Week rows are kept only for weeks wholly before today (the current week changes all day)."""
    return first + timedelta(days=6) < today


def rebuild_day(day: date, now: datetime | None = None) -> int:
    """Recompute one day's rows, replacing the old ones, and clear its dirty marks: one transaction, under
    the day's lock (a second worker waits, then recomputes again — harmless). Marks that commit while this
    runs stay, so the day is recomputed once more: a change is never lost between two workers' reads.
    The day's week, if it has rows, is marked stale in the same transaction (rebuild_week redoes it)."""
    now = now or timezone.now()
    with transaction.atomic():
        RollupDay.objects.bulk_create([RollupDay(day=day, computed_at=now, signature="")], ignore_conflicts=True)
        marker = RollupDay.objects.select_for_update().get(day=day)
        DirtyDay.objects.filter(day=day).delete()
        case_rows, agency_rows = compute_day(day)
        CaseRollup.objects.filter(day=day, span=1).delete()
        AgencyRollup.objects.filter(day=day, span=1).delete()
        CaseRollup.objects.bulk_create(case_rows, batch_size=500)
        AgencyRollup.objects.bulk_create(agency_rows, batch_size=500)
        marker.computed_at = now
        marker.signature = signature()
        marker.save(update_fields=["computed_at", "signature"])
        RollupWeek.objects.filter(monday=monday(day)).update(valid=False)
    return len(case_rows)


def rebuild_week(first: date, now: datetime | None = None) -> bool:
    """Recompute the week rows (span 7) of the week from Monday `first` as the sums of its day rows, under
    the week's lock. Only for a week wholly before today whose seven days all have current rows; returns
    whether the week is now valid."""
    now = now or timezone.now()
    days = [first + timedelta(days=i) for i in range(7)]
    if not _complete_week(first, stats.bangkok_today(now)):
        return False
    sig = signature()
    with transaction.atomic():
        RollupWeek.objects.bulk_create(
            [RollupWeek(monday=first, computed_at=now, signature="", valid=False)], ignore_conflicts=True
        )
        marker = RollupWeek.objects.select_for_update().get(monday=first)
        # Read after taking the lock: a day rebuilt meanwhile has committed (it waited for this lock to mark
        # the week stale) or will mark it stale after this commits.
        if RollupDay.objects.filter(day__in=days, signature=sig).count() < 7:
            return False
        keys = count_keys()
        cases: dict[tuple[str, str], _CaseAcc] = {}
        for province, category, received, data in CaseRollup.objects.filter(day__in=days, span=1).values_list(
            "province_code", "category", "received", "data"
        ):
            acc = cases.get((province, category))
            if acc is None:
                acc = cases[(province, category)] = _CaseAcc(keys)
            acc.add_data(received, data, category)
        agencies: dict[tuple[str, str, int], _AgencyAcc] = {}
        for province, category, agency_id, assignments, data in AgencyRollup.objects.filter(
            day__in=days, span=1
        ).values_list("province_code", "category", "agency_id", "assignments", "data"):
            acc = agencies.get((province, category, agency_id))
            if acc is None:
                acc = agencies[(province, category, agency_id)] = _AgencyAcc()
            acc.add_data(assignments, data)
        CaseRollup.objects.filter(day=first, span=7).delete()
        AgencyRollup.objects.filter(day=first, span=7).delete()
        CaseRollup.objects.bulk_create(
            [
                CaseRollup(
                    day=first,
                    span=7,
                    province_code=p,
                    category=c,
                    received=acc.received,
                    data=acc.data(with_categories=c == ALL),
                )
                for (p, c), acc in cases.items()
            ],
            batch_size=500,
        )
        AgencyRollup.objects.bulk_create(
            [
                AgencyRollup(
                    day=first,
                    span=7,
                    province_code=p,
                    category=c,
                    agency_id=a,
                    assignments=acc.assignments,
                    data=acc.data(),
                )
                for (p, c, a), acc in agencies.items()
            ],
            batch_size=500,
        )
        marker.computed_at, marker.signature, marker.valid = now, sig, True
        marker.save(update_fields=["computed_at", "signature", "valid"])
    return True


def rebuild_range(first: date, last: date, now: datetime | None = None) -> int:
    """Recompute every day from `first` to `last` and their weeks (the management command); returns the
    number of days."""
    days = Period(first, last).days
    for day in reversed(days):  # newest first: the days a dashboard asks for most
        rebuild_day(day, now)
    for week in sorted({monday(d) for d in days}, reverse=True):
        rebuild_week(week, now)
    return len(days)


# Days recomputed per worker round at most for dirty days; and days without rows yet (a new installation,
# days after a restore) built per round, newest first, as far back as the longest range the dashboard offers.
DAYS_PER_ROUND = 31
BACKFILL_PER_ROUND = 7
BACKFILL_DAYS = 366


def refresh(now: datetime | None = None) -> int:
    """The worker job: recompute the days marked dirty (newest first), then a few days computed under an
    old signature, then a few of the last BACKFILL_DAYS that have no rows yet. Returns the number of days
    recomputed (0: nothing to do)."""
    now = now or timezone.now()
    today = stats.bangkok_today(now)
    days = list(DirtyDay.objects.values_list("day", flat=True).distinct().order_by("-day")[:DAYS_PER_ROUND])
    stale = RollupDay.objects.exclude(signature=signature()).exclude(day__in=days).order_by("-day")
    days += list(stale.values_list("day", flat=True)[: max(0, DAYS_PER_ROUND - len(days))])
    first = today - timedelta(days=BACKFILL_DAYS - 1)
    built = set(RollupDay.objects.filter(day__gte=first, day__lte=today).values_list("day", flat=True))
    missing = (today - timedelta(days=i) for i in range(BACKFILL_DAYS))
    days += [d for d in missing if d not in built and d not in days][:BACKFILL_PER_ROUND]
    for day in days:
        rebuild_day(day, now)
    # Weeks: those of the days just rebuilt, then a few others without valid rows whose days are all built.
    weeks = {monday(d) for d in days if _complete_week(monday(d), today)}
    valid = set(
        RollupWeek.objects.filter(monday__gte=first, valid=True, signature=signature()).values_list("monday", flat=True)
    )
    built |= set(days)
    candidates = sorted({monday(d) for d in built if monday(d) >= first}, reverse=True)
    weeks |= {
        w
        for w in candidates
        if w not in valid and _complete_week(w, today) and all(w + timedelta(days=i) in built for i in range(7))
    }
    done = sum(rebuild_week(w, now) for w in sorted(weeks, reverse=True)[:DAYS_PER_ROUND])
    return len(days) + done


# --- Reading ----------------------------------------------------------------------------------------


def segments(period: Period) -> tuple[list[date], list[date]]:
    """The period as (Mondays of whole weeks inside it with valid week rows, the remaining days)."""
    mondays = [d for d in period.days if d.weekday() == 0 and d + timedelta(days=6) <= period.last]
    valid = (
        set(
            RollupWeek.objects.filter(monday__in=mondays, valid=True, signature=signature()).values_list(
                "monday", flat=True
            )
        )
        if mondays
        else set()
    )
    in_weeks = {w + timedelta(days=i) for w in valid for i in range(7)}
    return sorted(valid), [d for d in period.days if d not in in_weeks]


def covered(period: Period) -> bool:
    """Every day of the period has rows computed under the current signature."""
    n = RollupDay.objects.filter(day__gte=period.first, day__lte=period.last, signature=signature()).count()
    return n == len(period.days)


def _rows(model, scope, period: Period, filters: Filters, parts: tuple[list[date], list[date]] | None = None):
    """The rows that make up the period (week rows where valid, day rows elsewhere; `parts` from segments(),
    None: day rows only), within the scope and filters."""
    if parts is None:
        qs = model.objects.filter(span=1, day__gte=period.first, day__lte=period.last)
    else:
        weeks, days = parts
        qs = model.objects.filter(Q(span=7, day__in=weeks) | Q(span=1, day__in=days))
    if scope is not None:
        qs = qs.filter(province_code__in=scope)
    if filters.provinces:
        qs = qs.filter(province_code__in=filters.provinces)
    return qs.filter(category__in=filters.categories) if filters.categories else qs.filter(category=ALL)


def period_figures(scope, period: Period, filters: Filters | None = None, now: datetime | None = None) -> dict:
    """The period's heavy figures — {"table", "days", "hours", "times", "agencies", "cells", "source"} in
    the shapes dashboard.stats returns — from the rollups when the period holds more than
    DASHBOARD_EXACT_MAX_CASES cases and they cover it, else from the exact queries."""
    now = now or timezone.now()
    filters = filters or Filters()
    case_rows = None
    if covered(period):
        # How many cases first (day rows' plain column, cheap); the rows themselves only when needed.
        per_day = dict(
            _rows(CaseRollup, scope, period, filters)
            .values_list("day")
            .annotate(n=Sum("received"))
            .order_by()
            .values_list("day", "n")
        )
        if sum(per_day.values()) > settings.DASHBOARD_EXACT_MAX_CASES:
            parts = segments(period)
            rows = _rows(CaseRollup, scope, period, filters, parts)
            case_rows = list(rows.values_list("day", "province_code", "category", "received", "data"))
    if case_rows is None:
        days, hours = stats.by_day_and_hour(scope, period, filters)
        return {
            "source": "exact",
            "table": stats.province_table(scope, period, filters, now),
            "days": days,
            "hours": hours,
            "times": stats.response_times(scope, period, filters),
            "agencies": stats.agency_times(scope, period, filters),
            "cells": stats.map_cells(scope, period, filters),
        }
    return {"source": "rollup", **_from_rows(case_rows, per_day, parts, scope, period, filters, now)}


def _from_rows(case_rows, per_day: dict, parts, scope, period: Period, filters: Filters, now: datetime) -> dict:
    keys = count_keys()
    per_province: dict[str, dict] = {}
    hists: dict[str, dict[str, list[int]]] = {}
    hours = [0] * 24
    cells: dict[str, int] = {}
    for _day, province, category, received, data in case_rows:
        row = per_province.get(province)
        if row is None:
            row = per_province[province] = {"province_code": province, "received": 0, **dict.fromkeys(keys, 0)}
            row["by_category"] = dict.fromkeys(Category.values, 0)
            hists[province] = {m.key: _dense() for m in MILESTONES}
        row["received"] += received
        for key, n in data["counts"].items():
            row[key] = row.get(key, 0) + n
        # A row of all categories carries its split by category; a row of one category is that category.
        for cat, n in data.get("by_category", {category: received}).items():
            row["by_category"][cat] = row["by_category"].get(cat, 0) + n
        hours[:] = map(operator.add, hours, data["hours"])
        for cell, n in data["cells"].items():
            cells[cell] = cells.get(cell, 0) + n
        for key, sparse in data["hist"].items():
            _add_sparse(hists[province][key], sparse)
    # What depends on now: open cases of the period already past a target they have not reached.
    waiting = {
        f"w_{m.key}": Count(
            "id", filter=Q(**{f"{m.field}__isnull": True}, status__in=m.waiting_in, received_at__lt=now - m.target())
        )
        for m in MILESTONES
    }
    open_cases = stats.received(scope, period, filters).filter(status__in=OPEN_STATUSES)
    for group in open_cases.values("province_code").annotate(**waiting).order_by():
        row = per_province.get(group["province_code"])
        if row is None:  # a case the rollup has not seen yet (it lags by a worker round)
            continue
        for m in MILESTONES:
            row[f"sla_{m.key}_late"] += group[f"w_{m.key}"]

    table = stats.finish_table(per_province, ["received", *keys])

    provinces = []
    overall = {m.key: _dense() for m in MILESTONES}
    for province in sorted(hists):
        spans = {}
        for key, dense in hists[province].items():
            spans[key] = _span(dense)
            acc = overall[key]
            for i, n in enumerate(dense):
                if n:
                    acc[i] += n
        provinces.append(
            {"province_code": province, "name": geo.province_name(province) or _("Unknown province"), "spans": spans}
        )
    times = {"overall": {key: _span(dense) for key, dense in overall.items()}, "provinces": provinces}

    return {
        "table": table,
        "days": [{"day": d, "n": per_day.get(d, 0)} for d in period.days],
        "hours": hours,
        "times": times,
        "agencies": _agencies(scope, period, filters, parts),
        "cells": [
            {"lat": round((lat + 0.5) / 10, 2), "lng": round((lng + 0.5) / 10, 2), "n": n}
            for lat, lng, n in ((*map(int, cell.split(",")), n) for cell, n in cells.items())
        ],
    }


def expected_load_by_hour(scope, now: datetime | None = None) -> list[float] | None:
    """shifts.actions.expected_load_by_hour from the rollups' hours (the same figure: average real reports
    per Bangkok hour over the LOAD_WEEKS weeks before today, within the scope), or None — the caller counts
    exactly — when the rows do not cover those weeks or they hold few cases (DASHBOARD_EXACT_MAX_CASES)."""
    today = stats.bangkok_today(now)
    period = Period(today - timedelta(weeks=LOAD_WEEKS), today - timedelta(days=1))
    if not covered(period):
        return None
    rows = _rows(CaseRollup, scope, period, Filters(), segments(period))
    rows = list(rows.values_list("received", KeyTransform("hours", "data")))
    if sum(received for received, _hours in rows) <= settings.DASHBOARD_EXACT_MAX_CASES:
        return None
    hours = [0] * 24
    for _received, row_hours in rows:
        hours[:] = map(operator.add, hours, row_hours)
    return [round(n / len(period.days), 2) for n in hours]


def _agencies(scope, period: Period, filters: Filters, parts) -> list[dict]:
    per_agency: dict[int, dict] = {}
    for agency_id, assignments, data in _rows(AgencyRollup, scope, period, filters, parts).values_list(
        "agency_id", "assignments", "data"
    ):
        acc = per_agency.get(agency_id)
        if acc is None:
            acc = per_agency[agency_id] = {
                "assignments": 0,
                "declined": 0,
                "hist": {k: _dense() for k in stats.AGENCY_SPANS},
            }
        acc["assignments"] += assignments
        acc["declined"] += data["declined"]
        for key, sparse in data["hist"].items():
            _add_sparse(acc["hist"][key], sparse)
    agencies = Agency.objects.in_bulk(list(per_agency))
    rows = []
    for agency_id, acc in per_agency.items():
        agency = agencies.get(agency_id)
        if agency is None:  # deleted since: its assignments went with it; the day is dirty and recomputed
            continue
        rows.append(
            {
                "agency_id": agency_id,
                "name": agency.name,
                "province_code": agency.province_code,
                "province": geo.province_name(agency.province_code),
                "assignments": acc["assignments"],
                "declined": acc["declined"],
                "spans": {key: _span(dense) for key, dense in acc["hist"].items()},
            }
        )
    rows.sort(key=lambda r: (-r["assignments"], r["name"]))
    return rows


def mark_dirty(days: list[date]) -> None:
    """Mark days for the worker by hand (the triggers do it for every change; tests and repairs use this)."""
    DirtyDay.objects.bulk_create([DirtyDay(day=d) for d in days])
