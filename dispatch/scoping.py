"""What each member of staff may see. One place, used by every view, consumer and export."""

from django.db.models import QuerySet

from dispatch.models import ACTIVE_ASSIGNMENT_STATUSES, Assignment, Responder
from ess.models import Role
from ess.roles import province_scope, role_of
from incidents.models import Incident


def visible_incidents(user) -> QuerySet[Incident]:
    role = role_of(user)
    if role in (Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN):
        return Incident.objects.in_provinces(province_scope(user))
    if role == Role.RESPONDER:
        agency_id = Responder.objects.filter(user=user).values_list("agency_id", flat=True).first()
        if agency_id is None:
            return Incident.objects.none()
        return Incident.objects.filter(assignments__agency_id=agency_id).distinct()
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
