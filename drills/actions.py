"""What supervisors and administrators do with drills: one function per action, called by the pages,
the API and the tests alike (docs/drills.md)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from drills import report, scenarios
from drills.models import AfterActionReport, Drill, UploadedScenario
from drills.player import reporter_prefix
from ess.models import Role
from ess.roles import province_scope, role_of
from incidents import actions as case_actions
from incidents.errors import InvalidInput, NotAllowed
from incidents.models import OPEN_STATUSES, Incident, Status

DRILL_ROLES = (Role.SUPERVISOR, Role.ADMIN)
UPLOAD_PREFIX = "upload:"


# --- scenarios ---------------------------------------------------------------------------------------------


def catalogue() -> dict[str, scenarios.Scenario]:
    """Every scenario a drill may start from: the shipped files, then the uploaded ones."""
    found = dict(scenarios.builtin())
    for row in UploadedScenario.objects.all():
        try:
            found[UPLOAD_PREFIX + row.name] = scenarios.parse(row.source, row.name)
        except scenarios.Invalid:  # checked on upload; a later rule may refuse an old file: not offered
            continue
    return found


def upload_scenario(actor, name: str, text: str) -> UploadedScenario:
    """An administrator's upload: kept only when it parses (scenarios.Invalid lists what is wrong)."""
    if role_of(actor) != Role.ADMIN:
        raise NotAllowed(_("Only an administrator uploads drill scenarios."))
    name = (name or "").strip().rsplit("/", 1)[-1][:120]
    if not name.lower().endswith((".yaml", ".yml", ".json")):
        raise InvalidInput(_("A scenario file is .yaml, .yml or .json."))
    scenario = scenarios.parse(text, name)
    row, _created = UploadedScenario.objects.update_or_create(
        name=name,
        defaults={"title": scenario.title, "category": scenario.category, "source": text, "uploaded_by": actor},
    )
    return row


# --- drills ------------------------------------------------------------------------------------------------


def visible(user):
    """The drills a user may see: a provincial supervisor those of their provinces (national ones too)."""
    drills = Drill.objects.select_related("started_by")
    scope = province_scope(user)
    if scope is not None:
        drills = drills.filter(province_code__in=[*scope, ""])
    return drills


def running(user) -> list[Drill]:
    """Running drills whose cases this user may meet on the console: the banner's."""
    return [d for d in visible(user).filter(state=Drill.State.RUNNING)]


def _check_may_run(actor, province_code: str) -> None:
    if role_of(actor) not in DRILL_ROLES:
        raise NotAllowed(_("Only a supervisor or an administrator runs drills."))
    scope = province_scope(actor)
    if scope is not None and province_code not in scope:
        raise NotAllowed(_("You may run a drill only for your own province."))


def start(actor, scenario_key: str, province_code: str = "", *, now: dt.datetime | None = None) -> Drill:
    """Start a drill: the player (in the worker) sends its first step at once."""
    province_code = (province_code or "").strip()
    _check_may_run(actor, province_code)
    found = catalogue().get(scenario_key)
    if found is None:
        raise InvalidInput(_("Choose one of the scenarios."))
    now = now or timezone.now()
    drill = Drill.objects.create(
        scenario_name=scenario_key,
        title=found.title,
        category=found.category,
        script=found.as_json(),
        province_code=province_code,
        started_by=actor,
        started_at=now,
        next_at=now,
    )
    from ess import worker

    transaction.on_commit(worker.wake)
    return drill


def cases_of(drill: Drill):
    """The drill's cases: those of its reporters (which the intake marked as drill cases)."""
    return Incident.objects.filter(is_drill=True, reporter__line_user_id__startswith=reporter_prefix(drill))


def end(drill: Drill | int, actor, *, now: dt.datetime | None = None) -> Drill:
    """End a drill (a supervisor's "stop", or the player when its time is up): no step is sent after
    this; the after-action report is built from the cases as they are, then the drill's open cases are
    cancelled and closed (agencies on them are stood down, as for any cancelled case)."""
    now = now or timezone.now()
    pk = getattr(drill, "pk", drill)
    if actor is not None:
        with transaction.atomic():
            current = Drill.objects.get(pk=pk)
            _check_may_run(actor, current.province_code)
    with transaction.atomic():
        drill = Drill.objects.select_for_update().get(pk=pk)
        if not drill.is_running:
            return drill
        done = drill.next_step >= len(drill.script["steps"])
        drill.state = Drill.State.FINISHED if done else Drill.State.STOPPED
        drill.ended_at, drill.stopped_by, drill.next_at = now, actor, None
        drill.save(update_fields=["state", "ended_at", "stopped_by", "next_at"])
        AfterActionReport.objects.update_or_create(drill=drill, defaults={"data": report.build(drill, now=now)})
        reason = _("Drill ended")
        for case in cases_of(drill).filter(status__in=OPEN_STATUSES).order_by("pk"):
            case = case_actions.do_transition(
                case.pk,
                Status.CANCELLED,
                actor=actor,
                data={"by": "drill", "reason": reason},
                extra_fields={"claimed_by": None, "claim_expires_at": None},
            )
            case_actions.do_transition(
                case.pk, Status.CLOSED, actor=actor, data={"by": "drill"}, extra_fields={"outcome": reason}
            )
    return drill
