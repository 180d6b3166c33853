"""Acknowledgement deadlines: an agency must acknowledge an assignment in time, or the case climbs.

The deadline depends on the case's priority (settings.ACK_DEADLINE_MINUTES, minutes per priority) and is
counted from the assignment. Missing it raises level 1 (an alert on the console and on the province's
supervisors' screens, a mark on the assignment, a timeline event); still pending at twice the deadline
raises level 2. Declines alert at once (dispatch.assignments).

`check_deadlines(now)` is the whole rule; `manage.py worker` runs it every few seconds.
Nothing lives in memory: state is the assignment's `assigned_at` and `escalation_level`, so a restarted
checker raises exactly the alerts still due, and never one twice.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

from dispatch.assignments import raise_alert
from dispatch.models import Assignment, AssignmentStatus
from incidents.actions import locked
from incidents.models import OPEN_STATUSES

MAX_LEVEL = 2


def ack_deadline(priority: int) -> timedelta:
    minutes = settings.ACK_DEADLINE_MINUTES
    return timedelta(minutes=minutes.get(int(priority), max(minutes.values())))


def due_at(assignment: Assignment, level: int) -> datetime:
    """When level `level` (1 or 2) is due for this assignment."""
    return assignment.assigned_at + ack_deadline(assignment.incident.priority) * level


def next_due(assignment: Assignment) -> datetime | None:
    if assignment.status != AssignmentStatus.PENDING or assignment.escalation_level >= MAX_LEVEL:
        return None
    return due_at(assignment, assignment.escalation_level + 1)


@dataclass
class Escalation:
    assignment: Assignment
    level: int


def check_deadlines(now: datetime) -> list[Escalation]:
    """Raise every escalation due at `now`; return what was raised."""
    raised = []
    # A case that left the dispatch flow (closed, referred …) no longer climbs, even if the console did
    # not stand its agencies down.
    candidates = Assignment.objects.filter(
        status=AssignmentStatus.PENDING, escalation_level__lt=MAX_LEVEL, incident__status__in=OPEN_STATUSES
    ).select_related("incident")
    for candidate in candidates:
        due = next_due(candidate)
        if due is not None and due <= now:
            escalation = _escalate(candidate.pk, now)
            if escalation is not None:
                raised.append(escalation)
    return raised


def _escalate(assignment_id: int, now: datetime) -> Escalation | None:
    incident_id = Assignment.objects.values_list("incident_id", flat=True).get(pk=assignment_id)
    with locked(incident_id) as case:
        assignment = (
            Assignment.objects.select_for_update(of=("self",))
            .select_related("agency", "responder__user")
            .get(pk=assignment_id)
        )
        assignment.incident = case
        # Re-checked under the lock: acknowledged meanwhile, or escalated by another checker.
        due = next_due(assignment)
        if due is None or due > now or not case.is_open:
            return None
        # One step per check: a checker that was down for a long time raises level 1, then level 2 on
        # its next pass, so both alerts are seen in order.
        assignment.escalation_level += 1
        assignment.escalated_at = now
        assignment.version += 1
        assignment.save(update_fields=["escalation_level", "escalated_at", "version"])
        minutes = int(ack_deadline(case.priority).total_seconds() // 60) * assignment.escalation_level
        raise_alert(case, assignment, "overdue", level=assignment.escalation_level, data={"minutes": minutes})
        return Escalation(assignment, assignment.escalation_level)
