"""What the operator console shows: the queue, a case's panel, the map layers. Plain functions used by the
views (page, htmx partials, polling) and by the websocket consumer, so the page and the live push render
the same data through the same templates."""

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.db.models import Case, Count, Exists, F, IntegerField, Max, OuterRef, Q, Value, When
from django.db.models.functions import Replace
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from dispatch import presence
from dispatch.models import ACTIVE_ASSIGNMENT_STATUSES, Assignment, Responder
from dispatch.scoping import visible_incidents
from ess.roles import province_scope
from incidents import actions, timeline, triage
from incidents.models import (
    OPEN_STATUSES,
    Attachment,
    Category,
    EventKind,
    Incident,
    IncidentEvent,
    Message,
    Reporter,
    Status,
)
from privacy import access

QUEUE_LIMIT = 200
OPENED = EventKind.OPENED  # the first time a case's panel is opened on a console
WAITING_STATUSES = (Status.NEW, Status.TRIAGED)  # the centre still has to act (console.js mirrors the order)
# Each open status waits for one step; its clock, its label and its target. The targets are
# the dashboard's SLA settings (SLA_*_MINUTES, every one counted from the report's arrival, as the
# dashboard's milestones count them); the clock shows the time spent in the step, or for the agency's
# acknowledgement the time left. A row turns amber at half the target and red past it.
STEP_TIMERS = {
    Status.NEW: ("triage", gettext_lazy("to triage"), "received_at", "SLA_TRIAGE_MINUTES", 10, False),
    Status.TRIAGED: ("dispatch", gettext_lazy("to dispatch"), "triaged_at", "SLA_DISPATCH_MINUTES", 30, False),
    Status.DISPATCHED: (
        "acknowledge",
        gettext_lazy("to acknowledge"),
        "dispatched_at",
        "SLA_ACKNOWLEDGE_MINUTES",
        45,
        True,
    ),
    Status.ACKNOWLEDGED: ("arrive", gettext_lazy("to arrive"), "acknowledged_at", "SLA_ON_SCENE_MINUTES", 90, False),
    Status.EN_ROUTE: ("arrive", gettext_lazy("to arrive"), "acknowledged_at", "SLA_ON_SCENE_MINUTES", 90, False),
    Status.ON_SCENE: ("on_scene", gettext_lazy("on scene"), "on_scene_at", "", 0, False),
}


@dataclass(frozen=True)
class StepTimer:
    step: str
    label: str
    since: datetime  # the step's clock starts here
    due: datetime | None  # the SLA deadline (red after it)
    warn: datetime | None  # amber from here
    countdown: bool


def step_timer(case: Incident) -> StepTimer | None:
    """The running timer of the step an open case is waiting for (None once it left the open statuses)."""
    spec = STEP_TIMERS.get(case.status)
    if spec is None:
        return None
    step, label, since_field, setting, default, countdown = spec
    since = getattr(case, since_field, None) or case.received_at
    due = warn = None
    if setting:
        target = timedelta(minutes=getattr(settings, setting, default))
        due = case.received_at + target
        warn = case.received_at + target / 2
    return StepTimer(step, str(label), since, due, warn, countdown)


@dataclass
class QueueFilters:
    status: str = "open"  # "open" or one Status value
    category: str = ""
    province: str = ""
    q: str = ""
    mine: bool = False  # only the cases the viewer holds a live claim on

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
            mine=data.get("mine", "") in ("1", "on", "true"),
        )

    @property
    def is_default(self) -> bool:
        return self == QueueFilters()


