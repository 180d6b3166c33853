"""The supervisor dashboard's figures: plain query functions, no HTTP.

Every figure takes a *scope* (province codes the viewer is limited to, or None for national reach), a
`Period` of Asia/Bangkok days and `Filters`, and returns plain data computed by database aggregates —
never a Python loop over cases — so the number of queries and the work done in Python do not grow with
the number of cases (tests/dispatch/test_dashboard.py counts them; bench/dashboard.py times them on a
million cases).

Medians and 90th percentiles are `percentile_cont` (linear interpolation between the two nearest ranks):
PostgreSQL computes it natively; SQLite, which has no ordered-set aggregates, gets the same answer from
a window query that numbers each group's values and interpolates between ranks k and k+1.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import Case, Count, Exists, F, FloatField, Func, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import ExtractHour, Floor
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dispatch.models import ACTIVE_ASSIGNMENT_STATUSES, Agency, Assignment, AssignmentStatus, Responder
from dispatch.presence import online_user_ids
from ess.models import Role, StaffProfile
from incidents import geo
from incidents.models import OPEN_STATUSES, Category, Hotline, Incident, IncidentEvent, Status

BANGKOK = ZoneInfo("Asia/Bangkok")
PERCENTILES = (0.5, 0.9)


# --- What is asked --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Whole Asia/Bangkok days, `first` to `last` inclusive."""

    first: date
    last: date

    @classmethod
    def last_days(cls, days: int, today: date | None = None) -> Period:
        today = today or bangkok_today()
        return cls(today - timedelta(days=days - 1), today)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time.min, tzinfo=BANGKOK)

    @property
    def end(self) -> datetime:
        """Exclusive: midnight in Bangkok after the last day."""
        return datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=BANGKOK)

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]


@dataclass(frozen=True)
class Filters:
    """What the viewer narrowed the figures to, inside their scope (empty: everything in scope)."""

    provinces: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()


