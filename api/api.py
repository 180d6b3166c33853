"""The NinjaAPI instance: authentication, error answers, the OpenAPI schema and the staff-only docs."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpResponseForbidden, JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer

from api.act import router as act_router
from api.auth import BearerToken, StaffSession
from api.drills import router as drills_router
from api.errors import as_response_parts
from api.referrals import router as referrals_router
from api.tokens import find_token
from api.views import router
from ess.roles import is_staff_member

DESCRIPTION = """
The ESS Console's cases, agencies and actions for the 191 centres' and the ministry's own systems.

Authenticate with `Authorization: Bearer <token>` (tokens are issued in the admin) or, from the console
itself, with the staff session (POSTs then need the CSRF token). A token has a role and a reach, the same
as a member of staff: it sees and does what that member of staff would. Errors are
`{"detail": "...", "field": ...}`: 401 no or bad credentials, 403 not allowed, 404 unknown (or outside
your reach), 409 the case cannot make that move (now), 422 bad input (`field` names it), 429 too many
calls (see `Retry-After`). POSTs take an `Idempotency-Key` header.
"""


def staff_or_token(view):
    """The schema and docs: for a valid token, or a logged-in member of staff (others go to the login)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        header = request.headers.get("Authorization", "")
        if header.lower().startswith("bearer "):
            if find_token(header[7:].strip()) is None:
                return JsonResponse(
                    {"detail": _("This API token is unknown or was revoked."), "field": None}, status=401
                )
            return view(request, *args, **kwargs)
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_staff_member(request.user):
            return HttpResponseForbidden(_("This account has no staff role. Ask an administrator."))
        return view(request, *args, **kwargs)

    return wrapped


class Utf8JSONRenderer(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}  # Thai addresses and names readable as they are


api = NinjaAPI(
    renderer=Utf8JSONRenderer(),
    title="ESS Console API",
    version="1",
    description=DESCRIPTION,
    auth=[BearerToken(), StaffSession()],
    urls_namespace="api",
    docs_decorator=staff_or_token,
)
api.add_router("/", router)
api.add_router("/", act_router)
api.add_router("/", referrals_router)  # follow-up referrals (ส่งต่อ)
api.add_router("/", drills_router)  # drills (training mode) and their after-action reports


def _answer(request, status: int, body: dict, headers: dict | None = None):
    response = api.create_response(request, body, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


@api.exception_handler(Exception)
def handle_refusal(request, exc):
    parts = as_response_parts(exc)
    if parts is None:
        raise exc  # a real failure: Django's 500 handling and error log
    return _answer(request, *parts)


@api.exception_handler(AuthenticationError)
def handle_unauthenticated(request, exc):
    return _answer(
        request,
        401,
        {"detail": _("Authenticate with “Authorization: Bearer <token>” or a staff session."), "field": None},
        {"WWW-Authenticate": 'Bearer realm="ess"'},
    )


@api.exception_handler(ValidationError)
def handle_bad_input(request, exc):
    """422 naming the first field at fault (its location without the `body`/`query` part)."""
    first = exc.errors[0] if exc.errors else {}
    loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path", "header", "payload")]
    field = ".".join(loc) or None
    message = first.get("msg", _("Invalid input."))
    detail = f"{field}: {message}" if field else message
    return _answer(request, 422, {"detail": detail, "field": field})


@api.exception_handler(Http404)
def handle_not_found(request, exc):
    return _answer(request, 404, {"detail": _("Not found."), "field": None})


@api.exception_handler(ObjectDoesNotExist)
def handle_missing(request, exc):
    return _answer(request, 404, {"detail": _("Not found."), "field": None})


@api.exception_handler(HttpError)
def handle_http_error(request, exc):
    # django-ninja's own refusals; the one a client meets is 400 for a body that is not JSON.
    if exc.status_code == 400:
        return _answer(request, 400, {"detail": _("The request body is not valid JSON."), "field": "body"})
    return _answer(request, exc.status_code, {"detail": str(exc), "field": None})
