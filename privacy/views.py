"""The access log's page (/privacy/access/): supervisors see the reads of their provinces' cases,
administrators and national supervisors everything; filters, paging and a CSV export of the filtered log."""

import csv
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ess.models import Role
from ess.roles import province_scope, role_required
from ess.spreadsheet import neutralise
from incidents.errors import ActionRefused, InvalidInput
from incidents.models import Incident
from privacy import holds
from privacy.models import AccessLog, Field

AUDITOR_ROLES = (Role.SUPERVISOR, Role.ADMIN)
PAGE_SIZE = 100


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


@dataclass
class LogFilters:
    since: date | None = None
    until: date | None = None
    user: str = ""
    reference: str = ""
    reporter: str = ""
    field: str = ""

    @classmethod
    def from_query(cls, data) -> "LogFilters":
        field = data.get("field", "")
        reporter = data.get("reporter", "").strip()
        return cls(
            since=_day(data.get("since", "")),
            until=_day(data.get("until", "")),
            user=data.get("user", "").strip()[:150],
            reference=data.get("reference", "").strip().upper()[:20],
            reporter=reporter if reporter.isdigit() else "",
            field=field if field in Field.values else "",
        )

    def apply(self, qs):
        tz = timezone.get_current_timezone()
        if self.since:
            qs = qs.filter(at__gte=datetime.combine(self.since, time.min, tz))
        if self.until:
            qs = qs.filter(at__lt=datetime.combine(self.until + timedelta(days=1), time.min, tz))
        if self.user:
            qs = qs.filter(username=self.user)
        if self.reference:
            qs = qs.filter(reference=self.reference)
        if self.reporter:
            qs = qs.filter(reporter_id=int(self.reporter))
        if self.field:
            qs = qs.filter(field=self.field)
        return qs


def _entries(request: HttpRequest) -> tuple[LogFilters, object]:
    filters = LogFilters.from_query(request.GET)
    return filters, filters.apply(AccessLog.objects.visible_to(province_scope(request.user)))


@role_required(*AUDITOR_ROLES)
@require_GET
def access_log(request: HttpRequest) -> HttpResponse:
    filters, entries = _entries(request)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "privacy/access_log.html",
        {"filters": filters, "page": page, "field_choices": Field.choices, "querystring": query.urlencode()},
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


COLUMNS = ["at", "username", "role", "token", "field", "route", "reference", "province_code", "reporter_id"]


def _csv_lines(entries):
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(COLUMNS)
    for row in entries.values_list(*COLUMNS).iterator(chunk_size=2000):
        yield writer.writerow([neutralise(v) for v in row])


@role_required(*AUDITOR_ROLES)
@require_GET
def access_log_csv(request: HttpRequest) -> StreamingHttpResponse:
    _filters, entries = _entries(request)
    response = StreamingHttpResponse(_csv_lines(entries), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="ess-access-log-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response


# --- legal holds -----------------------------------------------------------------------------------------


@role_required(*AUDITOR_ROLES)
def legal_holds(request: HttpRequest) -> HttpResponse:
    """Place or lift a legal hold (by case reference, with a reason); the held cases of my provinces."""
    error = note = ""
    if request.method == "POST":
        reference = request.POST.get("reference", "").strip().upper()
        case = Incident.objects.in_provinces(province_scope(request.user)).filter(reference=reference).first()
        try:
            if case is None:
                raise InvalidInput(_("No case with the reference %(ref)s.") % {"ref": reference or "—"})
            act = holds.lift_legal_hold if request.POST.get("lift") else holds.place_legal_hold
            case = act(case, request.user, request.POST.get("reason", ""))
            note = _("Legal hold placed on %(ref)s.") if case.legal_hold else _("Legal hold lifted from %(ref)s.")
            note = note % {"ref": case.reference}
        except ActionRefused as refused:
            error = str(refused)
    held = Incident.objects.in_provinces(province_scope(request.user)).filter(legal_hold=True).order_by("reference")
    return render(
        request,
        "privacy/legal_holds.html",
        {"held": held, "error": error, "note": note},
        status=400 if error else 200,
    )
