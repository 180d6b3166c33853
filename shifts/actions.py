"""Rosters and hand-overs: every write, and the figures the dashboard reads.

- `import_roster(rows)`: all rows or none; each bad row is reported with its line number.
- `do_hand_over(actor, incoming, items, note)`: every open case the outgoing operator holds a live claim on
  must be listed, each with a one-line status and what happens to its claim. The status line goes on the
  case's timeline as a note and the claim is released or handed over — through the console's own domain
  functions (incidents.triage), so their rules (reach, claim, lock) hold here too. All in one transaction.
- `do_acknowledge(handover, actor)`: only the named incoming operator acknowledges.
- `on_duty(scope, now)` / `staffing_by_hour(scope, now)`: rostered staff now and for the next 24 hours,
  against the expected load by hour of day (the last 8 weeks of reports, Asia/Bangkok).
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import ExtractHour
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.presence import online_user_ids
from ess.models import Role
from ess.roles import CONSOLE_ROLES, province_scope, role_of
from incidents import geo, triage
from incidents.errors import InvalidInput, NotAllowed
from incidents.models import Incident
from shifts.models import Handover, HandoverItem, RosterEntry

BANGKOK = ZoneInfo("Asia/Bangkok")
LOAD_WEEKS = 8
STATUS_LINE_MAX = 300
CSV_COLUMNS = ("date", "shift", "start", "end", "username", "province")


# --- the roster ------------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    created: int = 0
    replaced: int = 0
    errors: list[str] = field(default_factory=list)


def _parse_time(value: str) -> time:
    return time.fromisoformat(value.strip().zfill(5))


def parse_roster_csv(text: str) -> tuple[list[dict], list[str]]:
    """Rows of a roster CSV (date,shift,start,end,username,province; times in Bangkok; an end at or before
    the start is the next morning) → (entries, errors naming the line)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        return [], [
            _("The CSV needs the columns %(cols)s; missing: %(missing)s.")
            % {"cols": ", ".join(CSV_COLUMNS), "missing": ", ".join(missing)}
        ]
    User = get_user_model()
    users = {}
    entries, errors = [], []
    for line, row in enumerate(reader, start=2):
        row = {k: (v or "").strip() for k, v in row.items() if k}
        try:
            day = date.fromisoformat(row["date"])
            start, end = _parse_time(row["start"]), _parse_time(row["end"])
        except ValueError:
            errors.append(_("Line %(n)d: the date must be YYYY-MM-DD and the times HH:MM.") % {"n": line})
            continue
        if not row["shift"]:
            errors.append(_("Line %(n)d: name the shift.") % {"n": line})
            continue
        username = row["username"]
        if username not in users:
            users[username] = User.objects.filter(username=username, is_active=True).first()
        user = users[username]
        if user is None or role_of(user) not in CONSOLE_ROLES:
            errors.append(
                _("Line %(n)d: %(user)s is not an operator or supervisor account.")
                % {"n": line, "user": username or "—"}
            )
            continue
        province = row["province"]
        if province and not geo.is_province(province):
            errors.append(_("Line %(n)d: unknown province code %(code)s.") % {"n": line, "code": province})
            continue
        starts = datetime.combine(day, start, tzinfo=BANGKOK)
        ends = datetime.combine(day if end > start else day + timedelta(days=1), end, tzinfo=BANGKOK)
        entries.append(
            {"user": user, "province_code": province, "shift": row["shift"][:40], "starts_at": starts, "ends_at": ends}
        )
    return entries, errors


def import_roster(text: str) -> ImportResult:
    """Import a roster CSV: nothing is written if any row is wrong. A row for a user and start already on
    the roster replaces it (re-importing a corrected week is safe)."""
    entries, errors = parse_roster_csv(text)
    result = ImportResult(errors=errors)
    if errors:
        return result
    with transaction.atomic():
        for entry in entries:
            _, created = RosterEntry.objects.update_or_create(
                user=entry["user"],
                starts_at=entry["starts_at"],
                defaults={k: entry[k] for k in ("province_code", "shift", "ends_at")},
            )
            if created:
                result.created += 1
            else:
                result.replaced += 1
    return result


def roster_in_scope(scope: list[str] | None):
    """Entries a supervisor of `scope` plans with: their provinces' staff and the national centre's."""
    entries = RosterEntry.objects.select_related("user")
    return entries if scope is None else entries.filter(Q(province_code__in=scope) | Q(province_code=""))


def on_duty(scope: list[str] | None, now=None) -> list[dict]:
    """Who the roster says is on shift now, and whether each is on a console."""
    now = now or timezone.now()
    online = online_user_ids("console", now)
    rows = (
        roster_in_scope(scope).filter(starts_at__lte=now, ends_at__gt=now).order_by("province_code", "user__username")
    )
    return [
        {
            "name": e.user.get_full_name() or e.user.get_username(),
            "shift": e.shift,
            "place": e.place,
            "until": e.ends_at,
            "online": e.user_id in online,
        }
        for e in rows
    ]


def expected_load_by_hour(scope: list[str] | None, now=None) -> list[float]:
    """Average reports per hour of day (0–23, Bangkok) over the last LOAD_WEEKS weeks before today."""
    now = now or timezone.now()
    today = timezone.localtime(now, BANGKOK).replace(hour=0, minute=0, second=0, microsecond=0)
    since = today - timedelta(weeks=LOAD_WEEKS)
    counts = dict(
        Incident.objects.real()  # a drill's cases are no load to plan for (#17)
        .in_provinces(scope)
        .filter(received_at__gte=since, received_at__lt=today)
        .annotate(h=ExtractHour("received_at", tzinfo=BANGKOK))
        .values_list("h")
        .annotate(n=Count("id"))
        .values_list("h", "n")
    )
    days = LOAD_WEEKS * 7
    return [round(counts.get(h, 0) / days, 2) for h in range(24)]


