"""What the operator console shows: the queue, a case's panel, the map layers. Plain functions used by the
views (page, htmx partials, polling) and by the websocket consumer, so the page and the live push render
the same data through the same templates."""

from collections import OrderedDict
from dataclasses import dataclass

from django.db.models import Case, Count, Exists, IntegerField, Max, OuterRef, Q, When
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dispatch import presence
from dispatch import timeline as dispatch_timeline
from dispatch.models import ACTIVE_ASSIGNMENT_STATUSES, Assignment, Responder
from dispatch.scoping import visible_incidents
from ess.roles import province_scope
from incidents import triage
from incidents.models import (
    OPEN_STATUSES,
    Attachment,
    Category,
    Incident,
    IncidentEvent,
    Message,
    Status,
)

QUEUE_LIMIT = 200
WAITING_STATUSES = (Status.NEW, Status.TRIAGED)  # the centre still has to act (console.js mirrors the order)
# Seconds a new case may wait for triage, per priority, before its row turns red (amber at half).
TRIAGE_SLA_SECONDS = {1: 120, 2: 300, 3: 900}


@dataclass
class QueueFilters:
    status: str = "open"  # "open" or one Status value
    category: str = ""
    province: str = ""
    q: str = ""

    @classmethod
    def from_query(cls, data) -> "QueueFilters":
        status = data.get("status", "open")
        if status != "open" and status not in Status.values:
            status = "open"
        category = data.get("category", "")
        return cls(
            status=status,
            category=category if category in Category.values else "",
            province=(data.get("province", "") or "")[:2],
            q=(data.get("q", "") or "").strip()[:100],
        )

    @property
    def is_default(self) -> bool:
        return self == QueueFilters()


def queue_cases(user, filters: QueueFilters | None = None, now=None) -> list[Incident]:
    """The operator's queue (DESIGN §4c): unclaimed before claimed; cases waiting for the centre (new,
    triaged) before those with help already on the way; then highest priority, then oldest.

    One query whatever the number of cases (the query-count test holds it to that)."""
    filters = filters or QueueFilters()
    now = now or timezone.now()
    cases = visible_incidents(user)
    statuses = OPEN_STATUSES if filters.status == "open" else [filters.status]
    cases = cases.filter(status__in=statuses)
    if filters.category:
        cases = cases.filter(category=filters.category)
    if filters.province:
        cases = cases.filter(province_code=filters.province)
    if filters.q:
        q = filters.q
        cases = cases.filter(Q(reference__icontains=q) | Q(description__icontains=q) | Q(address__icontains=q))
    cases = (
        cases.select_related("reporter", "claimed_by")
        .annotate(
            claim_live=Case(
                When(claimed_by__isnull=False, claim_expires_at__gt=now, then=1),
                default=0,
                output_field=IntegerField(),
            ),
            with_help=Case(When(status__in=WAITING_STATUSES, then=0), default=1, output_field=IntegerField()),
            overdue=Exists(_overdue_assignments().filter(incident=OuterRef("pk"))),
        )
        .order_by("claim_live", "with_help", "priority", "received_at")
    )
    if filters.status != "open" and filters.status not in OPEN_STATUSES:
        cases = cases.order_by("-received_at")  # a look back (closed, referred …): the latest first
    return list(cases[:QUEUE_LIMIT])


def _overdue_assignments():
    """Live assignments an agency has not acknowledged in time (dispatch.deadlines escalated them)."""
    return Assignment.objects.filter(status__in=ACTIVE_ASSIGNMENT_STATUSES, escalation_level__gt=0)


def row_context(case: Incident, *, possible_duplicate: bool = False, now=None) -> dict:
    now = now or timezone.now()
    overdue = getattr(case, "overdue", None)  # annotated by queue_cases; one query for a pushed row
    if overdue is None:
        overdue = _overdue_assignments().filter(incident=case).exists()
    return {
        "case": case,
        "claim_live": case.claim_is_active(now),
        "possible_duplicate": possible_duplicate,
        "overdue": overdue,
        "sla_seconds": TRIAGE_SLA_SECONDS.get(case.priority, 300),
    }


def queue_rows(cases: list[Incident], now=None) -> list[dict]:
    now = now or timezone.now()
    flagged = triage.possible_duplicate_ids(cases)
    return [row_context(c, possible_duplicate=c.pk in flagged, now=now) for c in cases]


def render_row(case: Incident, scope: list[str] | None) -> str:
    """One queue row as the page renders it (used by the live push). Checks for near duplicates with one
    query, among the cases of the viewer's provinces (`scope`, None for national)."""
    among = Incident.objects.in_provinces(scope)
    near = triage.duplicate_suggestions(case, among=among, limit=1) if case.is_open else []
    return render_to_string("console/index.html#row", row_context(case, possible_duplicate=bool(near)))