def queue_cases(user, filters: QueueFilters | None = None, now=None) -> list[Incident]:
    """The operator's queue (docs/design.md §4c): the viewer's own claimed cases pinned at the top ("my cases",
    claiming must not drop a case off screen); then unclaimed before others' claims; cases
    waiting for the centre (new, triaged) before those with help already on the way; then highest
    priority, then oldest.

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
    if filters.mine:
        cases = cases.filter(claimed_by=user, claim_expires_at__gt=now)
    if filters.q:
        cases = cases.filter(search_condition(filters.q))
    cases = (
        cases.select_related("reporter", "claimed_by")
        .annotate(
            mine=Case(
                When(claimed_by=user.pk, claim_expires_at__gt=now, then=0), default=1, output_field=IntegerField()
            ),
            claim_live=Case(
                When(claimed_by__isnull=False, claim_expires_at__gt=now, then=1),
                default=0,
                output_field=IntegerField(),
            ),
            with_help=Case(When(status__in=WAITING_STATUSES, then=0), default=1, output_field=IntegerField()),
            overdue=Exists(_overdue_assignments().filter(incident=OuterRef("pk"))),
            was_opened=Exists(IncidentEvent.objects.filter(incident=OuterRef("pk"), kind=OPENED)),
        )
        .order_by("mine", "claim_live", "with_help", "priority", "received_at")
    )
    if filters.status != "open" and filters.status not in OPEN_STATUSES:
        cases = cases.order_by("-received_at")  # a look back (closed, referred …): the latest first
    return list(cases[:QUEUE_LIMIT])


def search_condition(q: str) -> Q:
    """What the queue's search box finds : a substring of the reference, the description or
    the address, of anything the reporter wrote on the chat, of an operator's note, of the reporter's
    name, or the digits of their phone. Substrings, not words: Thai is written without spaces, so full-text
    search would miss "ทุบตี" inside "กำลังทุบตีภรรยา". ILIKE on PostgreSQL (a pg_trgm index serves it
    where the extension is available, console migration 0003), LIKE on SQLite. Applied to
    visible_incidents(), so a search never reaches past the operator's provinces."""
    q = q.strip()
    return identity_condition(q) | _content_condition(q)


def _content_condition(q: str) -> Q:
    said = Message.objects.filter(incident=OuterRef("pk"), direction=Message.Direction.IN, text__icontains=q)
    noted = IncidentEvent.objects.filter(incident=OuterRef("pk"), kind="note", data__text__icontains=q)
    return (
        Q(reference__icontains=q) | Q(description__icontains=q) | Q(address__icontains=q) | Exists(said) | Exists(noted)
    )


def identity_condition(q: str) -> Q:
    """The part of the search that finds a case by who reported it: the reporter's name, or the digits
    of their phone."""
    found = Q(reporter__display_name__icontains=q)
    digits = "".join(ch for ch in q if ch.isdigit())
    if len(digits) >= 4 and len(digits) >= len(q.replace(" ", "").replace("-", "").lstrip("+")) - 1:
        # A phone typed or stored as 081-234-5678, 0812345678 or +66 81 234 5678: compare the digits,
        # the last eight of a whole number (the part after 0 or +66).
        bare = F("phone")
        for sep in ("-", " ", ".", "(", ")"):
            bare = Replace(bare, Value(sep), Value(""))
        phones = Reporter.objects.annotate(digits=bare).filter(digits__contains=digits[-8:]).values("pk")
        found |= Q(reporter__in=phones)
    return found


def record_search(request, q: str, cases: list[Incident]) -> None:
    """Audit a search like any read of identity (privacy.access): the cases it found by their reporter's
    name or phone are logged as identity reads, the others it found as found by a search, and a search
    that found nothing as one entry without a case. The words searched for are never logged (#11 item 8)."""
    q = q.strip()
    if not q:
        return
    by_identity = set(
        Incident.objects.filter(pk__in=[c.pk for c in cases]).filter(identity_condition(q)).values_list("pk", flat=True)
    )
    access.record_many(request, access.Field.IDENTITY, [c for c in cases if c.pk in by_identity])
    access.record_many(request, access.Field.SEARCH, [c for c in cases if c.pk not in by_identity])
    if not cases:
        access.record(request, access.Field.SEARCH)


def _overdue_assignments():
    """Live assignments an agency has not acknowledged in time (dispatch.deadlines escalated them)."""
    return Assignment.objects.filter(status__in=ACTIVE_ASSIGNMENT_STATUSES, escalation_level__gt=0)


