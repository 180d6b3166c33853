"""Paging through cases and the events feed: plain functions over the caller's visible querysets.

Cases are ordered by (updated_at, id), so an outside system that asks for `updated_since` its last sync
and follows `next_cursor` sees every changed case; a case changed while it pages appears again later
(never skipped).

The events feed is IncidentEvent ids in order: `after` is the last id the reader saw. Ids are handed out
when a row is inserted, not when its transaction commits, so a slow transaction could commit an id lower
than one a reader already passed. The feed therefore serves only events older than
API_EVENTS_SETTLE_SECONDS, and stops at the first younger one; every domain action commits within
milliseconds of writing its event.
"""

import base64
import binascii
import json
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from api.errors import BadInput
from dispatch.scoping import visible_events, visible_incidents
from incidents.models import Incident, IncidentEvent

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def encode_cursor(case: Incident) -> str:
    raw = json.dumps([case.updated_at.isoformat(), case.pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        stamp, pk = json.loads(raw)
        when = parse_datetime(stamp)
        if when is None or timezone.is_naive(when) or not isinstance(pk, int):
            raise ValueError
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise BadInput(_("This cursor is not one the API gave out."), field="cursor") from None
    return when, pk


def parse_since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        when = parse_datetime(value.strip().upper().replace("Z", "+00:00"))
    except ValueError:
        when = None
    if when is None:
        raise BadInput(_("Give a date and time such as 2026-11-28T09:30:00+07:00."), field="updated_since")
    return when


def cases_page(
    user,
    *,
    statuses: list[str] | None = None,
    category: str | None = None,
    province: str | None = None,
    district: str | None = None,
    updated_since: datetime | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> tuple[list[Incident], str | None]:
    cases: QuerySet[Incident] = visible_incidents(user)
    if statuses:
        cases = cases.filter(status__in=statuses)
    if category:
        cases = cases.filter(category=category)
    if province:
        cases = cases.filter(province_code=province)
    if district:
        cases = cases.filter(district_code=district)
    if updated_since is not None:
        if timezone.is_naive(updated_since):
            updated_since = timezone.make_aware(updated_since)
        cases = cases.filter(updated_at__gte=updated_since)
    if cursor:
        when, pk = decode_cursor(cursor)
        cases = cases.filter(Q(updated_at__gt=when) | Q(updated_at=when, pk__gt=pk))
    page = list(cases.select_related("duplicate_of", "claimed_by").order_by("updated_at", "pk")[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    return page, (encode_cursor(page[-1]) if more else None)


def events_page(user, *, after: int = 0, limit: int = DEFAULT_LIMIT, now=None) -> tuple[list[IncidentEvent], int, bool]:
    """The caller's events with ids above `after`, oldest first. Returns (events, next_after, has_more)."""
    now = now or timezone.now()
    settled = now - timedelta(seconds=settings.API_EVENTS_SETTLE_SECONDS)
    events = visible_events(user).filter(pk__gt=after).select_related("incident", "actor").order_by("pk")
    # Stop before the first event (anyone's) that has not settled, so what is served is always a prefix
    # of the id order: nothing later is served while something earlier may still be committing.
    first_unsettled = (
        IncidentEvent.objects.filter(pk__gt=after, created_at__gt=settled).order_by("pk").values_list("pk", flat=True)
    ).first()
    if first_unsettled is not None:
        events = events.filter(pk__lt=first_unsettled)
    page = list(events[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    return page, (page[-1].pk if page else after), more
