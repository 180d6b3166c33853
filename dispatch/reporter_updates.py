"""What the reporter hears on LINE as help moves, in their language (from their LINE profile, not the
browser): one neutral message per case milestone. Neutral means no category words and nothing that tells
someone reading the phone's notification preview what happened — some reporters share a phone with the
person hurting them (docs/design.md §4b).

`notify_reporters()` is the ONE entry point; dispatch.assignments calls it inside the transaction that
moves the case, so a rolled-back change never messages anyone.
"""

from dataclasses import dataclass

from django.utils.translation import pgettext_lazy

from incidents.actions import record
from incidents.line import outbox, texts
from incidents.models import EventKind, Incident, Reporter, Status

# Case status reached → what the reporter is told ({ref}: the case reference they were given).
MESSAGES = {
    Status.DISPATCHED: pgettext_lazy(
        "LINE",
        "Update on {ref}: we have passed your report to staff in your area, who are arranging help. "
        "A life in danger: call 191.",
    ),
    # Staff go to the scene, not "to you": the reporter may be a neighbour, not the person in danger.
    Status.EN_ROUTE: pgettext_lazy("LINE", "Update on {ref}: staff are on their way to the scene."),
    Status.ON_SCENE: pgettext_lazy("LINE", "Update on {ref}: staff have arrived at the scene."),
    Status.RESOLVED: pgettext_lazy(
        "LINE",
        "Update on {ref}: staff have finished. If you still need help, write in this chat at any time. "
        "Other social problems: call 1300.",
    ),
}


@dataclass
class PlannedUpdate:
    reporter: Reporter
    text: str
    sent: bool  # True: queued to go out now; False: held (safe contact) or not sent (blocked the OA)
    why_not: str = ""


def text_for(status: str, language: str, reference: str) -> str | None:
    """The update for `status` in the reporter's language (their LINE profile's), None if there is none."""
    if status not in MESSAGES:
        return None
    return texts.render(language, MESSAGES[status]).format(ref=reference)


def recipients(incident: Incident) -> list[Reporter]:
    """The case's reporter and the reporters of the cases merged into it as duplicates (they hear the
    master's news), each once."""
    seen: dict[int, Reporter] = {}
    if incident.reporter_id:
        seen[incident.reporter_id] = incident.reporter
    for dup in incident.duplicates.select_related("reporter").exclude(reporter=None):
        seen.setdefault(dup.reporter_id, dup.reporter)
    return list(seen.values())


def notify_reporters(incident: Incident, status: str) -> list[PlannedUpdate]:
    """Tell the reporters of `incident` that the case reached `status` (no-op for statuses without a
    message, and for a milestone they were already told of, e.g. dispatched again after every agency
    declined). Safe-contact reporters get nothing pushed: they hear from us only when they write first.
    Writes a "reporter_update" timeline event saying who was told and who not.

    Precondition: called inside the action that moved the case, with the case locked."""
    if status not in MESSAGES or incident.events.filter(kind=EventKind.REPORTER_UPDATE, data__status=status).exists():
        return []
    out = []
    for reporter in recipients(incident):
        text = text_for(status, reporter.language, incident.reference)
        if text is None:
            continue
        if not reporter.is_reachable or not reporter.line_user_id:
            out.append(PlannedUpdate(reporter, text, False, "unreachable"))
            continue
        # Queued in the LINE outbox, sent by the worker after commit with retries; for a safe-contact
        # reporter it is held (never pushed) and goes with the reply to their next message.
        outbox.send_to_reporter(reporter, text, incident=incident, neutral_text=text)
        if reporter.safe_contact_only:
            out.append(PlannedUpdate(reporter, text, False, "safe_contact"))
        else:
            out.append(PlannedUpdate(reporter, text, True))
    if out:
        record(
            incident,
            EventKind.REPORTER_UPDATE,
            data={
                "status": status,
                "sent": sum(u.sent for u in out),
                "withheld": {u.reporter.pk: u.why_not for u in out if not u.sent},
            },
        )
    return out