def row_context(case: Incident, *, possible_duplicate: bool = False, now=None) -> dict:
    now = now or timezone.now()
    overdue = getattr(case, "overdue", None)  # annotated by queue_cases; one query for a pushed row
    if overdue is None:
        overdue = _overdue_assignments().filter(incident=case).exists()
    was_opened = getattr(case, "was_opened", None)
    if was_opened is None and case.status == Status.NEW:
        was_opened = case.events.filter(kind=OPENED).exists()
    return {
        "case": case,
        "claim_live": case.claim_is_active(now),
        "possible_duplicate": possible_duplicate,
        "overdue": overdue,
        "timer": step_timer(case),
        # A new report nobody has opened yet: the banner and the repeating tone stay until someone does.
        "unopened": case.status == Status.NEW and not was_opened,
    }


def queue_rows(cases: list[Incident], now=None) -> list[dict]:
    """Each case's row context (row_context) and its rendered row, "html"."""
    now = now or timezone.now()
    flagged = triage.possible_duplicate_ids(cases)
    rows = [row_context(c, possible_duplicate=c.pk in flagged, now=now) for c in cases]
    for row in rows:
        row["html"] = row_html(row)
    return rows


def row_fields(row: dict) -> dict:
    """Everything the row template reads, as plain values (str, int, bool, datetime, a frozen StepTimer):
    the template sees nothing else, so these values *are* the row's cache key (row_html)."""
    case: Incident = row["case"]
    reporter = case.reporter if case.reporter_id else None
    holder = case.claimed_by if row["claim_live"] else None
    return {
        "pk": case.pk,
        "version": case.version,
        "reference": case.reference,
        "category": case.category,
        "category_label": case.get_category_display(),
        "status": case.status,
        "status_label": case.get_status_display(),
        "priority": case.priority,
        "province_code": case.province_code,
        "province_name": case.province_name,
        "district_code": case.district_code,
        "district_name": case.district_name if case.district_code else "",
        "latitude": case.latitude,
        "longitude": case.longitude,
        "received_at": case.received_at,
        "claim_live": row["claim_live"],
        "claim_expires_at": case.claim_expires_at if holder else None,
        "holder_id": case.claimed_by_id if holder else None,
        "holder_name": (holder.get_full_name() or holder.get_username()) if holder else "",
        "is_drill": case.is_drill,
        "outside_thailand": case.outside_thailand,
        "unreachable": bool(reporter and not reporter.is_reachable),
        "safe_contact": bool(reporter and reporter.safe_contact_only),
        "false_reports": reporter.false_report_count if reporter else 0,
        "unopened": row["unopened"],
        "overdue": bool(row["overdue"]),
        "possible_duplicate": row["possible_duplicate"],
        "timer": row["timer"],
    }


def row_html(row: dict) -> str:
    """The queue row of `row` (row_context), rendered once per distinct content and language in this
    process. Rendering 200 rows through the template engine was most of the queue's time (#16 item 3); a
    queue shown again, or polled, is nearly all rows already rendered, and the live push shares them."""
    return _rendered_row(
        tuple(row_fields(row).items()), translation.get_language(), timezone.get_current_timezone_name()
    )


@lru_cache(maxsize=4096)
def _rendered_row(values: tuple, language: str, zone: str) -> str:
    # `language` and `zone` are in the key only: they are the active ones, which the template uses.
    return render_to_string("console/index.html#row", dict(values))


def clear_row_cache() -> None:
    """Forget every rendered row (benchmarks: the first queue after a start)."""
    _rendered_row.cache_clear()


def render_row(case: Incident, scope: list[str] | None) -> str:
    """One queue row as the page renders it (used by the live push). Checks for near duplicates with one
    query, among the cases of the viewer's provinces (`scope`, None for national)."""
    among = Incident.objects.in_provinces(scope)
    near = triage.duplicate_suggestions(case, among=among, limit=1) if case.is_open else []
    return row_html(row_context(case, possible_duplicate=bool(near)))


