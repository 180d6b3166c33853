"""What each member of staff may see. One place, used by every view, consumer and export."""

from django.db.models import Q, QuerySet

from dispatch.models import ACTIVE_ASSIGNMENT_STATUSES, Agency, Assignment, Responder
from ess.models import Role
from ess.roles import province_scope, role_of
from incidents.models import EventKind, Incident, IncidentEvent

# Timeline events for the console's eyes only: internal notes and who revealed or exported the reporter.
# The centre's own work on a case, never shown to an agency: internal notes, who read the reporter's
# identity, console bookkeeping, delivery trouble (it carries the reply's text) and privacy actions.
HIDDEN_FROM_RESPONDERS = (
    EventKind.NOTE,
    EventKind.IDENTITY_VIEWED,
    EventKind.IDENTITY_EXPORTED,
    EventKind.OPENED,
    EventKind.DELIVERY_UNCERTAIN,
    EventKind.DELIVERY_RESENT,
    EventKind.LEGAL_HOLD,
    EventKind.MEDIA_PURGED,
    EventKind.ANONYMISED,
)


def visible_incidents(user) -> QuerySet[Incident]:
    role = role_of(user)
    if role in (Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN):
        return Incident.objects.in_provinces(province_scope(user))
    if role == Role.RESPONDER:
        # Only while their agency holds a live assignment on the case: a cancelled, declined, reassigned
        # or completed one ends their view of it, on every route (screen, photos, API).
        agency_id = Responder.objects.filter(user=user).values_list("agency_id", flat=True).first()
        if agency_id is None:
            return Incident.objects.none()
        live = Assignment.objects.filter(agency_id=agency_id, status__in=ACTIVE_ASSIGNMENT_STATUSES)
        return Incident.objects.filter(pk__in=live.values("incident_id"))
    return Incident.objects.none()


def assignments_for_responder(user) -> QuerySet[Assignment]:
    responder = Responder.objects.filter(user=user).select_related("agency").first()
    if responder is None:
        return Assignment.objects.none()
    return (
        Assignment.objects.filter(agency=responder.agency, status__in=ACTIVE_ASSIGNMENT_STATUSES)
        .select_related("incident", "agency", "responder__user")
        .order_by("-assigned_at")
    )


def _responder_agency_id(user) -> int | None:
    return Responder.objects.filter(user=user).values_list("agency_id", flat=True).first()


def visible_assignments(user) -> QuerySet[Assignment]:
    """Assignments of the cases the user sees; a responder sees only their own agency's live ones."""
    if role_of(user) == Role.RESPONDER:
        agency_id = _responder_agency_id(user)
        if not agency_id:
            return Assignment.objects.none()
        return Assignment.objects.filter(agency_id=agency_id, status__in=ACTIVE_ASSIGNMENT_STATUSES)
    return Assignment.objects.filter(incident__in=visible_incidents(user).values("pk"))


def visible_events(user) -> QuerySet[IncidentEvent]:
    """Timeline events of the cases the user sees. A responder does not see the events of another
    agency's assignment on a joint case (those events name their agency in `data["agency"]`), nor the
    console's internal notes and the records of who looked at the reporter's identity."""
    events = IncidentEvent.objects.filter(incident__in=visible_incidents(user).values("pk"))
    if role_of(user) == Role.RESPONDER:
        code = Agency.objects.filter(pk=_responder_agency_id(user)).values_list("code", flat=True).first()
        events = events.filter(~Q(data__has_key="agency") | Q(data__agency=code))
        events = events.exclude(kind__in=HIDDEN_FROM_RESPONDERS).exclude(kind__startswith="identity")
    return events


def visible_responders(user) -> QuerySet[Responder]:
    """Console staff see the responders of agencies in their provinces; a responder, their own agency's."""
    role = role_of(user)
    responders = Responder.objects.select_related("agency", "user")
    if role == Role.RESPONDER:
        return responders.filter(agency_id=_responder_agency_id(user))
    if role in (Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN):
        scope = province_scope(user)
        return responders if scope is None else responders.filter(agency__province_code__in=scope)
    return responders.none()
