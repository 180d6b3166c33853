"""How a refusal becomes an HTTP answer. Every error body is `{"detail": "...", "field": ...}`.

The domain's refusals (incidents.errors) carry a message fit to show as it is; the API only picks the
status: an illegal or stale move is a conflict (409), a missing right is 403, bad input is 422.
"""

from django.utils.translation import gettext as _


class ApiError(Exception):
    status = 400

    def __init__(self, detail: str, *, field: str | None = None, headers: dict | None = None):
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.headers = headers or {}

    def body(self) -> dict:
        return {"detail": self.detail, "field": self.field}


class Unauthorized(ApiError):
    status = 401


class Forbidden(ApiError):
    status = 403


class NotFound(ApiError):
    status = 404


class Conflict(ApiError):
    status = 409


class BadInput(ApiError):
    status = 422


class RateLimited(ApiError):
    status = 429

    def __init__(self, retry_after: int, limit: int):
        super().__init__(
            _("Too many calls: %(n)s a minute are allowed. Retry after %(s)s seconds.")
            % {"n": limit, "s": retry_after},
            headers={"Retry-After": str(retry_after)},
        )


def case_not_found(reference: str) -> NotFound:
    # The same answer whether the case does not exist or is outside the caller's reach: a Chiang Mai
    # token learns nothing about Bangkok's cases, not even that a reference is taken.
    return NotFound(_("No case %(ref)s among the cases you can see.") % {"ref": reference})


def refusal_status(exc: Exception) -> int:
    """The HTTP status for a domain refusal (incidents.errors), by its kind."""
    from incidents import errors

    if isinstance(exc, errors.CaseNotFound):
        return 404
    if isinstance(exc, errors.NotAllowed):
        return 403
    invalid_input = getattr(errors, "InvalidInput", None)
    if invalid_input is not None and isinstance(exc, invalid_input):
        return 422
    return 409  # an illegal or stale move, a claim held by someone else, a state that forbids it


def as_response_parts(exc: Exception) -> tuple[int, dict, dict] | None:
    """(status, body, headers) for an exception the API answers itself, or None for a real failure."""
    from incidents.errors import ActionRefused

    if isinstance(exc, ApiError):
        return exc.status, exc.body(), exc.headers
    if isinstance(exc, ActionRefused):
        return refusal_status(exc), {"detail": str(exc), "field": None}, {}
    return None
