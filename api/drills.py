"""Drills and their after-action reports over the API (read only): the same visibility as the drills
pages (drills.actions.visible): supervisors see their provinces' drills and the national ones."""

from django.utils.translation import gettext as _
from ninja import Path, Router, Schema

from api.auth import principal
from api.errors import Forbidden, NotFound
from api.schemas import MAX_ID, Error
from api.views import COMMON
from drills import actions
from drills.models import Drill
from ess.roles import CONSOLE_ROLES, role_of

router = Router(tags=["drills"])

DrillId = Path(..., ge=1, le=MAX_ID)


class DrillOut(Schema):
    id: int
    drill: bool
    title: str
    scenario: str
    category: str
    province_code: str
    state: Drill.State
    started_by: str | None
    started_at: str
    ended_at: str | None
    steps_played: int
    steps_in_script: int
    cases: list[str]
    has_report: bool


class DrillPage(Schema):
    drills: list[DrillOut]


class ReportOut(Schema):
    drill: int
    built_at: str
    report: dict


def _visible(request):
    user = principal(request)
    if role_of(user) not in CONSOLE_ROLES:
        raise Forbidden(_("Drills are for operators, supervisors and administrators."))
    return actions.visible(user)


def drill_out(d: Drill) -> dict:
    return {
        "id": d.pk,
        "drill": True,
        "title": d.title,
        "scenario": d.scenario_name,
        "category": d.category,
        "province_code": d.province_code,
        "state": d.state,
        "started_by": (d.started_by.get_username() if d.started_by else None),
        "started_at": d.started_at.isoformat(),
        "ended_at": d.ended_at.isoformat() if d.ended_at else None,
        "steps_played": len(d.played),
        "steps_in_script": len(d.script.get("steps", [])),
        "cases": list(actions.cases_of(d).order_by("received_at", "pk").values_list("reference", flat=True)),
        "has_report": hasattr(d, "report"),
    }


def _drill(request, pk: int) -> Drill:
    drill = _visible(request).filter(pk=pk).first()
    if drill is None:
        raise NotFound(_("No drill %(id)s among those you can see.") % {"id": pk})
    return drill


@router.get("/drills", response={200: DrillPage, **COMMON}, url_name="drill_list")
def list_drills(request):
    """The drills you can see, newest first (at most 100)."""
    return {"drills": [drill_out(d) for d in _visible(request).select_related("report")[:100]]}


@router.get("/drills/{drill_id}", response={200: DrillOut, 404: Error, **COMMON}, url_name="drill_detail")
def drill_detail(request, drill_id: int = DrillId):
    return drill_out(_drill(request, drill_id))


@router.get("/drills/{drill_id}/report", response={200: ReportOut, 404: Error, **COMMON}, url_name="drill_report")
def drill_report(request, drill_id: int = DrillId):
    """The after-action report, kept when the drill ended (404 while it runs): per case and step (seconds
    from receipt, the SLA target, who did it, late or not) and per operator, with the actions missed."""
    drill = _drill(request, drill_id)
    kept = getattr(drill, "report", None)
    if kept is None:
        raise NotFound(_("Drill %(id)s has no report yet: it is still running.") % {"id": drill_id})
    return {"drill": drill.pk, "built_at": kept.built_at.isoformat(), "report": kept.data}
