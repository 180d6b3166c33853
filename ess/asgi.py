"""ASGI entry point: HTTP through Django, websockets through Channels (session-authenticated,
origin-checked against ALLOWED_HOSTS). Served by daphne: `daphne ess.asgi:application`."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ess.settings")

from django.core.asgi import get_asgi_application

# Django must be set up before anything imports models (the routing below does).
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from ess.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
