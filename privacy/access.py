"""The one function every route calls when it shows a reporter's personal data (PDPA, DESIGN §4b).

`record(request, field, case=…)` appends one AccessLog entry: who (the staff member, or the API token's
name and service account), when, which case and reporter, which field, from which route (the URL name).
Call it in the view, next to the read, before the response goes out: a read that could not be logged
is not served. Cases, reporters and attachments are taken by duck typing (pk, reference, province_code,
reporter_id): this module sits below `incidents` so that every layer, the intake's photo view included,
can call it.
"""

from collections.abc import Iterable

from ess.roles import role_of
from privacy.models import AccessLog, Field

__all__ = ["Field", "record", "record_many"]


def _who(request_or_user) -> tuple[object, str]:
    """(user, route) of a request, or of a user acting outside a request (a management command)."""
    if hasattr(request_or_user, "user") and hasattr(request_or_user, "path"):
        request = request_or_user
        user = getattr(request, "auth", None) or request.user
        match = getattr(request, "resolver_match", None)
        return user, (match.view_name if match and match.view_name else request.path)[:100]
    return request_or_user, ""


def _entry(request_or_user, field: str, case=None, reporter=None, attachment=None, route: str = "") -> AccessLog:
    user, found_route = _who(request_or_user)
    authenticated = getattr(user, "is_authenticated", False)
    token = getattr(request_or_user, "api_token", None)
    if case is None and attachment is not None:
        case = attachment.incident
    province = getattr(case, "province_code", "") or ""
    reporter_id = getattr(reporter, "pk", None) or getattr(case, "reporter_id", None)
    if case is None and reporter is not None:
        # A reporter seen on their own (the admin): filed under the province of their latest case, so
        # that province's supervisors see the read.
        latest = reporter.incidents.order_by("-received_at").values_list("province_code", flat=True).first()
        province = latest or ""
    return AccessLog(
        user=user if authenticated else None,
        username=user.get_username() if authenticated else "",
        role=(role_of(user) or "") if authenticated else "",
        token=token.name[:100] if token is not None else "",
        field=field,
        route=route or found_route,
        incident_id=getattr(case, "pk", None),
        reference=getattr(case, "reference", "") or "",
        province_code=province,
        reporter_id=reporter_id,
        attachment_id=getattr(attachment, "pk", None),
    )


def record(request_or_user, field: str, *, case=None, reporter=None, attachment=None, route: str = "") -> None:
    """Log one read of `field` of `case` (or of `reporter`, or of `attachment`'s case)."""
    _entry(request_or_user, field, case, reporter, attachment, route).save()


def record_many(request_or_user, field: str, cases: Iterable, *, route: str = "") -> int:
    """Log one read per case (an export, a list that shows several reporters' words)."""
    entries = [_entry(request_or_user, field, case, route=route) for case in cases]
    AccessLog.objects.bulk_create(entries, batch_size=500)
    return len(entries)