def bangkok_today(now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(BANGKOK).date()


# --- Milestones and targets -----------------------------------------------------------------------


@dataclass(frozen=True)
class Milestone:
    key: str
    field: str
    label: str
    # Open statuses in which a case has not reached this milestone yet.
    waiting_in: tuple[str, ...]
    setting: str

    def target(self) -> timedelta:
        return timedelta(minutes=getattr(settings, self.setting))  # the defaults are in ess/settings.py


_ORDER = list(OPEN_STATUSES)  # new, triaged, dispatched, acknowledged, en_route, on_scene


def _before(status: str) -> tuple[str, ...]:
    return tuple(_ORDER[: _ORDER.index(status)])


MILESTONES: tuple[Milestone, ...] = (
    Milestone("triage", "triaged_at", _("Received → triaged"), _before(Status.TRIAGED), "SLA_TRIAGE_MINUTES"),
    Milestone(
        "dispatch", "dispatched_at", _("Received → dispatched"), _before(Status.DISPATCHED), "SLA_DISPATCH_MINUTES"
    ),
    Milestone(
        "acknowledge",
        "acknowledged_at",
        _("Received → acknowledged"),
        _before(Status.ACKNOWLEDGED),
        "SLA_ACKNOWLEDGE_MINUTES",
    ),
    Milestone("on_scene", "on_scene_at", _("Received → on scene"), _before(Status.ON_SCENE), "SLA_ON_SCENE_MINUTES"),
    Milestone("resolve", "resolved_at", _("Received → resolved"), tuple(_ORDER), "SLA_RESOLVE_MINUTES"),
)
MILESTONE_BY_KEY = {m.key: m for m in MILESTONES}
# The step's own name, for narrow tables where "Received → …" is understood.
STEP_NAMES = {
    "triage": _("Triage"),
    "dispatch": _("Dispatch"),
    "acknowledge": _("Acknowledge"),
    "on_scene": _("On scene"),
    "resolve": _("Resolve"),
}

# The milestone an open case in each status is waiting for (its deadline is that milestone's target).
NEXT_MILESTONE = {
    Status.NEW: "triage",
    Status.TRIAGED: "dispatch",
    Status.DISPATCHED: "acknowledge",
    Status.ACKNOWLEDGED: "on_scene",
    Status.EN_ROUTE: "on_scene",
    Status.ON_SCENE: "resolve",
}

# Age bands of open cases: (key, label, lower bound, upper bound or None).
AGE_BANDS = (
    ("lt15m", _("< 15 min"), timedelta(0), timedelta(minutes=15)),
    ("15m1h", _("15 min – 1 h"), timedelta(minutes=15), timedelta(hours=1)),
    ("1h4h", _("1 – 4 h"), timedelta(hours=1), timedelta(hours=4)),
    ("4h24h", _("4 – 24 h"), timedelta(hours=4), timedelta(hours=24)),
    ("gt24h", _("> 24 h"), timedelta(hours=24), None),
)
AGE_BAND_KEYS = [b[0] for b in AGE_BANDS]

# A case has left the queue when it reaches one of these (whatever the route).
CLEARED_STATUSES = (
    Status.RESOLVED,
    Status.CLOSED,
    Status.DUPLICATE,
    Status.FALSE_REPORT,
    Status.REFERRED,
    Status.CANCELLED,
)


# --- SQL helpers ----------------------------------------------------------------------------------


class SecondsBetween(Func):
    """end − start in seconds (float), NULL when either is NULL."""

    arity = 2
    output_field = FloatField()

    def __init__(self, start, end, **extra):
        super().__init__(end, start, **extra)

    def as_sql(self, compiler, connection, **extra_context):
        raise NotImplementedError(f"SecondsBetween is not written for {connection.vendor}")

    def as_postgresql(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            template="date_part('epoch', %(expressions)s)",
            arg_joiner=" - ",
            **extra_context,
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 86400.0)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


def _windowed_percentiles(values_qs: QuerySet, fractions=PERCENTILES) -> dict:
    """`values_qs` selects (grp, val); returns {grp: (n, [percentile per fraction])}, NULL vals skipped.

    Standard SQL (window functions), used on SQLite: rank values within each group from 0, and for each
    fraction f take v[k] + (p − k)·(v[k+1] − v[k]) where p = f·(n−1), k = ⌊p⌋ — percentile_cont exactly.
    """
    try:
        inner_sql, params = values_qs.order_by().query.sql_with_params()
    except EmptyResultSet:  # e.g. a scope of no province: nothing to rank
        return {}
    picks = []
    for f in fractions:
        pos = f"({f!r} * (n - 1))"
        k = f"FLOOR({pos})"  # not CAST(… AS INTEGER): PostgreSQL's cast rounds
        lo = f"MAX(CASE WHEN i = {k} THEN val END)"
        hi = f"MAX(CASE WHEN i = {k} + 1 THEN val END)"
        picks.append(f"{lo} + ({pos} - {k}) * (COALESCE({hi}, {lo}) - {lo})")
    sql = (
        f"SELECT grp, n, {', '.join(picks)} FROM ("
        "  SELECT grp, val, ROW_NUMBER() OVER (PARTITION BY grp ORDER BY val) - 1 AS i,"
        "         COUNT(*) OVER (PARTITION BY grp) AS n"
        f"  FROM ({inner_sql}) AS t WHERE val IS NOT NULL"
        ") AS r GROUP BY grp, n"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0]: (row[1], list(row[2:])) for row in cursor.fetchall()}