# Rendered rows of recent events, shared by every console socket of this process: fifty operators on one
# worker cost one query and one render per change, not fifty. Keyed by what the row depends on.
_LIVE_ROWS: "OrderedDict[tuple, dict | None]" = OrderedDict()
_LIVE_ROWS_SIZE = 256


def live_row_key(incident_id: int, event_id: int, scope: list[str] | None, language: str) -> tuple:
    return (incident_id, event_id, tuple(scope) if scope is not None else None, language)


def cached_live_row(key: tuple) -> tuple[bool, dict | None]:
    """(found, payload) from the shared cache, without the database: safe to call from the event loop."""
    try:
        return True, _LIVE_ROWS[key]
    except KeyError:
        return False, None


def live_row(incident_id: int, event_id: int, scope: list[str] | None, language: str) -> dict | None:
    """The push for one change as seen from `scope` in `language`: {"incident_id", "open", "row"}, or
    None when the case is outside the scope."""
    key = live_row_key(incident_id, event_id, scope, language)
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


def mark_opened(case: Incident, user) -> None:
    """The first time anyone opens a case's panel: a timeline event, which every console hears (the
    new-report banner and the P1 tone stop for everyone)."""
    if case.status == Status.NEW and not case.events.filter(kind=OPENED).exists():
        actions.record(case, OPENED, actor=user)


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
    """Operators on a console now and how many open cases each holds a live claim on (docs/design.md §4c)."""
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


def case_history(case: Incident, user, limit: int = 10) -> list[Incident]:
    """The reporter's other cases, among those `user` may see (another province's stay hidden)."""
    if not case.reporter_id:
        return []
    return list(
        visible_incidents(user)
        .filter(reporter_id=case.reporter_id)
        .exclude(pk=case.pk)
        .order_by("-received_at")[:limit]
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
        "reporter_words": reporter_words(case, messages),
        # The outbox sends within a second or so; the page re-reads the panel until it has.
        "pending_delivery": any(
            m.direction == Message.Direction.OUT and m.delivery == Message.Delivery.QUEUED for m in messages
        ),
        "loose_attachments": [a for a in attachments if not a.message_id],
    }


def joined(*parts, sep: str = " · ") -> str:
    """The non-blank parts, joined: a missing district, province or pin leaves no stray separator."""
    return sep.join(text for part in parts if part is not None and (text := str(part).strip()))


def _coordinates(latitude, longitude) -> str:
    if latitude in (None, "") or longitude in (None, ""):
        return ""
    try:
        return f"{float(latitude):.5f}, {float(longitude):.5f}"
    except (TypeError, ValueError):
        return ""


def case_place(case: Incident) -> str:
    """The case's district, province and pin under its address in the panel."""
    names = joined(case.district_name, case.province_name, sep=" ")
    return joined(names, _coordinates(case.latitude, case.longitude))


def message_place(message: Message) -> str:
    """A location message in the conversation: its address (or title) and its pin, whichever it has. The
    LINE location event is kept whole under payload["message"]."""
    raw = (message.payload or {}).get("message") or {}
    if not isinstance(raw, dict):
        raw = {}
    words = message.text.strip() or str(raw.get("address") or raw.get("title") or "")
    return joined(words, _coordinates(raw.get("latitude"), raw.get("longitude")))


def reporter_words(case: Incident, messages: list[Message] | None = None, limit: int = 6) -> list[str]:
    """What the reporter said in their own words, first things first: the description the intake kept,
    then their text messages (the case panel's strip shows them at the top, not far down the chat)."""
    if messages is None:
        messages = list(Message.objects.filter(incident=case).order_by("created_at", "id"))
    words = []
    if case.description.strip():
        words.append(case.description.strip())
    for m in messages:
        text = m.text.strip()
        if m.direction == Message.Direction.IN and m.kind == Message.Kind.TEXT and text and text not in words:
            words.append(text)
    return words[:limit]


def describe_event(event: IncidentEvent) -> str:
    """One timeline line, in the operator's language (the registry of incidents.timeline)."""
    return timeline.describe(event)
