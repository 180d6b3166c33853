"""Dispatch's figures for /metrics (ess.metrics), read from the database at scrape time."""

from django.db.models import Count, Q

from dispatch import presence
from dispatch.models import Assignment, AssignmentStatus
from ess.metrics import gauge


def collect():
    online = gauge("ess_screens_connected", "Open live screens (websockets), by screen.", labels=["screen"])
    for screen in ("console", "responder"):
        online.add_metric([screen], presence.online(screen).count())
    yield online
    yield gauge(
        "ess_consoles_connected_staff",
        "Distinct staff with an operator console open.",
        len(presence.online_user_ids("console")),
    )
    late = Assignment.objects.filter(status=AssignmentStatus.PENDING).aggregate(
        pending=Count("id"), escalated=Count("id", filter=Q(escalation_level__gt=0))
    )
    yield gauge("ess_assignments_pending", "Assignments an agency has not acknowledged yet.", late["pending"])
    yield gauge(
        "ess_assignments_escalated",
        "Pending assignments past their acknowledgement deadline (escalated).",
        late["escalated"],
    )