def percentiles(
    qs: QuerySet,
    group: str | None,
    spans: dict[str, tuple[str, str]],
    overall: bool = False,
    tallies: dict[str, Q] | None = None,
) -> dict:
    """Median and p90 of each span (start field, end field) in seconds, per value of `group` (a field
    path; None: one group for everything): {grp: {span: {"n", "median", "p90"}}}. With `overall`, the
    result also has the key None for all groups together (PostgreSQL: the same pass, GROUP BY ROLLUP).
    With `tallies` ({name: condition}), each group also gets "_tallies": {"rows": n, name: count, …}
    (PostgreSQL: in the same pass).
    """
    empty = {"n": 0, "median": None, "p90": None}
    result: dict = {}
    if connection.vendor == "postgresql":
        values = {f"v{i}": SecondsBetween(F(start), F(end)) for i, (start, end) in enumerate(spans.values())}
        flags = {
            f"t{i}": Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())
            for i, condition in enumerate((tallies or {}).values())
        }
        inner = qs.annotate(grp=F(group) if group else Value(""), **values, **flags).values_list("grp", *values, *flags)
        fractions = ", ".join(repr(f) for f in PERCENTILES)
        # One sort per span gives both fractions (percentile_cont over an array of fractions).
        aggs = ", ".join(f"COUNT({v}), percentile_cont(ARRAY[{fractions}]) WITHIN GROUP (ORDER BY {v})" for v in values)
        tally_sql = "".join(f", SUM({t})" for t in flags)
        grouping = "ROLLUP (grp)" if group and overall else "grp"
        try:
            inner_sql, params = inner.order_by().query.sql_with_params()
        except EmptyResultSet:  # e.g. a scope of no province: no rows
            rows = []
        else:
            sql = f"SELECT grp, GROUPING(grp), {aggs}, COUNT(*){tally_sql} FROM ({inner_sql}) AS t GROUP BY {grouping}"
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                rows = cursor.fetchall()
        for row in rows:
            key = None if (row[1] or not group) else row[0]
            result[key] = {}
            for i, span in enumerate(spans):
                n, fractions_found = row[2 + 2 * i], row[3 + 2 * i]
                p50, p90 = fractions_found if fractions_found is not None else (None, None)
                result[key][span] = {"n": n, "median": p50, "p90": p90}
            if tallies is not None:
                counted = row[2 + 2 * len(spans) :]
                result[key]["_tallies"] = {"rows": counted[0]} | {
                    name: int(counted[1 + i] or 0) for i, name in enumerate(tallies)
                }
    else:
        groupings = [group] if group else [None]
        if group and overall:
            groupings.append(None)
        for grouping in groupings:
            for key, (start, end) in spans.items():
                rows = _windowed_percentiles(
                    qs.annotate(
                        grp=F(grouping) if grouping else Value(""), val=SecondsBetween(F(start), F(end))
                    ).values_list("grp", "val")
                )
                for g, (n, (p50, p90)) in rows.items():
                    result.setdefault(g if grouping else None, {})[key] = {"n": n, "median": p50, "p90": p90}
        if tallies is not None:
            tallied = (
                qs.annotate(grp=F(group) if group else Value(""))
                .values("grp")
                .annotate(
                    rows=Count("pk"), **{name: Count("pk", filter=condition) for name, condition in tallies.items()}
                )
            )
            for row in tallied.order_by():
                counted = {"rows": row["rows"]} | {name: row[name] for name in tallies}
                result.setdefault(row["grp"] if group else None, {})["_tallies"] = counted
    for per_span in result.values():
        for key in spans:
            per_span.setdefault(key, dict(empty))
    if overall or not group:
        result.setdefault(None, {key: dict(empty) for key in spans})
    return result


@contextmanager
def analytic_queries():
    """Wrap the dashboard's queries: on PostgreSQL, give their sorts memory (the medians sort tens of
    thousands of values) and skip JIT compilation, which costs more than it saves on queries this size.
    SET LOCAL ends with the transaction, so the connection goes back to the pool as it was."""
    if connection.vendor != "postgresql":
        # Not on SQLite: its transactions take the write lock at BEGIN (IMMEDIATE), which would stall writes.
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '32MB'")
            cursor.execute("SET LOCAL jit = off")
        yield


# --- Querysets ------------------------------------------------------------------------------------


def scoped(scope: list[str] | None, filters: Filters = Filters()) -> QuerySet[Incident]:
    """Cases the viewer may count: real ones (never a drill's), inside their provinces, narrowed by the
    filters. Every figure, list and export starts here."""
    qs = Incident.objects.real().in_provinces(scope)
    if filters.provinces:
        qs = qs.filter(province_code__in=filters.provinces)
    if filters.categories:
        qs = qs.filter(category__in=filters.categories)
    return qs


def received(scope, period: Period, filters: Filters = Filters()) -> QuerySet[Incident]:
    return scoped(scope, filters).filter(received_at__gte=period.start, received_at__lt=period.end)


def met_q(m: Milestone) -> Q:
    """Reached the milestone within its target (the exact figures and the rollups count with this)."""
    return Q(**{f"{m.field}__isnull": False, f"{m.field}__lte": F("received_at") + m.target()})


def _late(m: Milestone, now: datetime) -> Q:
    """Reached the milestone after its target, or still waiting for it with the target already past."""
    reached_late = Q(**{f"{m.field}__isnull": False, f"{m.field}__gt": F("received_at") + m.target()})
    waiting_late = Q(**{f"{m.field}__isnull": True}, status__in=m.waiting_in, received_at__lt=now - m.target())
    return reached_late | waiting_late


def _overdue(now: datetime) -> Q:
    q = Q(pk__in=[])
    for status, key in NEXT_MILESTONE.items():
        q |= Q(status=status, received_at__lt=now - MILESTONE_BY_KEY[key].target())
    return q


def _unclaimed(now: datetime) -> Q:
    return Q(claimed_by__isnull=True) | Q(claim_expires_at__isnull=True) | Q(claim_expires_at__lte=now)


