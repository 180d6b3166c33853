"""ASGI entry point: HTTP through Django, websockets through Channels (session-authenticated,
origin-checked against ALLOWED_HOSTS). Served by daphne: `daphne ess.asgi:application`."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ess.settings")

from django.core.asgi import get_asgi_application

# Django must be set up before anything imports models (the routing below does).
django_asgi_app = get_asgi_application()

from django.conf import settings  # noqa: E402
from django.core.exceptions import ImproperlyConfigured  # noqa: E402

from ess.env import secret_key_problem  # noqa: E402

# The web server refuses to start with a guessable key (sessions and CSRF tokens are signed with it).
# Checked here, not in settings, so a build step (collectstatic with a throw-away key) still runs.
if not settings.DEBUG and (_problem := secret_key_problem(settings.SECRET_KEY)):
    raise ImproperlyConfigured(_problem)

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from ess import startup  # noqa: E402
from ess.routing import websocket_urlpatterns  # noqa: E402
from ess.two_factor import TwoFactorGate  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(TwoFactorGate(URLRouter(websocket_urlpatterns)))),
    }
)
# The URLconf loaded now rather than by the first requests, then the start-up's objects frozen (ess.startup).
startup.ready_to_serve()
