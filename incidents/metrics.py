"""The intake's figures for /metrics (ess.metrics), read from the database at scrape time."""

from django.db.models import Count, Min, Q
from django.utils import timezone

from ess.metrics import counter, gauge
from incidents.line.models import LineEvent
from incidents.models import OPEN_STATUSES, Incident, Message, Status

# Not yet given to any agency: what the queue still has to move.
UNASSIGNED_STATUSES = (Status.NEW, Status.TRIAGED)


def _age(now, moment) -> float:
    return max(0.0, (now - moment).total_seconds()) if moment else 0.0


def collect():
    now = timezone.now()
    inbox = LineEvent.objects.aggregate(
        pending=Count("id", filter=Q(state=LineEvent.State.PENDING)),
        # A report nobody could process pages the on-call: a drill's event is never one (#17). Pending and
        # its age count every event, drills' too: they are the worker's real backlog.
        failed=Count("id", filter=Q(state=LineEvent.State.FAILED, is_drill=False)),
        oldest=Min("received_at", filter=Q(state=LineEvent.State.PENDING)),
    )
    yield gauge("ess_line_inbox_pending", "LINE webhook events stored and not yet processed.", inbox["pending"])
    yield gauge(
        "ess_line_inbox_oldest_pending_age_seconds",
        "How long the oldest unprocessed LINE event has waited (0: none waiting).",
        _age(now, inbox["oldest"]),
    )
    yield counter("ess_line_inbox_failed", "LINE events the worker gave up on.", inbox["failed"])

    out = Message.objects.filter(direction=Message.Direction.OUT).aggregate(
        queued=Count("id", filter=Q(delivery=Message.Delivery.QUEUED)),
        withheld=Count("id", filter=Q(delivery=Message.Delivery.WITHHELD)),
        failed=Count("id", filter=Q(delivery=Message.Delivery.FAILED)),
        retrying=Count("id", filter=Q(delivery=Message.Delivery.QUEUED, attempts__gt=0)),
        oldest=Min("created_at", filter=Q(delivery=Message.Delivery.QUEUED)),
    )
    yield gauge("ess_line_outbox_queued", "Messages to reporters waiting to be sent.", out["queued"])
    yield gauge(
        "ess_line_outbox_retrying", "Queued messages that failed at least once and wait to retry.", out["retrying"]
    )
    yield gauge(
        "ess_line_outbox_withheld", "Messages held for safe-contact reporters until they write.", out["withheld"]
    )
    yield gauge(
        "ess_line_outbox_oldest_queued_age_seconds",
        "How long the oldest queued message to a reporter has waited (0: none).",
        _age(now, out["oldest"]),
    )
    yield counter(
        "ess_line_outbox_failed", "Messages to reporters that could not be delivered (gave up).", out["failed"]
    )

    by_status = dict(
        Incident.objects.real()
        .filter(status__in=OPEN_STATUSES)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    cases = gauge("ess_cases_open", "Open cases by status.", labels=["status"])
    for status in OPEN_STATUSES:
        cases.add_metric([status.value], by_status.get(status.value, 0))
    yield cases
    oldest = (
        Incident.objects.real().filter(status__in=UNASSIGNED_STATUSES).aggregate(oldest=Min("received_at"))["oldest"]
    )
    yield gauge(
        "ess_cases_oldest_unassigned_age_seconds",
        "Age of the oldest case not yet dispatched to an agency (new or triaged; 0: none).",
        _age(now, oldest),
    )