def _without_agency() -> Q:
    """No agency is on the case: no assignment waiting, acknowledged, en route or on scene. (A claim by an
    operator is not help on the way: a claimed case with no agency still counts.)"""
    active = Assignment.objects.filter(incident=OuterRef("pk"), status__in=ACTIVE_ASSIGNMENT_STATUSES)
    return ~Exists(active)


# --- Figures --------------------------------------------------------------------------------------


def province_table(scope, period: Period, filters: Filters = Filters(), now: datetime | None = None) -> dict:
    """One pass over the period's cases grouped by province: volume, outcomes, quality and SLA counts.
    Returns {"rows": [...per province, busiest first], "total": {...same keys summed}}."""
    now = now or timezone.now()
    aggs = {
        "received": Count("id"),
        "open": Count("id", filter=Q(status__in=OPEN_STATUSES)),
        "resolved": Count("id", filter=Q(status__in=[Status.RESOLVED, Status.CLOSED], resolved_at__isnull=False)),
        "false_report": Count("id", filter=Q(status=Status.FALSE_REPORT)),
        "duplicate": Count("id", filter=Q(status=Status.DUPLICATE)),
        "cancelled": Count("id", filter=Q(status=Status.CANCELLED)),
        "referred": Count("id", filter=Q(status=Status.REFERRED)),
    }
    for hotline in Hotline.values:
        aggs[f"referred_{hotline}"] = Count("id", filter=Q(status=Status.REFERRED, referred_to=hotline))
    for m in MILESTONES:
        aggs[f"sla_{m.key}_met"] = Count("id", filter=met_q(m))
        aggs[f"sla_{m.key}_late"] = Count("id", filter=_late(m, now))
    # Grouped by province *and* category (at most 77 × 6 groups): the same pass gives the category counts.
    per_province: dict[str, dict] = {}
    for group in received(scope, period, filters).values("province_code", "category").annotate(**aggs).order_by():
        row = per_province.setdefault(
            group["province_code"],
            {
                "province_code": group["province_code"],
                **dict.fromkeys(aggs, 0),
                "by_category": dict.fromkeys(Category.values, 0),
            },
        )
        for key in aggs:
            row[key] += group[key]
        row["by_category"][group["category"]] = row["by_category"].get(group["category"], 0) + group["received"]
    return finish_table(per_province, list(aggs))


def finish_table(per_province: dict[str, dict], keys: list[str]) -> dict:
    """{"rows", "total"} from per-province rows of the counts `keys` (and "by_category"): the total, the
    rates, the names, busiest first. The exact query and the rollups (dashboard.rollups) both end here."""
    rows = list(per_province.values())
    total = {key: sum(r[key] for r in rows) for key in keys}
    per_category = dict.fromkeys(Category.values, 0)
    for row in rows:
        for category, n in row["by_category"].items():
            per_category[category] = per_category.get(category, 0) + n
    total["by_category"] = per_category
    for row in [*rows, total]:
        _derive_rates(row)
    for row in rows:
        row["name"] = geo.province_name(row["province_code"]) or _("Unknown province")
    rows.sort(key=lambda r: (-r["received"], r["province_code"]))
    return {"rows": rows, "total": total}


def categories_of(table: dict) -> list[dict]:
    """The period's cases by category, from a province_table() (no further query)."""
    counts = table["total"]["by_category"]
    return [{"code": c, "label": Category(c).label, "n": counts.get(c, 0)} for c in Category.values]


