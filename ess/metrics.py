"""`/metrics` in the Prometheus text format: the figures an on-call engineer needs (docs/operations.md).

Two kinds of figure:
- Read from the database when Prometheus scrapes (inbox depth, oldest pending event, outbox failures,
  open cases, oldest unassigned case, connected consoles). They are the same whichever process answers,
  so several daphne processes and workers never disagree. Each app registers its own with `register()`
  in its AppConfig.ready, as it registers its worker jobs, so this module knows no app.
- Measured in this process: request durations per view (the LINE webhook's latency among them). Each
  daphne process counts its own; Prometheus scrapes every process on its own port.

Access: only with `Authorization: Bearer <METRICS_TOKEN>`; without a token configured, /metrics does not
exist (404). The reverse-proxy example also keeps /metrics off the public side.
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Callable, Iterable

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, ProcessCollector, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

REGISTRY = CollectorRegistry(auto_describe=False)
ProcessCollector(registry=REGISTRY)

REQUEST_SECONDS = Histogram(
    "ess_http_request_duration_seconds",
    'Time from the request reaching Django to the response, per view (view="line:webhook": the LINE webhook).',
    ["view", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0),
    registry=REGISTRY,
)

# name → function returning metric families; read at scrape time.
_SOURCES: dict[str, Callable[[], Iterable]] = {}


def register(name: str, source: Callable[[], Iterable]) -> None:
    """Register (or replace: ready() may run twice in tests) a function yielding metric families."""
    _SOURCES[name] = source


def gauge(name: str, documentation: str, value: float | None = None, labels: list[str] | None = None):
    return GaugeMetricFamily(name, documentation, value=value, labels=labels)


def counter(name: str, documentation: str, value: float | None = None, labels: list[str] | None = None):
    return CounterMetricFamily(name, documentation, value=value, labels=labels)


class _Registered(Collector):
    def collect(self):
        up = GaugeMetricFamily(
            "ess_metrics_source_up", "1 when a figure source answered this scrape.", labels=["source"]
        )
        families = []
        for name, source in list(_SOURCES.items()):
            try:
                families.extend(source())
                up.add_metric([name], 1)
            except Exception:
                # A broken source must not hide the others (and the 0 here is itself worth an alert).
                log.exception("metrics source %s failed", name)
                up.add_metric([name], 0)
        yield from families
        yield up


REGISTRY.register(_Registered())


def _authorised(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    return given.startswith("Bearer ") and hmac.compare_digest(given[7:].encode(), token.encode())


@login_not_required
@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not settings.METRICS_TOKEN:
        raise Http404
    if not _authorised(request):
        return HttpResponse("Bearer token required\n", status=403, content_type="text/plain")
    return HttpResponse(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)


_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def _labels(request: HttpRequest) -> tuple[str, str]:
    # Only names from the URLconf and the standard methods: a client cannot invent new series.
    match = getattr(request, "resolver_match", None)
    return (
        match.view_name if match is not None else "unmatched",
        request.method if request.method in _METHODS else "other",
    )


class RequestTimingMiddleware:
    """Observe each request's duration in REQUEST_SECONDS, labelled by URL name (bounded cardinality).
    Async-capable, so the async webhook view is timed without a thread hop."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self._acall(request)
        started = time.perf_counter()
        response = self.get_response(request)
        REQUEST_SECONDS.labels(*_labels(request)).observe(time.perf_counter() - started)
        return response

    async def _acall(self, request):
        started = time.perf_counter()
        response = await self.get_response(request)
        REQUEST_SECONDS.labels(*_labels(request)).observe(time.perf_counter() - started)
        return response
