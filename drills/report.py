"""The after-action report of a drill: per case and step, and per operator (docs/drills.md).

Steps and their targets are the dashboard's: open (no target: how soon someone looked), triage
(SLA_TRIAGE_MINUTES), assign (SLA_DISPATCH_MINUTES) and acknowledge (SLA_ACKNOWLEDGE_MINUTES), each
measured from when the case was received, as the dashboard's SLA figures are. Built once, when the drill
ends, and kept (`AfterActionReport.data`), so it reads the same later whatever happens to the cases.
"""

from __future__ import annotations

import datetime as dt
import statistics

from django.conf import settings
from django.utils import timezone

from incidents.models import EventKind, IncidentEvent, Status

# (key, the case's milestone field or None, the event kind whose actor did it, the SLA setting)
STEPS = (
    ("open", None, EventKind.OPENED, None),
    ("triage", "triaged_at", EventKind.TRIAGE, "SLA_TRIAGE_MINUTES"),
    ("assign", "dispatched_at", EventKind.ASSIGNED, "SLA_DISPATCH_MINUTES"),
    ("acknowledge", "acknowledged_at", EventKind.ASSIGNMENT, "SLA_ACKNOWLEDGE_MINUTES"),
)
ENDED_EARLY = (Status.DUPLICATE, Status.FALSE_REPORT, Status.REFERRED, Status.CANCELLED)


def _name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


def _first_event(events: list[IncidentEvent], kind: str, step: str) -> IncidentEvent | None:
    for event in events:
        if event.kind != kind:
            continue
        if step == "acknowledge" and (event.data or {}).get("status") != "acknowledged":
            continue
        return event
    return None


def _expected(role: dict, status: str) -> set[str]:
    """The steps a case should go through: a duplicate is merged and a false report marked instead of
    being triaged and sent help (as is any case the operators rightly ended early)."""
    if role.get("duplicate_of") or role.get("false_report") or status in ENDED_EARLY:
        return {"open"}
    return {"open", "triage", "assign", "acknowledge"}


def build(drill, now: dt.datetime | None = None) -> dict:
    from drills.actions import cases_of
    from drills.player import reporter_prefix

    now = now or timezone.now()
    prefix = reporter_prefix(drill)
    reporters = drill.script.get("reporters", {})
    targets = {key: getattr(settings, setting) for key, _f, _k, setting in STEPS if setting}
    cases = []
    operators: dict[str, dict] = {}
    for case in cases_of(drill).select_related("reporter").order_by("received_at", "pk"):
        key = (case.reporter.line_user_id or "").removeprefix(prefix)
        role = reporters.get(key, {})
        events = list(IncidentEvent.objects.filter(incident=case).select_related("actor").order_by("id"))
        steps = {}
        missed = []
        for step, field, kind, setting in STEPS:
            event = _first_event(events, kind, step)
            at = getattr(case, field) if field else (event.created_at if event else None)
            if at is None and event is not None:
                at = event.created_at
            if at is None:
                if step in _expected(role, case.status):
                    missed.append(step)
                steps[step] = None
                continue
            seconds = max(0, round((at - case.received_at).total_seconds()))
            target = getattr(settings, setting) * 60 if setting else None
            who = _name(event.actor) if event and event.actor else ""
            steps[step] = {"seconds": seconds, "target": target, "late": bool(target and seconds > target), "by": who}
            if who:
                person = operators.setdefault(who, {"name": who, "steps": {}, "cases": []})
                person["steps"].setdefault(step, []).append(seconds)
                if case.reference not in person["cases"]:
                    person["cases"].append(case.reference)
        if role.get("duplicate_of") and case.status != Status.DUPLICATE and case.duplicate_of_id is None:
            missed.append("merge_duplicate")
        if role.get("false_report") and case.status != Status.FALSE_REPORT:
            missed.append("mark_false_report")
        cases.append(
            {
                "reference": case.reference,
                "reporter": key,
                "role": "duplicate" if role.get("duplicate_of") else "false_report" if role.get("false_report") else "",
                "received_at": case.received_at.isoformat(),
                "status": case.status,
                "steps": steps,
                "missed": missed,
            }
        )
    expected_reporters = set(reporters)
    found = {c["reporter"] for c in cases}
    people = []
    for person in sorted(operators.values(), key=lambda p: p["name"]):
        person["median"] = {step: round(statistics.median(values)) for step, values in person["steps"].items()}
        people.append(person)
    return {
        "built_at": now.isoformat(),
        "targets": targets,
        "cases": cases,
        "operators": people,
        "reporters_without_case": sorted(expected_reporters - found),
        "steps_played": len(drill.played),
        "steps_in_script": len(drill.script.get("steps", [])),
    }
