"""The supervisor dashboard: figures (dashboard.stats), the cases behind each figure, the CSV export and
the printable daily summary. Views only read the request and render; scope comes from ess.roles."""

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from dashboard import exports, rollups, stats
from dashboard.templatetags.dashboard import be_date, duration, percent
from ess.roles import DASHBOARD_ROLES, EXPORT_ROLES, province_scope, role_of, role_required
from incidents import geo
from incidents.models import Category, Hotline, Status
from incidents.references import BUDDHIST_ERA_OFFSET
from privacy import access

RANGES = {"today": 1, "7d": 7, "30d": 30}
MAX_CUSTOM_DAYS = 366
CASES_PER_PAGE = 100


@dataclass
class Query:
    """What the dashboard was asked, parsed from the query string (unknown values are ignored)."""

    range: str
    period: stats.Period
    filters: stats.Filters
    scope: list[str] | None

    def params(self) -> list[tuple[str, str]]:
        items = [("range", self.range)]
        if self.range == "custom":
            items += [("from", self.period.first.isoformat()), ("to", self.period.last.isoformat())]
        items += [("province", p) for p in self.filters.provinces]
        items += [("category", c) for c in self.filters.categories]
        return items

    @property
    def querystring(self) -> str:
        return urlencode(self.params())


def _date(value: str | None) -> date | None:
    """ISO dates (2026-11-29, the English date picker) or day/month/year as written in Thailand, the year
    in the Buddhist era (29/11/2569) or, failing that, AD (29/11/2026)."""
    if not value:
        return None
    value = value.strip()
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    parts = value.replace("-", "/").replace(".", "/").split("/")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None
    day, month, year = (int(p) for p in parts)
    if year >= 2400:
        year -= BUDDHIST_ERA_OFFSET
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_query(request: HttpRequest) -> Query:
    get: QueryDict = request.GET
    scope = province_scope(request.user)
    today = stats.bangkok_today()
    chosen = get.get("range", "today")
    if chosen == "custom":
        first, last = _date(get.get("from")), _date(get.get("to"))
        if first is None or last is None:
            chosen, period = "today", stats.Period.last_days(1, today)
        else:
            first, last = min(first, last), max(first, last)
            first = max(first, last - timedelta(days=MAX_CUSTOM_DAYS - 1))
            period = stats.Period(first, last)
    else:
        chosen = chosen if chosen in RANGES else "today"
        period = stats.Period.last_days(RANGES[chosen], today)
    # A province outside the viewer's scope is dropped, never widened to: scope always wins.
    provinces = tuple(p for p in get.getlist("province") if geo.is_province(p) and (scope is None or p in scope))
    categories = tuple(c for c in get.getlist("category") if c in Category.values)
    return Query(chosen, period, stats.Filters(provinces, categories), scope)


def _province_choices(scope: list[str] | None) -> list[tuple[str, str]]:
    choices = geo.province_choices()
    return choices if scope is None else [(c, n) for c, n in choices if c in scope]


def _period_figures(q: Query, now) -> dict:
    """Everything about the chosen period (the heavy aggregates), ready to render and to cache."""
    found = rollups.period_figures(q.scope, q.period, q.filters, now)
    table, days, hours, times, agencies = (found[k] for k in ("table", "days", "hours", "times", "agencies"))
    categories = stats.categories_of(table)
    # Big tables (77 provinces × 5 steps, every agency) are formatted here once: rendering thousands of
    # filter calls in the template took longer than the queries (bench/dashboard.py).
    for row in times["provinces"]:
        row["cells"] = [_median_p90(row["spans"][m.key]) for m in stats.MILESTONES]
    for row in agencies:
        row["cells"] = [_median_p90(row["spans"][k]) for k in stats.AGENCY_SPANS]
    for row in table["rows"]:
        row["sla_cells"] = [percent(row[f"sla_{m.key}"]) for m in stats.MILESTONES]
    for c in categories:
        c["label"] = str(c["label"])
    charts = {
        "days": {"labels": [be_date(d["day"]) for d in days], "values": [d["n"] for d in days]},
        "hours": {"labels": [f"{h:02d}" for h in range(24)], "values": hours},
        "categories": {"labels": [c["label"] for c in categories], "values": [c["n"] for c in categories]},
        "provinces": {
            "labels": [str(r["name"]) for r in table["rows"][:15]],
            "values": [r["received"] for r in table["rows"][:15]],
        },
        "cells": found["cells"],
    }
    return {
        "as_of": now,
        "table": table,
        "total": table["total"],
        "categories": categories,
        "days": days,
        "hours": hours,
        "charts": charts,
        "times": times,
        "agencies": agencies,
        "source": found["source"],
    }


