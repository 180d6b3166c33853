"""/api/ — every view authenticates itself (api.auth), so LoginRequiredMiddleware lets it through and
each call is logged with who made it (a token's name or a staff username)."""

import logging
import time
from datetime import timedelta
from functools import wraps

from django.contrib.auth.decorators import login_not_required
from django.utils import timezone

from api.api import api
from api.models import ApiCall, ApiToken

log = logging.getLogger("api.calls")

LAST_USED_RESOLUTION = timedelta(minutes=1)


def log_call(request, response, started: float) -> None:
    token = getattr(request, "api_token", None)
    user = getattr(request, "auth", None)
    if user is None and getattr(request, "user", None) is not None and request.user.is_authenticated:
        user = request.user
    duration_ms = int((time.monotonic() - started) * 1000)
    identity = bool(getattr(request, "api_identity_shown", False))
    log.info(
        "api call token=%s user=%s %s %s %s %dms%s",
        token.name if token else "-",
        user.get_username() if user else "-",
        request.method,
        request.path,
        response.status_code,
        duration_ms,
        " reporter-identity" if identity else "",
    )
    if token is None and user is None:
        return  # nobody to log against; the line above records the attempt
    ApiCall.objects.create(
        token=token,
        token_name=token.name if token else "",
        user=user,
        method=request.method,
        path=request.get_full_path()[:500],
        status=response.status_code,
        duration_ms=duration_ms,
        reporter_identity_shown=identity,
    )
    now = timezone.now()
    if token is not None and (token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)


def logged(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        started = time.monotonic()
        response = view(request, *args, **kwargs)
        log_call(request, response, started)
        return response

    return login_not_required(wrapped)


patterns, _ninja_app, _namespace = api.urls
for pattern in patterns:
    pattern.callback = logged(pattern.callback)

app_name = "api"  # reverse("api:case_detail", ...)
urlpatterns = patterns
