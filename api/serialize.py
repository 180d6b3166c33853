"""Model rows to the API's JSON shapes (api.schemas). Plain functions, so the EIDD export and the
idempotency store (which keeps the JSON of an answer) build exactly what the endpoints answer."""

from django.urls import reverse

from dispatch.models import Agency, Assignment, Responder
from dispatch.scoping import visible_assignments, visible_events
from ess.roles import can_see_reporter_identity
from incidents.models import Attachment, Incident, IncidentEvent

MILESTONE_FIELDS = (
    "received_at",
    "triaged_at",
    "dispatched_at",
    "acknowledged_at",
    "en_route_at",
    "on_scene_at",
    "resolved_at",
    "closed_at",
)


def _name(user) -> str | None:
    if user is None:
        return None
    return user.get_full_name() or user.get_username()


def case_url(request, case: Incident) -> str:
    return request.build_absolute_uri(reverse("api:case_detail", kwargs={"ref": case.reference}))


def case_out(request, case: Incident) -> dict:
    return {
        "reference": case.reference,
        "drill": case.is_drill,
        "url": case_url(request, case),
        "status": case.status,
        "category": case.category,
        "priority": case.priority,
        "latitude": case.latitude,
        "longitude": case.longitude,
        "outside_thailand": case.outside_thailand,
        "address": case.address,
        "province_code": case.province_code,
        "province_name": case.province_name,
        "district_code": case.district_code,
        "district_name": case.district_name,
        "flags": case.flags or {},
        "referred_to": case.referred_to or None,
        "duplicate_of": case.duplicate_of.reference if case.duplicate_of_id else None,
        "claimed_by": _name(case.claimed_by) if case.claim_is_active() else None,
        "claim_expires_at": case.claim_expires_at if case.claim_is_active() else None,
        **{name: getattr(case, name) for name in MILESTONE_FIELDS},
        "updated_at": case.updated_at,
        "version": case.version,
    }


def event_out(event: IncidentEvent) -> dict:
    return {
        "id": event.pk,
        "case": event.incident.reference,
        "drill": event.incident.is_drill,
        "kind": event.kind,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "actor": _name(event.actor),
        "data": event.data or {},
        "at": event.created_at,
    }


def assignment_out(assignment: Assignment) -> dict:
    return {
        "id": assignment.pk,
        "agency": assignment.agency.code,
        "agency_name": assignment.agency.name,
        "responder": str(assignment.responder) if assignment.responder_id else None,
        "status": assignment.status,
        **{
            name: getattr(assignment, name)
            for name in (
                "assigned_at",
                "acknowledged_at",
                "en_route_at",
                "on_scene_at",
                "completed_at",
                "ended_at",
                "reason",
                "outcome",
                "version",
            )
        },
    }


def attachment_out(request, attachment: Attachment) -> dict:
    url = reverse("api:attachment", kwargs={"ref": attachment.incident.reference, "attachment_id": attachment.pk})
    return {
        "id": attachment.pk,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "created_at": attachment.created_at,
        "url": request.build_absolute_uri(url),
    }


def reporter_out(case: Incident) -> dict | None:
    reporter = case.reporter
    if reporter is None:
        return None
    return {
        "display_name": reporter.display_name,
        "line_user_id": reporter.line_user_id,
        "phone": reporter.phone,
        "language": reporter.language,
        "is_reachable": reporter.is_reachable,
        "safe_contact_only": reporter.safe_contact_only,
        "false_report_count": reporter.false_report_count,
    }


def case_detail(request, case: Incident, user, *, with_reporter: bool = False) -> dict:
    """The whole case as `user` may see it. Reporter identity only when asked for (`with_reporter`: the
    caller has checked the right and logged the view, api.views.get_case); the request is marked so the
    call log shows it too."""
    reporter = reporter_out(case) if with_reporter and can_see_reporter_identity(user) else None
    if reporter is not None:
        request.api_identity_shown = True
    events = visible_events(user).filter(incident=case).select_related("incident", "actor").order_by("pk")
    assignments = (
        visible_assignments(user)
        .filter(incident=case)
        .select_related("agency", "responder__user")
        .order_by("assigned_at", "pk")
    )
    return {
        **case_out(request, case),
        "description": case.description,
        "outcome": case.outcome,
        "reporter": reporter,
        "timeline": [event_out(e) for e in events],
        "assignments": [assignment_out(a) for a in assignments],
        "attachments": [attachment_out(request, a) for a in case.attachments.select_related("incident").order_by("pk")],
    }


def agency_out(agency: Agency) -> dict:
    return {
        "code": agency.code,
        "name": agency.name,
        "name_en": agency.name_en,
        "kind": agency.kind,
        "province_code": agency.province_code,
        "province_name": agency.province_name,
        "latitude": agency.latitude,
        "longitude": agency.longitude,
        "phone": agency.phone,
        "is_active": agency.is_active,
        "areas": [{"province_code": a.province_code, "district_code": a.district_code} for a in agency.areas.all()],
    }


def responder_out(responder: Responder) -> dict:
    return {
        "id": responder.pk,
        "name": str(responder),
        "agency": responder.agency.code,
        "on_duty": responder.on_duty,
        "last_latitude": responder.last_latitude,
        "last_longitude": responder.last_longitude,
        "last_position_at": responder.last_position_at,
    }
