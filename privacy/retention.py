"""Retention (PDPA: nothing kept longer than its purpose needs). Run by `manage.py worker` (job
"retention", every RETENTION_CHECK_SECONDS) and by `manage.py retention [--dry-run]`.

- Raw LINE webhook events are emptied after RETENTION_WEBHOOK_PAYLOAD_DAYS (the parsed message stays).
- Photos and other media go RETENTION_MEDIA_DAYS after their case ended, unless the case (or the case it
  was merged into) is on legal hold.
- Reporters whose cases all ended more than RETENTION_ANONYMISE_DAYS ago (none open, none on hold) are
  anonymised: name, LINE id, phone and free text become a marker; the cases keep category, priority,
  status, times, province and district, so every dashboard figure stays. A false-report count is kept
  as a salted fingerprint of the LINE id (privacy.pseudonyms), so a prankster coming back is recognised.
- Access-log entries older than RETENTION_ACCESS_LOG_DAYS are deleted (the only deletion of that log).

Each step handles at most RETENTION_BATCH rows per run, so a worker round stays short; the next run
continues. A dry run changes nothing and says what a run would do.
"""

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce, Round
from django.utils import timezone

from incidents.line.models import LineEvent
from incidents.models import OPEN_STATUSES, Attachment, Incident, IncidentEvent, Message, Reporter
from privacy import pseudonyms
from privacy.models import AccessLog

log = logging.getLogger("privacy.retention")

MARKER = "[ลบแล้ว · removed]"
PURGED = {"purged": True}
# Free-text keys of timeline events (messages, notes, pins, reasons) that may carry what a reporter said.
FREE_TEXT_KEYS = ("text", "address", "description", "reason", "outcome", "previous")
# Message payload states while a photo is still being fetched: keep LINE's message id until it is done.
FETCHING = ("waiting", "pending")


@dataclass
class Report:
    dry_run: bool = False
    payloads: int = 0
    media: list[str] = field(default_factory=list)  # "ESS-… attachment 12"
    reporters: list[int] = field(default_factory=list)
    access_log: int = 0

    @property
    def total(self) -> int:
        return self.payloads + len(self.media) + len(self.reporters) + self.access_log

    def lines(self) -> list[str]:
        verb = "would" if self.dry_run else "did"
        return [
            f"retention ({verb}): raw webhook payloads emptied: {self.payloads}",
            f"retention ({verb}): media deleted: {len(self.media)}"
            + (f" ({', '.join(self.media)})" if self.media else ""),
            f"retention ({verb}): reporters anonymised: {len(self.reporters)}"
            + (f" (ids {', '.join(map(str, self.reporters))})" if self.reporters else ""),
            f"retention ({verb}): access-log entries deleted: {self.access_log}",
        ]


def _days(name: str) -> dt.timedelta:
    return dt.timedelta(days=getattr(settings, name))


def ended_cases():
    """Cases that left the queue for good, with `ended`: when they did (closed, else resolved, else the
    last change: a duplicate, referral, false report or cancellation stamps no milestone of its own)."""
    return Incident.objects.exclude(status__in=OPEN_STATUSES).annotate(
        ended=Coalesce("closed_at", "resolved_at", "updated_at")
    )


def _note(case: Incident, kind: str, data: dict) -> None:
    """A timeline event without a live push: these cases left the consoles' queues long ago, and a first
    run may touch thousands of them."""
    IncidentEvent.objects.create(incident=case, kind=kind, data=data)


def purge_payloads(now: dt.datetime, dry_run: bool) -> int:
    cutoff = now - _days("RETENTION_WEBHOOK_PAYLOAD_DAYS")
    batch = settings.RETENTION_BATCH
    events = LineEvent.objects.filter(received_at__lt=cutoff).exclude(state=LineEvent.State.PENDING)
    event_pks = list(events.exclude(payload__has_key="purged").values_list("pk", flat=True)[:batch])
    messages = list(
        Message.objects.filter(created_at__lt=cutoff, payload__has_key="message")
        .exclude(Q(payload__has_key="content") & Q(payload__content__in=FETCHING))
        .only("pk", "payload")[:batch]
    )
    if dry_run:
        return len(event_pks) + len(messages)
    with transaction.atomic():
        LineEvent.objects.filter(pk__in=event_pks).update(payload=PURGED, user_id="")
        for message in messages:
            payload = {k: v for k, v in message.payload.items() if k != "message"}
            Message.objects.filter(pk=message.pk).update(payload=payload)
    return len(event_pks) + len(messages)


def delete_files_after_commit(attachments) -> None:
    """After commit: a rolled-back run must not have lost the files its rows still point at."""
    names = [a.file.name for a in attachments if a.file.name]
    storage = Attachment._meta.get_field("file").storage

    def delete():
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete)