def _cached_period_figures(q: Query, now) -> dict:
    """The period's figures, shared for DASHBOARD_CACHE_SECONDS by everyone asking the same question
    (same scope, period, filters and language) — in production through Redis, across processes. A month
    of a million-case year takes the database most of a second (bench/dashboard.py); many supervisors
    polling every 30 s should not each pay it. Figures about *now* (backlog, staffing) are never cached."""
    ttl = settings.DASHBOARD_CACHE_SECONDS
    if ttl <= 0:
        return _period_figures(q, now)
    key = (
        "dashboard:period:" + hashlib.sha256(repr((q.scope, q.params(), q.period, get_language())).encode()).hexdigest()
    )
    figures = cache.get(key)
    if figures is None:
        figures = _period_figures(q, now)
        cache.set(key, figures, ttl)
    return figures


def _figures(request: HttpRequest, q: Query) -> dict:
    now = timezone.now()
    figures = _cached_period_figures(q, now)
    sla = stats.sla(figures["total"])
    backlog = stats.backlog(q.scope, q.filters, now)
    for step, period_sla in zip(backlog["steps"], sla, strict=True):
        step["percent"] = period_sla["percent"]
    return {
        **figures,
        "q": q,
        "now": now,
        "national_view": q.scope is None or len(q.scope) > 1,
        "sla": sla,
        "milestones": stats.MILESTONES,
        "agency_spans": list(stats.AGENCY_SPAN_LABELS.items()),
        "backlog": backlog,
        "staffing": stats.staffing(q.scope, q.filters, now),
        # For the roster panel ({% shift_staffing %}): from the rollups when they cover it, else it counts.
        "expected_load": rollups.expected_load_by_hour(q.scope, now),
        "hotlines": Hotline.choices,
        "cases_url": reverse("dashboard:cases") + "?" + q.querystring,
        "refresh_seconds": settings.DASHBOARD_REFRESH_SECONDS,
    }


def _median_p90(span: dict) -> str:
    return f"{duration(span['median'])} ({duration(span['p90'])})"


