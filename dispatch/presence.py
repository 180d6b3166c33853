"""Who is on a live screen now (the dashboard's staffing figures read this)."""

from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from dispatch.models import Presence

PRESENCE_TTL = timedelta(seconds=90)  # consumers heartbeat every 30 s


def mark_online(user, channel_name: str, screen: str = "console") -> None:
    now = timezone.now()
    Presence.objects.update_or_create(
        channel_name=channel_name,
        defaults={"user": user, "screen": screen, "last_seen_at": now},
    )


def heartbeat(channel_name: str) -> None:
    Presence.objects.filter(channel_name=channel_name).update(last_seen_at=timezone.now())


def mark_offline(channel_name: str) -> None:
    Presence.objects.filter(channel_name=channel_name).delete()


def online(screen: str = "console", now=None) -> QuerySet[Presence]:
    """Fresh presences on `screen`; one user with two tabs appears twice (use .values('user'))."""
    now = now or timezone.now()
    return Presence.objects.filter(screen=screen, last_seen_at__gte=now - PRESENCE_TTL)


def online_user_ids(screen: str = "console", now=None) -> set[int]:
    return set(online(screen, now).values_list("user_id", flat=True))