def purge_media(now: dt.datetime, dry_run: bool) -> list[str]:
    cutoff = now - _days("RETENTION_MEDIA_DAYS")
    due = (
        ended_cases()
        .filter(ended__lt=cutoff, legal_hold=False)
        .exclude(duplicate_of__legal_hold=True)
        .exclude(duplicate_of__status__in=OPEN_STATUSES)
    )
    attachments = list(
        Attachment.objects.filter(incident__in=due.values("pk")).select_related("incident")[: settings.RETENTION_BATCH]
    )
    done = [f"{a.incident.reference} attachment {a.pk}" for a in attachments]
    if dry_run or not attachments:
        return done
    by_case: dict[int, list[Attachment]] = {}
    for a in attachments:
        by_case.setdefault(a.incident_id, []).append(a)
    with transaction.atomic():
        for items in by_case.values():
            Attachment.objects.filter(pk__in=[a.pk for a in items]).delete()
            _note(items[0].incident, "media_purged", {"attachments": [a.pk for a in items], "why": "retention"})
        delete_files_after_commit(attachments)
    return done


def due_reporters(now: dt.datetime):
    """Reporters to anonymise: not yet done, quiet since the cutoff, and no case of theirs open, on hold
    or ended after the cutoff."""
    cutoff = now - _days("RETENTION_ANONYMISE_DAYS")
    keeps = Incident.objects.filter(reporter=OuterRef("pk")).filter(
        Q(status__in=OPEN_STATUSES)
        | Q(legal_hold=True)
        | Q(closed_at__gte=cutoff)
        | Q(resolved_at__gte=cutoff)
        | Q(updated_at__gte=cutoff)
    )
    return (
        Reporter.objects.filter(anonymised_at__isnull=True)
        .filter(Q(last_seen_at__lt=cutoff) | Q(last_seen_at__isnull=True, created_at__lt=cutoff))
        .exclude(Exists(keeps))
    )


def _scrub(data: dict) -> dict:
    return {k: (MARKER if k in FREE_TEXT_KEYS and v else v) for k, v in data.items()}


def scrub_reporter(reporter: Reporter, now: dt.datetime, *, why: str) -> list[Incident]:
    """Replace the reporter's identity and every free text they gave with the marker. The caller holds a
    transaction. Returns their cases (each has an "anonymised" timeline event)."""
    pseudonyms.keep_strikes(reporter.line_user_id, reporter.false_report_count)
    user_id = reporter.line_user_id
    Reporter.objects.filter(pk=reporter.pk).update(
        display_name="", line_user_id=None, phone="", conversation_state={}, anonymised_at=now
    )
    Message.objects.filter(reporter=reporter).exclude(text="").update(text=MARKER)
    Message.objects.filter(reporter=reporter).update(payload={}, reply_token="")
    if user_id:
        LineEvent.objects.filter(user_id=user_id).exclude(state=LineEvent.State.PENDING).update(
            payload=PURGED, user_id=""
        )
    cases = list(Incident.objects.filter(reporter=reporter))
    pks = [c.pk for c in cases]
    Incident.objects.filter(pk__in=pks).exclude(description="").update(description=MARKER)
    Incident.objects.filter(pk__in=pks).exclude(address="").update(address=MARKER)
    # About a kilometre: the district stays right for the map and the figures, the doorstep is gone.
    Incident.objects.filter(pk__in=pks, latitude__isnull=False).update(
        latitude=Round("latitude", 2), longitude=Round("longitude", 2)
    )
    for event in IncidentEvent.objects.filter(incident_id__in=pks).only("pk", "data"):
        scrubbed = _scrub(event.data)
        if scrubbed != event.data:
            IncidentEvent.objects.filter(pk=event.pk).update(data=scrubbed)  # append-only: update() is ours
    for case in cases:
        _note(case, "anonymised", {"why": why})
    return cases


def anonymise(now: dt.datetime, dry_run: bool) -> list[int]:
    reporters = list(due_reporters(now)[: settings.RETENTION_BATCH])
    if not dry_run:
        for reporter in reporters:
            with transaction.atomic():
                scrub_reporter(reporter, now, why="retention")
    return [r.pk for r in reporters]


def purge_access_log(now: dt.datetime, dry_run: bool) -> int:
    old = AccessLog.objects.filter(at__lt=now - _days("RETENTION_ACCESS_LOG_DAYS"))
    pks = list(old.values_list("pk", flat=True)[: settings.RETENTION_BATCH])
    if not dry_run and pks:
        # The log's own guard refuses delete(); retention is its one sanctioned way out.
        AccessLog.objects.filter(pk__in=pks)._raw_delete(AccessLog.objects.db)
    return len(pks)


def run(now: dt.datetime | None = None, *, dry_run: bool = False) -> Report:
    now = now or timezone.now()
    report = Report(dry_run=dry_run)
    report.payloads = purge_payloads(now, dry_run)
    report.media = purge_media(now, dry_run)
    report.reporters = anonymise(now, dry_run)
    report.access_log = purge_access_log(now, dry_run)
    if report.total and not dry_run:
        log.info(
            "retention: %d payloads, %d media, %d reporters, %d access-log entries",
            report.payloads,
            len(report.media),
            len(report.reporters),
            report.access_log,
        )
    return report


def run_job(now: dt.datetime) -> int:
    """The worker's job: how much it did (0 lets the worker idle)."""
    return run(now).total