def staffing_by_hour(scope: list[str] | None, now=None, load: list[float] | None = None) -> list[dict]:
    """The next 24 hours from the current hour: rostered staff vs expected reports. An hour is *thin* when
    the expected reports exceed what the rostered staff can take (SHIFT_REPORTS_PER_STAFF_HOUR each).
    `load`: expected_load_by_hour's answer when the caller has it already (the dashboard reads it from its
    rollups in a surge: counting eight weeks of cases on every request took seconds)."""
    now = now or timezone.now()
    per_staff = getattr(settings, "SHIFT_REPORTS_PER_STAFF_HOUR", 4)
    load = load if load is not None else expected_load_by_hour(scope, now)
    first = timezone.localtime(now, BANGKOK).replace(minute=0, second=0, microsecond=0)
    last = first + timedelta(hours=24)
    entries = list(
        roster_in_scope(scope).filter(starts_at__lt=last, ends_at__gt=first).values_list("starts_at", "ends_at")
    )
    hours = []
    for i in range(24):
        start = first + timedelta(hours=i)
        end = start + timedelta(hours=1)
        staff = sum(1 for s, e in entries if s < end and e > start)
        expected = load[start.hour]
        hours.append(
            {
                "start": start,
                "hour": start.hour,
                "expected": expected,
                "staff": staff,
                "thin": (staff == 0 and expected > 0) or expected > staff * per_staff,
            }
        )
    return hours


# --- hand-over -------------------------------------------------------------------------------------------


@dataclass
class ItemInput:
    incident_id: int
    status_line: str
    handed_to: object | None = None  # a user: hand the claim over; None: release it to the queue


def held_cases(user, now=None):
    """Open cases `user` holds a live claim on, oldest first: what a hand-over must cover."""
    now = now or timezone.now()
    return Incident.objects.open().filter(claimed_by=user, claim_expires_at__gt=now).order_by("received_at", "pk")


def colleagues(user):
    """Console staff who may take cases or a hand-over from `user` (not `user`)."""
    User = get_user_model()
    return User.objects.filter(is_active=True, staff__role__in=CONSOLE_ROLES).exclude(pk=user.pk).order_by("username")


def do_hand_over(actor, incoming, items: list[ItemInput], note: str = "") -> Handover:
    """The outgoing operator's structured hand-over. Refused unless every open case they hold is listed
    with a status line; each claim then goes back to the queue or to the named colleague."""
    if role_of(actor) not in CONSOLE_ROLES:
        raise NotAllowed(_("Your role does not allow handing cases over."))
    if incoming is None or incoming.pk == actor.pk or role_of(incoming) not in CONSOLE_ROLES:
        raise InvalidInput(_("Choose the operator taking over the shift."))
    with transaction.atomic():
        held = {c.pk: c for c in held_cases(actor)}
        given = {}
        for item in items:
            if item.incident_id not in held:
                raise InvalidInput(_("You do not hold a claim on one of the cases listed."))
            line = " ".join((item.status_line or "").split())
            if not line:
                raise InvalidInput(
                    _("Write a one-line status for case %(ref)s.") % {"ref": held[item.incident_id].reference}
                )
            if len(line) > STATUS_LINE_MAX:
                raise InvalidInput(
                    _("Keep each status to one line (at most %(n)d characters).") % {"n": STATUS_LINE_MAX}
                )
            given[item.incident_id] = (item, line)
        missing = [c.reference for pk, c in held.items() if pk not in given]
        if missing:
            raise InvalidInput(_("Every case you hold needs a status line: %(refs)s.") % {"refs": ", ".join(missing)})
        handover = Handover.objects.create(from_user=actor, to_user=incoming, note=(note or "").strip()[:4000])
        for pk, (item, line) in given.items():
            # The status line goes on the case first, while the actor still holds the claim.
            triage.add_note(pk, actor, _("Hand-over: %(line)s") % {"line": line})
            if item.handed_to is not None:
                triage.hand_over(pk, actor, item.handed_to)
                claim = HandoverItem.Claim.HANDED
            else:
                triage.release(pk, actor)
                claim = HandoverItem.Claim.RELEASED
            HandoverItem.objects.create(
                handover=handover, incident_id=pk, status_line=line, claim=claim, handed_to=item.handed_to
            )
    return handover


def do_acknowledge(handover: Handover | int, actor) -> Handover:
    with transaction.atomic():
        handover = Handover.objects.select_for_update().get(pk=getattr(handover, "pk", handover))
        if handover.to_user_id != actor.pk:
            raise NotAllowed(_("Only the incoming operator named on the hand-over acknowledges it."))
        if handover.acknowledged_at is None:
            handover.acknowledged_at = timezone.now()
            handover.save(update_fields=["acknowledged_at"])
    return handover


def visible_handovers(user):
    """Hand-overs a member of staff sees: their own (either side); a supervisor also those with cases of
    their provinces (a national supervisor, all)."""
    handovers = Handover.objects.select_related("from_user", "to_user")
    mine = Q(from_user=user) | Q(to_user=user)
    if role_of(user) in (Role.SUPERVISOR, Role.ADMIN):
        scope = province_scope(user)
        if scope is None:
            return handovers
        return handovers.filter(mine | Q(items__incident__province_code__in=scope)).distinct()
    return handovers.filter(mine)
