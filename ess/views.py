import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

from channels.layers import get_channel_layer
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from redis import asyncio as aioredis

from ess.models import Role
from ess.roles import role_of

log = logging.getLogger(__name__)

HEALTH_TIMEOUT = 2.0
# The database probe runs on threads of its own: it never queues behind the request thread (which a stuck
# query may hold), and a probe stuck on a frozen database holds one of these two, nothing else.
_PROBE_THREADS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="healthz")


def _check_database() -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connection.close()  # this thread's own connection: never left stale for the next probe


async def _check_database_async() -> None:
    await asyncio.get_running_loop().run_in_executor(_PROBE_THREADS, _check_database)


async def _check_channel_layer() -> None:
    """PING the layer's Redis on a connection of the probe's own. (Sending to a channel and receiving it
    back queued behind the consoles' own receive on the layer: every busy node answered 503.)"""
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer configured")
    hosts = getattr(layer, "hosts", None)
    if hosts is None:
        return  # the in-memory layer (development, tests): nothing to reach
    for host in hosts:
        if "address" not in host:  # Sentinel: ask through the layer's own pool
            await layer.connection(0).ping()
            continue
        redis = aioredis.Redis.from_url(
            host["address"], socket_connect_timeout=HEALTH_TIMEOUT, socket_timeout=HEALTH_TIMEOUT
        )
        try:
            await redis.ping()
        finally:
            await redis.aclose()


@login_not_required
@never_cache
@require_GET
async def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the channel layer both answer; 503 naming what failed.

    Both checks run at once, each with its own timeout, so a hung Redis or a frozen database makes the
    probe answer 503 within HEALTH_TIMEOUT instead of hanging it.
    """
    checks = {"database": _check_database_async, "channel_layer": _check_channel_layer}

    async def run(name: str, check) -> tuple[str, str]:
        try:
            await asyncio.wait_for(check(), HEALTH_TIMEOUT)
            return name, "ok"
        except Exception as exc:
            log.warning("health check %s failed: %r", name, exc)
            return name, f"failed: {type(exc).__name__}"

    results = dict(await asyncio.gather(*(run(name, check) for name, check in checks.items())))
    healthy = all(v == "ok" for v in results.values())
    return JsonResponse({"status": "ok" if healthy else "unavailable", **results}, status=200 if healthy else 503)


def home(request: HttpRequest) -> HttpResponse:
    """Send each role to the screen it works in."""
    role = role_of(request.user)
    if role == Role.RESPONDER:
        return redirect("responder:home")
    if role == Role.SUPERVISOR:
        return redirect("dashboard:home")
    return redirect("console:home")