@role_required(*DASHBOARD_ROLES)
@require_GET
@never_cache
def dashboard(request: HttpRequest) -> HttpResponse:
    q = parse_query(request)
    with stats.analytic_queries():
        context = _figures(request, q)
    if request.GET.get("partial") == "figures":
        # The page polls this every DASHBOARD_REFRESH_SECONDS and swaps it in: the same partial it rendered.
        return render(request, "dashboard/index.html#figures", context)
    context.update(
        {
            "ranges": [("today", _("Today")), ("7d", _("7 days")), ("30d", _("30 days")), ("custom", _("Custom"))],
            "province_choices": _province_choices(q.scope),
            "category_choices": Category.choices,
            "map_tile_url": settings.MAP_TILE_URL,
            "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        }
    )
    return render(request, "dashboard/index.html", context)


# --- The cases behind a figure --------------------------------------------------------------------

FACET_KEYS = (
    "when",
    "status",
    "open",
    "band",
    "overdue",
    "unclaimed",
    "no_agency",
    "step",
    "hour",
    "day",
    "late",
    "referred_to",
    "agency",
)


def _facets(get: QueryDict) -> dict:
    facets: dict = {}
    if get.get("status") in Status.values:
        facets["status"] = get["status"]
    if get.get("band") in stats.AGE_BAND_KEYS:
        facets["band"] = get["band"]
    for flag, name in (
        ("open", "open_only"),
        ("overdue", "overdue"),
        ("unclaimed", "unclaimed"),
        ("no_agency", "no_agency"),
    ):
        if get.get(flag) == "1":
            facets[name] = True
    if get.get("hour", "").isdigit() and 0 <= int(get["hour"]) <= 23:
        facets["hour"] = int(get["hour"])
    if _date(get.get("day")):
        facets["day"] = _date(get["day"])
    if get.get("step") in stats.MILESTONE_BY_KEY:
        facets["step"] = get["step"]
    if get.get("late") in stats.MILESTONE_BY_KEY:
        facets["late"] = get["late"]
    if get.get("referred_to") in Hotline.values:
        facets["referred_to"] = get["referred_to"]
    if get.get("agency", "").isdigit():
        facets["agency_id"] = int(get["agency"])
    return facets


def _cases(request: HttpRequest):
    q = parse_query(request)
    facets = _facets(request.GET)
    # Backlog figures are about now, whenever the case came in; the rest about the chosen period.
    period = None if request.GET.get("when") == "now" else q.period
    qs = stats.cases_behind(q.scope, q.filters, period, **facets)
    facet_params = [(k, request.GET[k]) for k in FACET_KEYS if k in request.GET]
    return q, qs, facet_params


@role_required(*DASHBOARD_ROLES)
@require_GET
def cases(request: HttpRequest) -> HttpResponse:
    q, qs, facet_params = _cases(request)
    page = Paginator(qs.order_by("-received_at", "-id"), CASES_PER_PAGE).get_page(request.GET.get("page"))
    querystring = urlencode(q.params() + facet_params)
    return render(
        request,
        "dashboard/cases.html",
        {
            "q": q,
            "page": page,
            "querystring": querystring,
            "facet_params": facet_params,
            "may_export_identity": exports.may_export_identity(role_of(request.user)),
            "dashboard_url": reverse("dashboard:home") + "?" + q.querystring,
        },
    )


@role_required(*EXPORT_ROLES)
@require_GET
def export_csv(request: HttpRequest) -> StreamingHttpResponse:
    q, qs, facet_params = _cases(request)
    role = role_of(request.user)
    with_identity = request.GET.get("identity") == "1" and exports.may_export_identity(role)
    querystring = urlencode(q.params() + facet_params)
    exports.record_export(request.user, role, qs, querystring, with_identity)
    if with_identity:
        access.record_many(request, access.Field.EXPORT, qs.only("pk", "reference", "province_code", "reporter_id"))
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(exports.csv_lines(qs, with_identity), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="ess-cases-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response


@role_required(*DASHBOARD_ROLES)
@require_GET
def daily(request: HttpRequest) -> HttpResponse:
    """A printable summary of one Bangkok day, one row per province in the viewer's scope."""
    q = parse_query(request)
    day = _date(request.GET.get("day")) or stats.bangkok_today()
    with stats.analytic_queries():
        summary = stats.daily_summary(q.scope, day, q.filters)
        cases = stats.daily_cases(q.scope, day, q.filters)
    day_params = [("range", "custom"), ("from", day.isoformat()), ("to", day.isoformat())]
    day_params += [("province", p) for p in q.filters.provinces]
    return render(
        request,
        "dashboard/daily.html",
        {
            "q": q,
            "day": day,
            "summary": summary,
            "cases": cases,
            "cases_csv": reverse("dashboard:export") + "?" + urlencode(day_params),
            "generated": timezone.now(),
            "previous": day - timedelta(days=1),
            "next": day + timedelta(days=1),
            "province_filter": urlencode([("province", p) for p in q.filters.provinces]),
        },
    )
