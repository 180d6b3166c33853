import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers


class ThaiFirstLocaleMiddleware:
    """Thai unless the user chose another language with the switch (the language cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language, and call-centre PCs are often
    set up in English; operators work in Thai, so the browser setting is deliberately ignored.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _ in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response


class IdleTimeoutMiddleware:
    """Log out a session that made no request for SESSION_IDLE_TIMEOUT_MINUTES (shared call-centre PCs).

    The time of the last request is kept in the session, written at most once a minute so an active
    console does not write its session on every request. A timed-out page is sent to the login page
    (HTMX requests are told to go there with HX-Redirect; the API answers 401).
    """

    KEY = "ess_last_seen"
    WRITE_EVERY_SECONDS = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.SESSION_IDLE_TIMEOUT_MINUTES * 60
        user = getattr(request, "user", None)
        if limit > 0 and user is not None and user.is_authenticated:
            now = time.time()
            last = request.session.get(self.KEY)
            if last is not None and now - last > limit:
                logout(request)
                return self._timed_out(request)
            if last is None or now - last > self.WRITE_EVERY_SECONDS:
                request.session[self.KEY] = now
        return self.get_response(request)

    def _timed_out(self, request):
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": "The session timed out; log in again."}, status=401)
        response = redirect_to_login(request.get_full_path())
        if request.headers.get("HX-Request"):
            response["HX-Redirect"] = response["Location"]
        return response


class NoStoreMiddleware:
    """Pages for a signed-in member of staff (case panels, identity reveals, photos, exports) are never
    kept in the browser's cache, where the next person at a shared PC could open them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "no-store" not in response.get("Cache-Control", ""):
            response["Cache-Control"] = "private, no-store"
        return response


def content_security_policy() -> str:
    """No inline script anywhere (the pages need none), scripts and styles from this site only; map tiles
    from MAP_TILE_URL's host; websockets to this site. Inline styles stay allowed (Leaflet and the
    templates' style attributes); they cannot run code."""
    from urllib.parse import urlsplit

    tiles = urlsplit(settings.MAP_TILE_URL.replace("{s}", "a"))
    tile_origin = f"{tiles.scheme}://{tiles.netloc}".replace("://a.", "://*.")
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            f"img-src 'self' data: blob: {tile_origin}",
            "connect-src 'self' ws: wss:",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class ContentSecurityPolicyMiddleware:
    """The policy on every response that does not set its own (reporters' files carry a stricter one)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = content_security_policy()

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        return response