def _rate(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _derive_rates(row: dict) -> None:
    row["false_rate"] = _rate(row["false_report"], row["received"])
    row["duplicate_rate"] = _rate(row["duplicate"], row["received"])
    row["cancelled_rate"] = _rate(row["cancelled"], row["received"])
    row["referred_rate"] = _rate(row["referred"], row["received"])
    for m in MILESTONES:
        met, late = row[f"sla_{m.key}_met"], row[f"sla_{m.key}_late"]
        row[f"sla_{m.key}"] = _rate(met, met + late)


def sla(table_total: dict) -> list[dict]:
    """SLA compliance per milestone from a province_table() total: met / (met + late).

    Counted: cases that reached the milestone (in time or late) and open cases still waiting for it whose
    target already passed. Not counted: cases that left by another route (referred, false report …)."""
    return [
        {
            "key": m.key,
            "label": m.label,
            "target_minutes": int(m.target().total_seconds() // 60),
            "met": table_total[f"sla_{m.key}_met"],
            "late": table_total[f"sla_{m.key}_late"],
            "percent": table_total[f"sla_{m.key}"],
        }
        for m in MILESTONES
    ]


def by_category(scope, period: Period, filters: Filters = Filters()) -> list[dict]:
    counts = dict(received(scope, period, filters).values_list("category").annotate(n=Count("id")).order_by())
    return [{"code": c, "label": Category(c).label, "n": counts.get(c, 0)} for c in Category.values]


class HourSinceEpoch(Func):
    """Whole hours since 1970-01-01 00:00 UTC. Cheaper per row than converting every timestamp to local
    time (AT TIME ZONE took a third of the dashboard's database time on a month of a million-case year);
    Asia/Bangkok is a whole-hour offset with no daylight saving, so each UTC hour is one Bangkok hour."""

    arity = 1
    output_field = IntegerField()

    def as_sql(self, compiler, connection, **extra_context):
        raise NotImplementedError(f"HourSinceEpoch is not written for {connection.vendor}")

    def as_postgresql(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            template="CAST(FLOOR(date_part('epoch', %(expressions)s) / 3600) AS integer)",
            **extra_context,
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        # '%%%%s': the template's % formatting leaves '%%s', which Django's SQLite cursor turns into '%s'.
        return super().as_sql(
            compiler,
            connection,
            template="(CAST(strftime('%%%%s', %(expressions)s) AS INTEGER) / 3600)",
            **extra_context,
        )


def by_day_and_hour(scope, period: Period, filters: Filters = Filters()) -> tuple[list[dict], list[int]]:
    """Cases received on each Bangkok day of the period (zeros included), and in each hour of the
    Bangkok day (0–23): one pass grouped by the hour, at most days × 24 groups, placed on the Bangkok
    clock here."""
    rows = (
        received(scope, period, filters)
        .annotate(bucket=HourSinceEpoch("received_at"))
        .values_list("bucket")
        .annotate(n=Count("id"))
        .order_by()
    )
    per_day: dict[date, int] = {}
    hours = [0] * 24
    for bucket, n in rows:
        local = datetime.fromtimestamp(bucket * 3600, tz=BANGKOK)
        per_day[local.date()] = per_day.get(local.date(), 0) + n
        hours[local.hour] += n
    return [{"day": d, "n": per_day.get(d, 0)} for d in period.days], hours


def by_day(scope, period: Period, filters: Filters = Filters()) -> list[dict]:
    return by_day_and_hour(scope, period, filters)[0]


def by_hour(scope, period: Period, filters: Filters = Filters()) -> list[int]:
    return by_day_and_hour(scope, period, filters)[1]


def map_cells(scope, period: Period, filters: Filters = Filters()) -> list[dict]:
    """The period's pinned cases counted on a 0.1° grid (about 11 km): the dashboard's heat map. Each cell
    is given by its centre. (Float arithmetic: rounding through numeric took a second on a month of cases.)"""
    rows = (
        received(scope, period, filters)
        .filter(latitude__isnull=False, longitude__isnull=False)
        .annotate(lat=Floor(F("latitude") * 10), lng=Floor(F("longitude") * 10))
        .values_list("lat", "lng")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [{"lat": round((lat + 0.5) / 10, 2), "lng": round((lng + 0.5) / 10, 2), "n": n} for lat, lng, n in rows]


def response_times(scope, period: Period, filters: Filters = Filters()) -> dict:
    """Median and p90 (seconds) from received to each milestone, overall and per province."""
    spans = {m.key: ("received_at", m.field) for m in MILESTONES}
    qs = received(scope, period, filters)
    found = percentiles(qs, "province_code", spans, overall=True)
    overall = found.pop(None)
    rows = [
        {"province_code": code, "name": geo.province_name(code) or _("Unknown province"), "spans": values}
        for code, values in sorted(found.items())
    ]
    return {"overall": overall, "provinces": rows}


AGENCY_SPANS = {
    "acknowledge": ("assigned_at", "acknowledged_at"),
    "on_scene": ("assigned_at", "on_scene_at"),
    "complete": ("assigned_at", "completed_at"),
}
AGENCY_SPAN_LABELS = {
    "acknowledge": _("Assigned → acknowledged"),
    "on_scene": _("Assigned → on scene"),
    "complete": _("Assigned → completed"),
}


def agency_times(scope, period: Period, filters: Filters = Filters()) -> list[dict]:
    """Per agency, over assignments of the period's cases: how many, and median/p90 of how fast."""
    # An assignment comes after its case was received, so assigned_at ≥ the period's start too: saying so
    # lets the database range-scan assignments by time instead of reading all of them.
    qs = Assignment.objects.filter(
        assigned_at__gte=period.start, incident__in=received(scope, period, filters).values("pk")
    )
    found = percentiles(qs, "agency_id", AGENCY_SPANS, tallies={"declined": Q(status="declined")})
    agencies = Agency.objects.in_bulk(list(found))
    rows = []
    for agency_id, spans in found.items():
        agency = agencies[agency_id]
        tallies = spans.pop("_tallies")
        rows.append(
            {
                "agency_id": agency_id,
                "name": agency.name,
                "province_code": agency.province_code,
                "province": geo.province_name(agency.province_code),
                "assignments": tallies["rows"],
                "declined": tallies["declined"],
                "spans": spans,
            }
        )
    rows.sort(key=lambda r: (-r["assignments"], r["name"]))
    return rows


def backlog(scope, filters: Filters = Filters(), now: datetime | None = None, oldest: int = 5) -> dict:
    """Open cases now (whenever received): by status × age band, overdue, the steps they wait for, and the
    oldest with no agency on them."""
    now = now or timezone.now()
    open_qs = scoped(scope, filters).filter(status__in=OPEN_STATUSES)
    aggs = {"n": Count("id"), "overdue": Count("id", filter=_overdue(now))}
    for key, _label, low, high in AGE_BANDS:
        q = Q(received_at__lte=now - low)
        if high is not None:
            q &= Q(received_at__gt=now - high)
        aggs[key] = Count("id", filter=q)
    found = {row["status"]: row for row in open_qs.values("status").annotate(**aggs).order_by()}
    rows = []
    for status in OPEN_STATUSES:
        row = found.get(status) or dict.fromkeys(aggs, 0)
        rows.append(
            {
                "status": status,
                "label": Status(status).label,
                "n": row["n"],
                "overdue": row["overdue"],
                "bands": [{"key": k, "n": row[k]} for k in AGE_BAND_KEYS],
            }
        )
    no_agency = open_qs.filter(_without_agency())
    oldest_without_agency = list(
        no_agency.order_by("received_at", "id").values(
            "id", "reference", "status", "priority", "category", "province_code", "received_at", "claimed_by_id"
        )[:oldest]
    )
    for case in oldest_without_agency:
        case["age_seconds"] = (now - case["received_at"]).total_seconds()
        case["status_label"] = Status(case["status"]).label
        case["category_label"] = Category(case["category"]).label if case["category"] in Category.values else ""
        case["province"] = geo.province_name(case["province_code"])
    # The step each open case waits for (its next milestone), how many wait and how many are past target.
    by_status = {r["status"]: r for r in rows}
    steps = []
    for m in MILESTONES:
        waiting_in = [s for s, key in NEXT_MILESTONE.items() if key == m.key]
        steps.append(
            {
                "key": m.key,
                "label": m.label,
                "name": STEP_NAMES[m.key],
                "target_minutes": int(m.target().total_seconds() // 60),
                "waiting": sum(by_status[s]["n"] for s in waiting_in),
                "overdue": sum(by_status[s]["overdue"] for s in waiting_in),
            }
        )
    return {
        "rows": rows,
        "total": sum(r["n"] for r in rows),
        "overdue": sum(r["overdue"] for r in rows),
        "band_totals": [sum(r["bands"][i]["n"] for r in rows) for i in range(len(AGE_BANDS))],
        "bands": [{"key": k, "label": label} for k, label, _lo, _hi in AGE_BANDS],
        "steps": steps,
        "without_agency": no_agency.count(),
        "oldest_without_agency": oldest_without_agency,
    }


@dataclass
class QueueTrend:
    """The last hour: cases that came in versus cases that left the queue, against the staff on hand."""

    window: timedelta
    arrived: int
    cleared: int
    operators_online: int
    open_now: int
    threshold: int
    growth: int = field(init=False)
    growing: bool = field(init=False)
    unstaffed: bool = field(init=False)

    def __post_init__(self):
        self.growth = self.arrived - self.cleared
        # Warn when the queue grew by at least `threshold` cases in the window (the staff on hand cleared
        # fewer than came in), or when cases are open and nobody is on the console to take them.
        self.growing = self.growth >= self.threshold
        self.unstaffed = self.open_now > 0 and self.operators_online == 0

    @property
    def cleared_per_operator(self) -> float | None:
        return round(self.cleared / self.operators_online, 1) if self.operators_online else None

    @property
    def warning(self) -> bool:
        return self.growing or self.unstaffed


NAMES_SHOWN = 30


def staffing(scope, filters: Filters = Filters(), now: datetime | None = None) -> dict:
    """Operators online now, responders on duty per province and agency, and their load."""
    now = now or timezone.now()
    provinces = _effective_provinces(scope, filters)

    online_ids = online_user_ids("console", now)
    operators = [
        p
        for p in StaffProfile.objects.filter(user_id__in=online_ids, role=Role.OPERATOR).select_related("user")
        if provinces is None or p.is_national or set(p.province_codes) & set(provinces)
    ]

    on_duty = Responder.objects.filter(on_duty=True, agency__is_active=True)
    if provinces is not None:
        on_duty = on_duty.filter(agency__province_code__in=provinces)
    agency_rows = list(
        on_duty.values("agency_id", "agency__name", "agency__province_code").annotate(n=Count("id")).order_by()
    )
    open_cases = scoped(scope, filters).filter(status__in=OPEN_STATUSES)
    active = dict(
        Assignment.objects.filter(status__in=ACTIVE_ASSIGNMENT_STATUSES, incident__in=open_cases.values("pk"))
        .values_list("agency_id")
        .annotate(n=Count("incident_id", distinct=True))
        .order_by()
    )
    counts = open_cases.aggregate(
        open=Count("id"),
        in_field=Count(
            "id", filter=Q(status__in=[Status.DISPATCHED, Status.ACKNOWLEDGED, Status.EN_ROUTE, Status.ON_SCENE])
        ),
    )
    cleared = IncidentEvent.objects.filter(
        kind="status",
        to_status__in=CLEARED_STATUSES,
        created_at__gte=now - timedelta(hours=1),
        incident__in=scoped(scope, filters).values("pk"),
    ).aggregate(n=Count("incident_id", distinct=True))["n"]
    arrived = scoped(scope, filters).filter(received_at__gte=now - timedelta(hours=1)).count()

    by_province: dict[str, int] = {}
    agencies = []
    for row in agency_rows:
        code = row["agency__province_code"]
        by_province[code] = by_province.get(code, 0) + row["n"]
        agencies.append(
            {
                "agency_id": row["agency_id"],
                "name": row["agency__name"],
                "province_code": code,
                "province": geo.province_name(code),
                "on_duty": row["n"],
                "active_cases": active.pop(row["agency_id"], 0),
            }
        )
    agencies.sort(key=lambda r: (r["province_code"], r["name"]))
    responders = sum(by_province.values())
    trend = QueueTrend(
        window=timedelta(hours=1),
        arrived=arrived,
        cleared=cleared,
        operators_online=len(operators),
        open_now=counts["open"],
        threshold=settings.DASHBOARD_QUEUE_GROWTH_WARNING,
    )
    # Who is on duty, by name (the supervisor's question is "who", not only "how many"): capped, so a
    # national view of hundreds of responders stays one query and one line.
    people = on_duty.select_related("user", "agency").order_by("agency__name", "user__first_name", "user__username")
    responder_names = [
        {"name": r.user.get_full_name() or r.user.get_username(), "agency": r.agency.name} for r in people[:NAMES_SHOWN]
    ]
    return {
        "operators_online": len(operators),
        "operator_names": sorted(p.user.get_full_name() or p.user.get_username() for p in operators)[:NAMES_SHOWN],
        "responder_names": responder_names,
        "responders_on_duty": responders,
        "responders_by_province": [
            {"province_code": c, "province": geo.province_name(c), "n": n} for c, n in sorted(by_province.items())
        ],
        "agencies": agencies,
        "open_cases": counts["open"],
        "in_field": counts["in_field"],
        "open_per_operator": round(counts["open"] / len(operators), 1) if operators else None,
        "in_field_per_responder": round(counts["in_field"] / responders, 1) if responders else None,
        "trend": trend,
    }


def _effective_provinces(scope, filters: Filters) -> list[str] | None:
    if filters.provinces:
        return [p for p in filters.provinces if scope is None or p in scope]
    return scope


def daily_summary(scope, day: date, filters: Filters = Filters(), now: datetime | None = None) -> dict:
    """One Bangkok day per province: the printable summary."""
    period = Period(day, day)
    table = province_table(scope, period, filters, now)
    times = response_times(scope, period, filters)
    medians = {row["province_code"]: row["spans"] for row in times["provinces"]}
    for row in table["rows"]:
        row["spans"] = medians.get(row["province_code"], {})
    for row in [*table["rows"], table["total"]]:
        row["categories"] = [row["by_category"].get(c, 0) for c in Category.values]
    return {
        "period": period,
        "table": table,
        "times": times["overall"],
        "sla": sla(table["total"]),
        "categories": [Category(c).label for c in Category.values],
    }


DAILY_CASES_SHOWN = 300


def daily_cases(scope, day: date, filters: Filters = Filters(), limit: int | None = None) -> dict:
    """The day's cases for the printed summary, oldest first, with the agencies sent and the time each step
    took: two queries whatever the number of cases (the list is capped; the CSV has them all)."""
    limit = limit or DAILY_CASES_SHOWN
    qs = received(scope, Period(day, day), filters)
    rows = list(
        qs.order_by("received_at", "id").values(
            "id",
            "reference",
            "received_at",
            "province_code",
            "category",
            "priority",
            "status",
            "triaged_at",
            "dispatched_at",
            "on_scene_at",
            "resolved_at",
        )[:limit]
    )
    agencies: dict[int, list[str]] = {}
    for incident_id, name in (
        Assignment.objects.filter(incident_id__in=[r["id"] for r in rows])
        .exclude(status__in=[AssignmentStatus.DECLINED, AssignmentStatus.CANCELLED])
        .order_by("assigned_at", "id")
        .values_list("incident_id", "agency__name")
    ):
        agencies.setdefault(incident_id, []).append(name)
    for r in rows:
        r["province"] = geo.province_name(r["province_code"])
        r["category_label"] = Category(r["category"]).label if r["category"] in Category.values else ""
        r["status_label"] = Status(r["status"]).label
        r["agencies"] = agencies.get(r["id"], [])
        for m in ("triage", "dispatch", "on_scene", "resolve"):
            reached = r[MILESTONE_BY_KEY[m].field]
            r[f"to_{m}"] = (reached - r["received_at"]).total_seconds() if reached else None
    return {"rows": rows, "total": qs.count() if len(rows) >= limit else len(rows), "limit": limit}


# --- The cases behind a figure --------------------------------------------------------------------


def cases_behind(
    scope,
    filters: Filters = Filters(),
    period: Period | None = None,
    *,
    status: str | None = None,
    open_only: bool = False,
    band: str | None = None,
    overdue: bool = False,
    unclaimed: bool = False,
    no_agency: bool = False,
    step: str | None = None,
    hour: int | None = None,
    day: date | None = None,
    late: str | None = None,
    referred_to: str | None = None,
    agency_id: int | None = None,
    now: datetime | None = None,
) -> QuerySet[Incident]:
    """The cases a figure counts, as a queryset (the list page and the CSV export use it)."""
    now = now or timezone.now()
    qs = received(scope, period, filters) if period is not None else scoped(scope, filters)
    if status:
        qs = qs.filter(status=status)
    if step in MILESTONE_BY_KEY:
        # Open cases waiting for this step now (their next milestone).
        qs = qs.filter(status__in=[s for s, key in NEXT_MILESTONE.items() if key == step])
    if open_only or band or overdue or unclaimed or no_agency:
        qs = qs.filter(status__in=OPEN_STATUSES)
    if band:
        for key, _label, low, high in AGE_BANDS:
            if key == band:
                qs = qs.filter(received_at__lte=now - low)
                if high is not None:
                    qs = qs.filter(received_at__gt=now - high)
    if overdue:
        qs = qs.filter(_overdue(now))
    if unclaimed:
        qs = qs.filter(_unclaimed(now))
    if no_agency:
        qs = qs.filter(_without_agency())
    if hour is not None:
        qs = qs.annotate(bkk_hour=ExtractHour("received_at", tzinfo=BANGKOK)).filter(bkk_hour=hour)
    if day is not None:
        qs = qs.filter(received_at__gte=Period(day, day).start, received_at__lt=Period(day, day).end)
    if late in MILESTONE_BY_KEY:
        qs = qs.filter(_late(MILESTONE_BY_KEY[late], now))
    if referred_to:
        qs = qs.filter(status=Status.REFERRED, referred_to=referred_to)
    if agency_id is not None:
        qs = qs.filter(pk__in=Assignment.objects.filter(agency_id=agency_id).values("incident_id"))
    return qs