# Rendered rows of recent events, shared by every console socket of this process: fifty operators on one
# worker cost one query and one render per change, not fifty. Keyed by what the row depends on.
_LIVE_ROWS: "OrderedDict[tuple, dict | None]" = OrderedDict()
_LIVE_ROWS_SIZE = 256


def live_row(incident_id: int, event_id: int, scope: list[str] | None, language: str) -> dict | None:
    """The push for one change as seen from `scope` in `language`: {"incident_id", "open", "row"}, or
    None when the case is outside the scope."""
    key = (incident_id, event_id, tuple(scope) if scope is not None else None, language)
    if key in _LIVE_ROWS:
        return _LIVE_ROWS[key]
    case = Incident.objects.in_provinces(scope).select_related("reporter", "claimed_by").filter(pk=incident_id).first()
    payload = None
    if case is not None:
        with translation.override(language):
            payload = {"incident_id": case.pk, "open": case.is_open, "row": render_row(case, scope)}
    _LIVE_ROWS[key] = payload
    while len(_LIVE_ROWS) > _LIVE_ROWS_SIZE:
        _LIVE_ROWS.popitem(last=False)
    return payload


def last_event_id() -> int:
    return IncidentEvent.objects.aggregate(last=Max("id"))["last"] or 0


def events_since(after: int, limit: int = 200) -> list[dict]:
    """Every timeline event after id `after`, as the `incident.changed` fields (the consumers' tail)."""
    return [
        {
            "event_id": e["id"],
            "incident_id": e["incident_id"],
            "kind": e["kind"],
            "province_code": e["incident__province_code"],
        }
        for e in IncidentEvent.objects.filter(id__gt=after)
        .order_by("id")
        .values("id", "incident_id", "kind", "incident__province_code")[:limit]
    ]


def events_after(user, after: int, limit: int = 500) -> list[IncidentEvent]:
    """The timeline events after id `after` on cases `user` may see, oldest first (the console's catch-up)."""
    return list(
        IncidentEvent.objects.filter(id__gt=after, incident__in=visible_incidents(user))
        .order_by("id")
        .only("id", "incident_id", "kind")[:limit]
    )


def responder_positions(user) -> list[dict]:
    """Responders' last known positions for the map layer (within the viewer's provinces)."""
    responders = Responder.objects.filter(last_latitude__isnull=False, last_longitude__isnull=False)
    scope = province_scope(user)
    if scope is not None:
        responders = responders.filter(agency__province_code__in=scope)
    return [
        {
            "name": str(r),
            "agency": r.agency.name,
            "lat": r.last_latitude,
            "lng": r.last_longitude,
            "on_duty": r.on_duty,
            "at": r.last_position_at.isoformat() if r.last_position_at else "",
        }
        for r in responders.select_related("user", "agency")[:500]
    ]


def staff_load(user) -> list[dict]:
    """Operators on a console now and how many open cases each holds a live claim on (DESIGN §4c)."""
    now = timezone.now()
    online = presence.online("console", now).select_related("user")
    people = {p.user_id: p.user for p in online}
    held = dict(
        visible_incidents(user)
        .filter(status__in=OPEN_STATUSES, claimed_by__isnull=False, claim_expires_at__gt=now)
        .values_list("claimed_by")
        .annotate(n=Count("id"))
        .values_list("claimed_by", "n")
    )
    rows = [
        {"name": u.get_full_name() or u.get_username(), "held": held.get(uid, 0), "online": True, "me": uid == user.pk}
        for uid, u in people.items()
    ]
    return sorted(rows, key=lambda r: (-r["held"], r["name"]))


def handover_candidates(user) -> list:
    """Other staff on a console now (the shift taking over), for the hand-over forms."""
    now = timezone.now()
    people = {p.user_id: p.user for p in presence.online("console", now).select_related("user")}
    people.pop(user.pk, None)
    return sorted(people.values(), key=lambda u: u.get_username())


def case_history(case: Incident, limit: int = 10) -> list[Incident]:
    if not case.reporter_id:
        return []
    return list(
        Incident.objects.filter(reporter_id=case.reporter_id).exclude(pk=case.pk).order_by("-received_at")[:limit]
    )


def active_assignments(case: Incident):
    return case.assignments.filter(status__in=ACTIVE_ASSIGNMENT_STATUSES).select_related("agency", "responder__user")


