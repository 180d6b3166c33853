"""Data-subject requests (PDPA): everything held about one reporter, as JSON plus their photos in a zip;
and their erasure on request, with a reason, refused while a case of theirs is open or on legal hold.
The management commands (subject_export, subject_erase) and the Reporter admin's actions call these."""

import io
import json
import zipfile
from pathlib import PurePosixPath

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.errors import InvalidInput, NotAllowed
from incidents.models import OPEN_STATUSES, Attachment, Incident, Message, Reporter
from privacy import access, retention
from privacy.models import SubjectRequest


def find_reporter(key: str) -> Reporter:
    """The reporter of a LINE user id (U…) or of a case reference (ESS-…)."""
    key = (key or "").strip()
    reporter = Reporter.objects.filter(line_user_id=key).first() if key else None
    if reporter is None and key:
        case = Incident.objects.filter(reference__iexact=key).select_related("reporter").first()
        reporter = case.reporter if case else None
    if reporter is None:
        raise InvalidInput(_("No reporter with the LINE user id or case reference %(key)s.") % {"key": key or "—"})
    return reporter


def _when(value) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def _case_out(case: Incident) -> dict:
    return {
        "reference": case.reference,
        "category": case.category,
        "status": case.status,
        "received_at": _when(case.received_at),
        "closed_at": _when(case.closed_at),
        "province_code": case.province_code,
        "district_code": case.district_code,
        "address": case.address,
        "latitude": case.latitude,
        "longitude": case.longitude,
        "description": case.description,
        "referred_to": case.referred_to,
        "legal_hold": case.legal_hold,
    }


def _username(actor) -> str:
    return actor.get_username() if getattr(actor, "is_authenticated", False) else ""


def export_reporter(reporter: Reporter, actor, *, via=None) -> bytes:
    """A zip: `subject.json` (the reporter, their cases, every message either way) and `photos/`. The read
    is logged (one access-log entry per case, or one for the reporter) and kept as a SubjectRequest."""
    cases = list(Incident.objects.filter(reporter=reporter).order_by("received_at"))
    messages = Message.objects.filter(reporter=reporter).order_by("created_at", "id")
    attachments = list(Attachment.objects.filter(incident__in=cases).select_related("incident").order_by("pk"))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        photos = []
        for a in attachments:
            name = f"photos/{a.incident.reference}-{a.pk}{PurePosixPath(a.file.name).suffix}"
            try:
                with a.file.open("rb") as handle:
                    archive.writestr(name, handle.read())
            except FileNotFoundError:
                continue
            photos.append({"case": a.incident.reference, "file": name, "received_at": _when(a.created_at)})
        subject = {
            "exported_at": _when(timezone.now()),
            "reporter": {
                "id": reporter.pk,
                "line_user_id": reporter.line_user_id,
                "display_name": reporter.display_name,
                "phone": reporter.phone,
                "language": reporter.language,
                "reachable_on_line": reporter.is_reachable,
                "safe_contact_only": reporter.safe_contact_only,
                "false_report_count": reporter.false_report_count,
                "first_contact": _when(reporter.created_at),
                "last_message": _when(reporter.last_seen_at),
                "anonymised_at": _when(reporter.anonymised_at),
            },
            "cases": [_case_out(c) for c in cases],
            "messages": [
                {
                    "at": _when(m.created_at),
                    "direction": m.direction,
                    "kind": m.kind,
                    "text": m.text,
                    "case": m.incident.reference if m.incident_id else None,
                }
                for m in messages.select_related("incident")
            ],
            "photos": photos,
        }
        archive.writestr("subject.json", json.dumps(subject, ensure_ascii=False, indent=2))
    with transaction.atomic():
        who = via if via is not None else actor
        if cases:
            access.record_many(who, access.Field.SUBJECT_EXPORT, cases, route="privacy.subject.export")
        else:
            access.record(who, access.Field.SUBJECT_EXPORT, reporter=reporter, route="privacy.subject.export")
        SubjectRequest.objects.create(
            kind=SubjectRequest.Kind.EXPORT,
            reporter_id=reporter.pk,
            references=[c.reference for c in cases],
            user=actor if getattr(actor, "is_authenticated", False) else None,
            username=_username(actor),
        )
    return out.getvalue()


def erase_reporter(reporter: Reporter, actor, reason: str) -> SubjectRequest:
    """Erase a reporter on their request: photos deleted, identity and free text replaced by the marker,
    messages and the reporter record deleted; the cases stay (without who reported them) for the figures.
    Refused while a case of theirs is open or on legal hold. A false-report count survives as a salted
    fingerprint (a prankster cannot wash their record by asking)."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Give the reason for the erasure (e.g. how and when the reporter asked)."))
    with transaction.atomic():
        reporter = Reporter.objects.select_for_update().get(pk=reporter.pk)
        cases = Incident.objects.select_for_update().filter(reporter=reporter)
        blocking = [c.reference for c in cases if c.status in OPEN_STATUSES or c.legal_hold]
        if blocking:
            raise NotAllowed(
                _("Not erased: case(s) %(refs)s are still open or on legal hold.") % {"refs": ", ".join(blocking)}
            )
        attachments = list(Attachment.objects.filter(incident__reporter=reporter))
        Attachment.objects.filter(pk__in=[a.pk for a in attachments]).delete()
        retention.delete_files_after_commit(attachments)
        touched = retention.scrub_reporter(reporter, timezone.now(), why="erasure request")
        request = SubjectRequest.objects.create(
            kind=SubjectRequest.Kind.ERASE,
            reporter_id=reporter.pk,
            references=[c.reference for c in touched],
            user=actor if getattr(actor, "is_authenticated", False) else None,
            username=_username(actor),
            reason=reason[:2000],
        )
        Reporter.objects.filter(pk=reporter.pk).delete()  # its messages go with it; cases keep reporter=NULL
    return request
