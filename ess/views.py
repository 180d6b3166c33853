import asyncio
import logging

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ess.models import Role
from ess.roles import role_of

log = logging.getLogger(__name__)

HEALTH_TIMEOUT = 2.0


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


async def _check_channel_layer() -> None:
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer configured")
    channel = await layer.new_channel("healthz.")
    await layer.send(channel, {"type": "healthz.ping"})
    await layer.receive(channel)


@login_not_required
@never_cache
@require_GET
async def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the channel layer both answer; 503 naming what failed.

    Each check has its own timeout so a hung Redis makes the probe fail fast instead of hanging it.
    """
    checks = {
        "database": sync_to_async(_check_database, thread_sensitive=True),
        "channel_layer": _check_channel_layer,
    }
    results: dict[str, str] = {}
    for name, check in checks.items():
        try:
            await asyncio.wait_for(check(), HEALTH_TIMEOUT)
            results[name] = "ok"
        except Exception as exc:
            log.warning("health check %s failed: %r", name, exc)
            results[name] = f"failed: {type(exc).__name__}"
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