def conversation(case: Incident) -> dict:
    """The messages with the reporter, each with its photo if it has one, and photos sent without one."""
    messages = list(Message.objects.filter(incident=case).order_by("created_at", "id"))
    attachments = list(Attachment.objects.filter(incident=case).order_by("created_at", "id"))
    by_message = {a.message_id: a for a in attachments if a.message_id}
    return {
        "conversation": [{"message": m, "attachment": by_message.get(m.pk)} for m in messages],
        # The outbox sends within a second or so; the page re-reads the panel until it has.
        "pending_delivery": any(
            m.direction == Message.Direction.OUT and m.delivery == Message.Delivery.QUEUED for m in messages
        ),
        "loose_attachments": [a for a in attachments if not a.message_id],
    }


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def describe_event(event: IncidentEvent) -> str:
    """One timeline line, in the operator's language. Dispatch's own kinds are worded by #5's
    dispatch.timeline.describe()."""
    dispatch_line = dispatch_timeline.describe(event)
    if dispatch_line is not None:
        return dispatch_line
    data = event.data or {}
    kind = event.kind
    if kind == "created":
        return _("Case opened (%(source)s)") % {"source": data.get("source", "")}
    if kind == "status":
        text = _("Status: %(from)s → %(to)s") % {
            "from": _label(Status, event.from_status) if event.from_status else "—",
            "to": _label(Status, event.to_status),
        }
        for key, title in (
            ("reason", _("reason")),
            ("outcome", _("outcome")),
            ("hotline", _("hotline")),
            ("master", _("master")),
        ):
            if data.get(key):
                text += f" · {title}: {data[key]}"
        return text
    if kind == "claimed":
        return _("Claimed")
    if kind == "released":
        return _("Claim released")
    if kind == "claim_taken_over":
        return _("Claim taken over from %(user)s") % {"user": data.get("from") or "—"}
    if kind == "triage":
        parts = []
        if "category" in data:
            parts.append(
                _("category %(old)s → %(new)s")
                % {"old": _label(Category, data["category"][0]), "new": _label(Category, data["category"][1])}
            )
        if "priority" in data:
            parts.append(_("priority P%(old)s → P%(new)s") % {"old": data["priority"][0], "new": data["priority"][1]})
        return _("Triage: %(changes)s") % {"changes": ", ".join(parts)}
    if kind == "note":
        return _("Note: %(text)s") % {"text": data.get("text", "")}
    if kind == "duplicate_merged":
        return _("Case %(ref)s merged into this one as a duplicate") % {"ref": data.get("duplicate", "")}
    if kind == "message":
        text = data.get("text") or _label(Message.Kind, data.get("kind", "other"))
        if data.get("direction") == Message.Direction.OUT:
            return _("To the reporter: %(text)s") % {"text": text}
        return _("From the reporter: %(text)s") % {"text": text}
    if kind == "attachment":
        return _("Photo or file received")
    if kind == "location":
        return _("The reporter sent a new location")
    if kind == "safe_contact":
        who = _("the reporter") if data.get("by") == "reporter" else _("an operator")
        if data.get("on"):
            return _("Safe contact only when they write first: set by %(who)s") % {"who": who}
        return _("Safe contact lifted (messages may be sent first) by %(who)s") % {"who": who}
    if kind == "place_words":
        return _("The reporter wrote where they are: %(words)s") % {"words": data.get("words", "")}
    if kind == "category":
        return _("Category: %(old)s → %(new)s") % {
            "old": _label(Category, data.get("from", "")),
            "new": _label(Category, data.get("to", "")),
        }
    if kind == "reporter_unreachable":
        return _("The reporter blocked ESS on LINE: messages no longer arrive")
    if kind == "reporter_reachable":
        return _("The reporter follows ESS on LINE again")
    if kind == "delivery_failed":
        return _("A message to the reporter could not be delivered: %(error)s") % {"error": data.get("error", "")}
    if kind == "delivery_uncertain":
        return _("A reply to the reporter may not have arrived (LINE did not answer); it is not sent again by itself")
    if kind == "delivery_resent":
        return _("The reply whose delivery was uncertain was sent again")
    if kind == "handed_over":
        return _("Claim handed over from %(from)s to %(to)s") % {"from": data.get("from") or "—", "to": data.get("to")}
    if kind == "identity_viewed":
        return _("Reporter identity viewed")
    if kind == "legal_hold":
        text = _("Legal hold placed") if data.get("on") else _("Legal hold lifted")
        return f"{text} · {_('reason')}: {data.get('reason', '')}"
    if kind == "media_purged":
        return _("Photos deleted (retention)")
    if kind in ("anonymised", "reporter_erased"):
        return _("Reporter anonymised (retention or erasure request)")
    return kind.replace("_", " ")
