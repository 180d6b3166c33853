"""The drills pages (/drills/): thin callers of drills.actions; a refusal or a bad scenario file is
shown above the form, with what was typed or chosen kept."""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_POST

from drills import actions, scenarios
from drills.models import Drill
from ess import spreadsheet
from ess.models import Role
from ess.roles import CONSOLE_ROLES, province_scope, role_of, role_required
from incidents import geo
from incidents.errors import ActionRefused

MAX_UPLOAD = scenarios.MAX_SOURCE * 4  # bytes: Thai text is three bytes a letter in UTF-8


def _drill(request: HttpRequest, pk: int) -> Drill:
    drill = actions.visible(request.user).filter(pk=pk).first()
    if drill is None:
        raise Http404
    return drill


def _province_choices(user) -> list[tuple[str, str]]:
    scope = province_scope(user)
    if scope is None:
        return [("", _("National")), *geo.province_choices()]
    return [(code, geo.province_name(code)) for code in scope]


def _page(request: HttpRequest, *, error: str = "", problems=None, chosen: dict | None = None, status: int = 200):
    catalogue = actions.catalogue()
    return render(
        request,
        "drills/index.html",
        {
            "drills": actions.visible(request.user)[:100],
            "catalogue": sorted(catalogue.items(), key=lambda item: item[0]),
            "provinces": _province_choices(request.user),
            "may_run": role_of(request.user) in actions.DRILL_ROLES,
            "may_upload": role_of(request.user) == Role.ADMIN,
            "error": error,
            "problems": problems or [],
            "chosen": chosen or {},
        },
        status=status,
    )


@role_required(*CONSOLE_ROLES)
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return _page(request)


@role_required(*CONSOLE_ROLES)
@require_GET
def banner(request: HttpRequest) -> HttpResponse:
    """The console's drill banner (htmx, polled)."""
    return render(request, "drills/banner.html", {"running": actions.running(request.user)})


@role_required(*actions.DRILL_ROLES)
@require_POST
def start(request: HttpRequest) -> HttpResponse:
    chosen = {"scenario": request.POST.get("scenario", ""), "province": request.POST.get("province", "")}
    try:
        drill = actions.start(request.user, chosen["scenario"], chosen["province"])
    except ActionRefused as refused:
        return _page(request, error=str(refused), chosen=chosen, status=400)
    messages.success(request, _("Drill started: its reports arrive on the console now."))
    return redirect("drills:detail", drill.pk)


@role_required(*actions.DRILL_ROLES)
@require_POST
def stop(request: HttpRequest, pk: int) -> HttpResponse:
    drill = _drill(request, pk)
    try:
        actions.end(drill, request.user)
    except ActionRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("Drill ended: its open cases are closed and its report is kept."))
    return redirect("drills:detail", drill.pk)


@role_required(Role.ADMIN)
@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    sent = request.FILES.get("file")
    if sent is None:
        return _page(request, error=_("Choose a scenario file to upload."), status=400)
    if sent.size > MAX_UPLOAD:
        return _page(request, error=_("The file is too large."), status=400)
    try:
        text = sent.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        return _page(request, error=_("The file is not UTF-8 text."), status=400)
    try:
        row = actions.upload_scenario(request.user, sent.name, text)
    except scenarios.Invalid as invalid:
        return _page(
            request, error=_("%(name)s was not kept:") % {"name": sent.name}, problems=invalid.problems, status=400
        )
    except ActionRefused as refused:
        return _page(request, error=str(refused), status=400)
    messages.success(request, _("Scenario %(name)s uploaded.") % {"name": row.name})
    return redirect("drills:index")


@role_required(*CONSOLE_ROLES)
@require_GET
def scenario_source(request: HttpRequest, key: str) -> HttpResponse:
    """A scenario file as text: the shipped ones are the examples a supervisor writes from."""
    if key.startswith(actions.UPLOAD_PREFIX):
        from drills.models import UploadedScenario

        row = UploadedScenario.objects.filter(name=key.removeprefix(actions.UPLOAD_PREFIX)).first()
        text = row.source if row else None
    else:
        path = scenarios.BUILTIN_DIR / key
        text = path.read_text(encoding="utf-8") if key in scenarios.builtin() else None
    if text is None:
        raise Http404
    return HttpResponse(text, content_type="text/plain; charset=utf-8")


@role_required(*CONSOLE_ROLES)
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    drill = _drill(request, pk)
    return render(
        request,
        "drills/detail.html",
        {
            "drill": drill,
            "cases": actions.cases_of(drill).order_by("received_at", "pk"),
            "may_run": role_of(request.user) in actions.DRILL_ROLES,
            "report": getattr(drill, "report", None),
            "steps_total": len(drill.script.get("steps", [])),
        },
    )


@role_required(*CONSOLE_ROLES)
@require_GET
def report(request: HttpRequest, pk: int) -> HttpResponse:
    drill = _drill(request, pk)
    kept = getattr(drill, "report", None)
    if kept is None:
        raise Http404
    steps = [
        ("open", pgettext("drill step", "Open")),
        ("triage", pgettext("drill step", "Triage")),
        ("assign", pgettext("drill step", "Assign")),
        ("acknowledge", pgettext("drill step", "Acknowledge")),
    ]
    missed = {
        "open": _("never opened"),
        "triage": _("not triaged"),
        "assign": _("no agency assigned"),
        "acknowledge": _("not acknowledged"),
        "merge_duplicate": _("duplicate not merged"),
        "mark_false_report": _("false report not marked"),
    }
    context = {"drill": drill, "report": kept.data, "built_at": kept.built_at, "steps": steps, "missed_labels": missed}
    return render(request, "drills/report.html", context)


@role_required(*actions.DRILL_ROLES)
@require_GET
def cases_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The drill's cases as CSV, each row marked drill = yes (never part of a real export's totals)."""
    drill = _drill(request, pk)
    rows = actions.cases_of(drill).order_by("received_at", "pk")
    header = ["drill", "reference", "received_at", "category", "priority", "status", "province"]

    def lines():
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        for case in rows:
            values = [
                "yes",
                case.reference,
                timezone.localtime(case.received_at).isoformat(),
                case.category,
                str(case.priority),
                case.status,
                case.province_code,
            ]
            writer.writerow([spreadsheet.neutralise(v) for v in values])
        yield "\ufeff" + out.getvalue()

    response = HttpResponse("".join(lines()), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="drill-{drill.pk}-cases.csv"'
    return response
