"""Who is calling /api/: a bearer token, or a logged-in member of staff (the console's own use).

Both resolve to a user — the token's service account or the staff member — so the permission rules
in ess.roles and dispatch.scoping apply as they are. Session use checks CSRF on unsafe methods like
any Django form; a bearer token needs no CSRF (no browser sends it by itself). Each call is counted
against the caller's rate limit here, once the caller is known.
"""

from django.conf import settings
from django.utils.translation import gettext as _
from ninja.security import APIKeyCookie, HttpBearer

from api import ratelimit
from api.errors import Forbidden, RateLimited, Unauthorized
from api.tokens import find_token
from ess import two_factor
from ess.models import Role
from ess.roles import is_staff_member, role_of


def _admit(request, user, token=None):
    request.api_token = token
    allowed, retry_after = ratelimit.hit(
        f"t{token.pk}" if token is not None else f"u{user.pk}", limit := ratelimit.limit_for(token)
    )
    if not allowed:
        raise RateLimited(retry_after, limit)
    return user


class BearerToken(HttpBearer):
    def __call__(self, request):
        header = request.headers.get("Authorization", "")
        if header and not header.lower().startswith("bearer "):
            raise Unauthorized(_("Use “Authorization: Bearer <token>”."))
        return super().__call__(request)

    def authenticate(self, request, token: str):
        # A wrong token is refused outright rather than falling back to a session: the caller meant
        # to use the token, and should hear that it is wrong (or revoked).
        found = find_token(token.strip())
        if found is None:
            raise Unauthorized(_("This API token is unknown or was revoked."))
        return _admit(request, found.account, found)


class StaffSession(APIKeyCookie):
    """The console's session cookie (CSRF-checked on POST by APIKeyCookie)."""

    def __init__(self):
        self.param_name = settings.SESSION_COOKIE_NAME
        super().__init__(csrf=True)

    def authenticate(self, request, key):
        user = request.user
        if not user.is_authenticated:
            return None
        if not is_staff_member(user):
            raise Forbidden(_("This account has no staff role. Ask an administrator."))
        if role_of(user) == Role.RESPONDER:
            # A responder's phone session is for the responder screen, which never calls /api/; an agency's
            # system uses a responder token instead (docs/security.md).
            raise Forbidden(_("Responders use the responder screen; the API takes an agency token."))
        if two_factor.unverified_api_session(request):
            # A password alone is not a supervisor's or an administrator's login (ess.two_factor).
            raise Forbidden(_("Finish the two-factor login first."))
        return _admit(request, user)


def principal(request):
    """The user the call acts as (a token's service account or the logged-in staff member)."""
    return request.auth
