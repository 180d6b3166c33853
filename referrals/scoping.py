"""Which referrals a member of staff sees: console staff, those of their provinces; a responder, those their
agency owns (whether or not the agency was ever assigned to the emergency itself)."""

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from dispatch.models import Responder
from ess.models import Role
from ess.roles import CONSOLE_ROLES, province_scope, role_of
from referrals.models import Referral, ReferralStatus


def visible_referrals(user) -> QuerySet[Referral]:
    role = role_of(user)
    referrals = Referral.objects.select_related("incident", "owner_agency")
    if role in CONSOLE_ROLES:
        scope = province_scope(user)
        return referrals if scope is None else referrals.filter(province_code__in=scope)
    if role == Role.RESPONDER:
        agency_id = Responder.objects.filter(user=user).values_list("agency_id", flat=True).first()
        return referrals.filter(owner_agency_id=agency_id) if agency_id else referrals.none()
    return referrals.none()


def with_task_counts(referrals: QuerySet[Referral], today=None) -> QuerySet[Referral]:
    """Annotate pending / overdue task counts and the next due day."""
    today = today or timezone.localdate()
    pending = Q(tasks__done_at=None, tasks__cancelled_at=None)
    return referrals.annotate(
        pending_tasks=Count("tasks", filter=pending),
        overdue_tasks=Count("tasks", filter=pending & Q(tasks__due_on__lt=today)),
        next_due=Min("tasks__due_on", filter=pending),
    )


def overdue_referrals(user, today=None) -> QuerySet[Referral]:
    """Open referrals with a task past its due day, the longest overdue first (the dashboard's figure:
    never a drill case's, #17)."""
    today = today or timezone.localdate()
    real = visible_referrals(user).filter(status=ReferralStatus.OPEN, incident__is_drill=False)
    return with_task_counts(real, today).filter(overdue_tasks__gt=0).order_by("next_due", "pk")
