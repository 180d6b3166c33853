"""Who may do what: the one place that knows the four roles.

Views use the decorators; querysets scope themselves with `province_scope()`.
"""

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseForbidden
from django.utils.translation import gettext as _

from ess.models import Role, StaffProfile

# Views open to staff of these roles (admins may always enter).
CONSOLE_ROLES = (Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN)
DASHBOARD_ROLES = (Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN)
# Exports of case rows (CSV): supervisors (of their provinces) and administrators; operators read the
# dashboard but take no case lists away.
EXPORT_ROLES = (Role.SUPERVISOR, Role.ADMIN)
RESPONDER_ROLES = (Role.RESPONDER, Role.ADMIN)


def profile_of(user) -> StaffProfile | None:
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.staff
    except StaffProfile.DoesNotExist:
        return None


def role_of(user) -> str | None:
    profile = profile_of(user)
    if profile is not None:
        return profile.role
    if getattr(user, "is_superuser", False):
        return Role.ADMIN
    return None


def is_staff_member(user) -> bool:
    return role_of(user) is not None


def province_scope(user) -> list[str] | None:
    """Province codes the user is limited to, or None for national reach."""
    role = role_of(user)
    if role == Role.ADMIN:
        return None
    profile = profile_of(user)
    if profile is None or profile.is_national:
        return None
    return list(profile.province_codes)


def can_see_reporter_identity(user) -> bool:
    """Reporter identity (LINE id, name, phone) is for the staff who talk to the reporter and oversee
    them (docs/design.md §4b); responders get the place and the story, not who told it."""
    return role_of(user) in CONSOLE_ROLES


def role_required(*roles: str) -> Callable:
    """Refuse (403) staff whose role is not one of `roles`. Login itself is enforced by middleware."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            if role_of(request.user) not in roles:
                raise PermissionDenied(_("Your role does not allow this page."))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


class StaffOnlyMiddleware:
    """A logged-in account without a staff role (e.g. a leftover user) sees nothing but a refusal.

    LoginRequiredMiddleware runs first and already sent anonymous visitors to the login page.
    """

    # /api/ authenticates itself (a staff session or a bearer token, api.auth) and answers in JSON;
    # a stray account without a role is refused there with the same rules, as a 403 in JSON.
    OPEN_PREFIXES = ("/accounts/", "/i18n/", "/static/", "/healthz/", "/metrics", "/line/webhook/", "/api/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        user = request.user
        if user.is_authenticated and not request.path.startswith(self.OPEN_PREFIXES) and not is_staff_member(user):
            return HttpResponseForbidden(_("This account has no staff role. Ask an administrator."))
        return self.get_response(request)


def staff_context(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    return {"staff_role": role_of(user) if user is not None else None}
