"""What supervisors and administrators may do to a colleague's login: unlock it after a lockout, reset
their two-factor authenticator. The one place for who may manage whom, and the only writer of
AccountEvent: the staff security page and `manage.py unlock_staff` both call these functions.

Who may manage whom: an administrator, anyone. A supervisor, staff who are not administrators and
whose work lies wholly inside the supervisor's provinces (a national supervisor: every province) — an
operator's or supervisor's provinces (a national one only by a national supervisor), a responder's
agency's province. Nobody manages their own account here: a locked person cannot be on the page, and
replacing one's own authenticator is the security page's job.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from ess.models import AccountEvent, Role
from ess.roles import profile_of, province_scope, role_of

log = logging.getLogger("ess.security")

MANAGER_ROLES = (Role.SUPERVISOR, Role.ADMIN)


class NotAllowed(Exception):
    """The account is unknown or outside the actor's reach: one answer for both, so the page tells a
    supervisor nothing about accounts they do not manage."""

    def __init__(self):
        super().__init__(_("No such account among the staff you manage."))


def provinces_of(user) -> set[str] | None:
    """Where `user` works: their provinces, their agency's province for a responder, None for national
    reach (and administrators)."""
    role = role_of(user)
    if role == Role.ADMIN:
        return None
    if role == Role.RESPONDER:
        # By attribute, not import: ess sits below dispatch (dispatch.Responder, related_name "responder").
        responder = getattr(user, "responder", None)
        agency = getattr(responder, "agency", None)
        if agency is None:
            return set()
        return {agency.province_code} if agency.province_code and not agency.is_national else None
    profile = profile_of(user)
    if profile is None:
        return set()
    return None if profile.is_national else set(profile.province_codes)


def can_manage(actor, target) -> bool:
    if actor is None or target is None or actor.pk == target.pk or not actor.is_active:
        return False
    actor_role, target_role = role_of(actor), role_of(target)
    if actor_role == Role.ADMIN:
        return True
    if actor_role != Role.SUPERVISOR or target_role is None or target_role == Role.ADMIN:
        return False
    reach = province_scope(actor)
    if reach is None:
        return True
    where = provinces_of(target)
    return bool(where) and where <= set(reach)


def manageable_staff(actor):
    """The staff accounts `actor` manages, by username."""
    User = get_user_model()
    # The responder's agency by relation name (ess does not import dispatch): one query, not one a person.
    candidates = (
        User.objects.filter(staff__isnull=False, is_active=True)
        .select_related("staff", "responder__agency")
        .order_by("username")
    )
    if role_of(actor) != Role.ADMIN:
        candidates = candidates.exclude(staff__role=Role.ADMIN)
    return [user for user in candidates if can_manage(actor, user)]


def _find(actor, user_id):
    """The account with this id if `actor` manages it; NotAllowed otherwise (also for junk ids)."""
    try:
        pk = int(str(user_id).strip())
    except (TypeError, ValueError):
        raise NotAllowed() from None
    target = get_user_model().objects.filter(pk=pk).first()
    if target is None or not can_manage(actor, target):
        raise NotAllowed()
    return target


# --- Lockouts (django-axes) ---------------------------------------------------------------------


def _live_attempts(usernames):
    from axes.models import AccessAttempt

    attempts = AccessAttempt.objects.filter(username__in=list(usernames))
    if settings.AXES_COOLOFF_TIME:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - timedelta(seconds=_cooloff_seconds()))
    return attempts


def _cooloff_seconds() -> float:
    return settings.AXES_COOLOFF_TIME.total_seconds()


def locked_usernames(usernames) -> set[str]:
    """Which of these usernames are locked now (as many failures in a row as AXES_FAILURE_LIMIT, within
    the cool-off)."""
    rows = _live_attempts(usernames).values("username").annotate(failures=Sum("failures_since_start"))
    return {row["username"] for row in rows if row["failures"] >= settings.AXES_FAILURE_LIMIT}


def is_locked(username: str) -> bool:
    return username in locked_usernames([username])


def _record(kind: str, actor, target, via: str) -> AccountEvent:
    event = AccountEvent.objects.create(
        kind=kind,
        actor=actor,
        actor_username=actor.get_username() if actor is not None else "",
        target=target,
        target_username=target.get_username(),
        via=via,
    )
    log.info("%s: %s by %s (%s)", kind, event.target_username, event.actor_username or "-", via)
    return event


def unlock(actor, user_id, *, via: str = "staff page") -> AccountEvent:
    """Clear the failed logins of a colleague's account, so they may try their password again. Recorded
    whether or not it was locked (the person asked; the record says who answered)."""
    from axes.utils import reset

    target = _find(actor, user_id)
    with transaction.atomic():
        reset(username=target.get_username())
        return _record(AccountEvent.Kind.UNLOCK, actor, target, via)


def unlock_username(username: str, *, via: str = "manage.py") -> AccountEvent | None:
    """`manage.py unlock_staff`: whoever runs commands on the server is an administrator. Refuses an
    unknown username (None), but clears its failed logins all the same."""
    from axes.utils import reset

    target = get_user_model().objects.filter(username=username).first()
    with transaction.atomic():
        reset(username=username)
        if target is None:
            return None
        return _record(AccountEvent.Kind.UNLOCK, None, target, via)


# --- Two-factor -----------------------------------------------------------------------------------


def reset_two_factor(actor, user_id, *, via: str = "staff page") -> AccountEvent:
    """Remove every authenticator and recovery code of a colleague (a lost phone): they enrol again at
    their next page; a session verified with a removed device is no longer verified (django-otp)."""
    from ess import two_factor

    target = _find(actor, user_id)
    with transaction.atomic():
        two_factor.remove_devices(target)
        return _record(AccountEvent.Kind.TWO_FACTOR_RESET, actor, target, via)


def reset_two_factor_username(username: str, *, via: str = "manage.py") -> AccountEvent | None:
    from ess import two_factor

    target = get_user_model().objects.filter(username=username).first()
    if target is None:
        return None
    with transaction.atomic():
        two_factor.remove_devices(target)
        return _record(AccountEvent.Kind.TWO_FACTOR_RESET, None, target, via)


def recent_events(actor, limit: int = 20):
    """The latest unlocks and resets of the accounts `actor` manages (all of them for an administrator)."""
    events = AccountEvent.objects.select_related("target")
    if role_of(actor) == Role.ADMIN:
        return list(events[:limit])
    ids = [user.pk for user in manageable_staff(actor)]
    return list(events.filter(target_id__in=ids)[:limit])
