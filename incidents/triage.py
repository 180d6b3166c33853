"""What an operator does to a case in the console: claim it, triage it, and take it out of the queue.

Each function is a domain action (see incidents.actions): it locks the case, checks the actor's reach and
the claim against the *locked* row, applies the change, writes the timeline and publishes after commit.
A refusal raises an ActionRefused subclass whose message can be shown to the operator as it is; nothing
is applied then.

The claim (docs/design.md §4c): a claimed case is worked by its holder only, until the claim expires
(settings.CLAIM_TTL_SECONDS after the holder's last action). Acting on an unclaimed case claims it, so
everyone sees at once who is on it. Supervisors may take a live claim over; anyone may after it expired.
A case that leaves the open statuses drops its claim.

`expected_version` is the version the operator's screen showed; if the case moved since, StaleIncident
is raised (a double click, or two operators at once: exactly one write wins).
"""

import math
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from ess.models import Role
from ess.roles import CONSOLE_ROLES, province_scope, role_of
from incidents.actions import do_set_safe_contact, do_transition, locked, record, save_case
from incidents.errors import ActionRefused, CaseNotFound, ClaimHeld, InvalidInput, NotAllowed, StaleIncident
from incidents.line import texts
from incidents.models import (
    Category,
    EventKind,
    Hotline,
    Incident,
    IncidentEvent,
    Language,
    Message,
    Priority,
    Reporter,
    Status,
)

SUPERVISOR_ROLES = (Role.SUPERVISOR, Role.ADMIN)

# Categories an operator would confuse for one another when two people report one event.
RELATED_CATEGORIES: dict[str, frozenset[str]] = {
    Category.THREAT: frozenset({Category.THREAT, Category.CONFINEMENT, Category.SEXUAL_ABUSE_RISK}),
    Category.CONFINEMENT: frozenset({Category.CONFINEMENT, Category.THREAT, Category.SEXUAL_ABUSE_RISK}),
    Category.SEXUAL_ABUSE_RISK: frozenset({Category.SEXUAL_ABUSE_RISK, Category.THREAT, Category.CONFINEMENT}),
    Category.DERANGED_PERSON: frozenset({Category.DERANGED_PERSON, Category.GANG_GATHERING, Category.THREAT}),
    Category.GANG_GATHERING: frozenset({Category.GANG_GATHERING, Category.DERANGED_PERSON, Category.THREAT}),
}
DUPLICATE_RADIUS_KM = 2.0
# Two reports of one event in different (related) categories come from about the same place: a case of
# another category 1.5 km away is another event, not the master to suggest (#15 item 9).
RELATED_RADIUS_KM = 0.5
DUPLICATE_WINDOW = timedelta(hours=6)

# What the reporter is told when the case is referred, in their own language (Reporter.language, from
# their LINE profile). Neutral wording: the preview may be read by someone else (DESIGN §4b).
REFERRAL_MESSAGES = {
    Hotline.POLICE_191: pgettext_lazy(
        "LINE", "Your report needs the police directly. Please call 191 (24 hours). If you are in danger, call now."
    ),
    Hotline.MEDICAL_1669: pgettext_lazy(
        "LINE", "Your report needs medical help. Please call 1669 (24 hours). If a life is in danger, call 191."
    ),
    Hotline.SOCIAL_1300: pgettext_lazy(
        "LINE", "The ministry's 1300 hotline can help you with this. Please call 1300 (24 hours, free of charge)."
    ),
}
# What a safe-contact reporter gets instead (their phone's notification preview may be read by the person
# hurting them): the number only, no subject.
REFERRAL_NEUTRAL = pgettext_lazy("LINE", "You can call {number} at any time.")
LINE_TEXT_LIMIT = 5000  # characters in one LINE text message

# What the reporter of a case merged into another hears (#15 item 9): that their report is not lost, and
# under which reference it is handled now; a safe-contact reporter gets the reference alone.
MERGED_MESSAGE = pgettext_lazy(
    "LINE",
    "What you reported is the same incident as case {ref}, which someone reported already. "
    "We are handling them together; you will hear of the progress of {ref} in this chat.",
)
MERGED_NEUTRAL = pgettext_lazy("LINE", "ESS: your reference is {ref}.")
# When a supervisor undoes the merge, a reporter who was told of it hears that their own reference counts
# again. Neutral words for everyone: no subject, no blame, nothing a shared phone's preview should not show.
UNMERGED_MESSAGE = pgettext_lazy(
    "LINE", "ESS: your report is handled under its own reference {ref} again. You will hear of it in this chat."
)


def merged_message(master_reference: str, language: str, *, neutral: bool = False) -> str:
    return texts.render(language, MERGED_NEUTRAL if neutral else MERGED_MESSAGE).format(ref=master_reference)


def referral_message(hotline: str, language: str, *, neutral: bool = False) -> str:
    if neutral:
        return texts.render(language, REFERRAL_NEUTRAL).format(number=hotline)
    return texts.render(language, REFERRAL_MESSAGES[hotline])


def _send(case: Incident, actor, text: str, *, neutral_text: str | None = None):
    """Queue a text to the case's reporter through the LINE outbox, inside the caller's transaction:
    it goes out only if the action commits, and shows in the conversation with its delivery state."""
    from incidents.line.outbox import send_to_reporter

    return send_to_reporter(case.reporter, text, incident=case, sent_by=actor, neutral_text=neutral_text)


# --- who may act ---------------------------------------------------------------------------------------


def is_supervisor(user) -> bool:
    return role_of(user) in SUPERVISOR_ROLES


def check_reach(case: Incident, actor) -> None:
    """Console staff whose provinces include the case's (national staff reach every case)."""
    if role_of(actor) not in CONSOLE_ROLES:
        raise NotAllowed(_("Your role does not allow working on cases."))
    scope = province_scope(actor)
    if scope is not None and case.province_code not in scope:
        raise NotAllowed(_("Case %(ref)s is outside the provinces you cover.") % {"ref": case.reference})


def within_reach(case: Incident, actor) -> bool:
    try:
        check_reach(case, actor)
    except NotAllowed:
        return False
    return True


def _holder_name(case: Incident) -> str:
    user = case.claimed_by
    return (user.get_full_name() or user.get_username()) if user else "—"


def claim_fields(case: Incident, actor, now) -> list[str]:
    """The claim rule, for every action on a locked open case: refuse (ClaimHeld) if someone else holds a
    live claim, supervisors included (they take it over first); otherwise (re)claim it for `actor`.
    Returns the fields changed, for the caller to save with its own change."""
    if case.claim_is_active(now) and case.claimed_by_id != actor.pk:
        until = formats.time_format(timezone.localtime(case.claim_expires_at), "H:i")
        raise ClaimHeld(case.reference, _holder_name(case), until)
    case.claimed_by = actor
    case.claim_expires_at = now + timedelta(seconds=settings.CLAIM_TTL_SECONDS)
    return ["claimed_by", "claim_expires_at"]


def _check_version(case: Incident, expected_version: int | None) -> None:
    if expected_version is not None and case.version != expected_version:
        raise StaleIncident(case.reference)


def _check_open(case: Incident) -> None:
    if not case.is_open:
        raise InvalidInput(
            _("Case %(ref)s is no longer open (%(status)s).")
            % {"ref": case.reference, "status": case.get_status_display()}
        )


@contextmanager
def _acting(incident, actor, expected_version, *, must_be_open: bool = True):
    """Lock the case and check reach, version and claim; yield it with the fields the (re)claim changed
    (the caller saves them with its own change)."""
    with locked(incident) as case:
        check_reach(case, actor)
        _check_version(case, expected_version)
        if must_be_open:
            _check_open(case)
        fields = claim_fields(case, actor, timezone.now()) if case.is_open else []
        yield case, fields


# --- claim ---------------------------------------------------------------------------------------------


def claim(incident: Incident | int, actor, *, expected_version: int | None = None) -> Incident:
    """Claim a case for `actor`. Claiming one's own live claim again only extends it (double clicks)."""
    with locked(incident) as case:
        check_reach(case, actor)
        _check_open(case)
        now = timezone.now()
        if case.claim_is_active(now) and case.claimed_by_id == actor.pk:
            case.claim_expires_at = now + timedelta(seconds=settings.CLAIM_TTL_SECONDS)
            case.save(update_fields=["claim_expires_at"])
            return case
        _check_version(case, expected_version)
        fields = claim_fields(case, actor, now)
        save_case(case, fields)
        record(case, EventKind.CLAIMED, actor=actor, data={"until": case.claim_expires_at.isoformat()})
    return case


def release(incident: Incident | int, actor, *, expected_version: int | None = None) -> Incident:
    """Give a claim back to the queue. Only its holder releases; supervisors use take_over."""
    with locked(incident) as case:
        check_reach(case, actor)
        _check_version(case, expected_version)
        if not case.claim_is_active() or case.claimed_by_id != actor.pk:
            raise NotAllowed(_("You do not hold the claim on case %(ref)s.") % {"ref": case.reference})
        case.claimed_by = None
        case.claim_expires_at = None
        save_case(case, ["claimed_by", "claim_expires_at"])
        record(case, EventKind.RELEASED, actor=actor)
    return case


def take_over(incident: Incident | int, actor, *, expected_version: int | None = None) -> Incident:
    """Take a case's claim from its holder: a supervisor at any time, anyone once the claim expired."""
    with locked(incident) as case:
        check_reach(case, actor)
        _check_version(case, expected_version)
        _check_open(case)
        now = timezone.now()
        previous = case.claimed_by if case.claimed_by_id != actor.pk else None
        if case.claim_is_active(now) and previous is not None and not is_supervisor(actor):
            until = formats.time_format(timezone.localtime(case.claim_expires_at), "H:i")
            raise ClaimHeld(case.reference, _holder_name(case), until)
        case.claimed_by = actor
        case.claim_expires_at = now + timedelta(seconds=settings.CLAIM_TTL_SECONDS)
        save_case(case, ["claimed_by", "claim_expires_at"])
        record(
            case, EventKind.CLAIM_TAKEN_OVER, actor=actor, data={"from": previous.get_username() if previous else ""}
        )
    return case


def hand_over(incident: Incident | int, actor, to_user, *, expected_version: int | None = None) -> Incident:
    """Pass a claim to another member of staff (shift change, docs/design.md §4c): its holder or a supervisor may;
    the receiver must be console staff who covers the case's province."""
    with locked(incident) as case:
        check_reach(case, actor)
        _check_version(case, expected_version)
        _check_open(case)
        holder = case.claim_is_active() and case.claimed_by_id == actor.pk
        if not holder and not is_supervisor(actor):
            raise NotAllowed(_("You do not hold the claim on case %(ref)s.") % {"ref": case.reference})
        try:
            check_reach(case, to_user)
        except NotAllowed as exc:
            raise NotAllowed(
                _("%(user)s cannot take case %(ref)s: it is outside their role or provinces.")
                % {"user": to_user.get_username(), "ref": case.reference}
            ) from exc
        previous = case.claimed_by.get_username() if case.claimed_by_id else ""
        case.claimed_by = to_user
        case.claim_expires_at = timezone.now() + timedelta(seconds=settings.CLAIM_TTL_SECONDS)
        save_case(case, ["claimed_by", "claim_expires_at"])
        record(case, EventKind.HANDED_OVER, actor=actor, data={"from": previous, "to": to_user.get_username()})
    return case


def hand_over_all(actor, to_user) -> tuple[list[Incident], list[str]]:
    """Hand every open case `actor` holds a live claim on to `to_user`, each under its own lock.
    Returns (cases handed over, refusal messages for those kept: moved meanwhile, or outside the
    receiver's provinces); nothing is ever half-handed."""
    now = timezone.now()
    pks = list(
        Incident.objects.open()
        .filter(claimed_by=actor, claim_expires_at__gt=now)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    done, kept = [], []
    for pk in pks:
        try:
            done.append(hand_over(pk, actor, to_user))
        except ActionRefused as refused:
            kept.append(str(refused))
    return done, kept


# --- triage --------------------------------------------------------------------------------------------


def set_triage(
    incident: Incident | int,
    actor,
    *,
    category: str | None = None,
    priority: int | str | None = None,
    expected_version: int | None = None,
) -> Incident:
    """Set the category and/or priority. A new case whose category is now known becomes triaged."""
    if category is not None and category not in Category.values:
        raise InvalidInput(_("Unknown category."))
    if priority is not None:
        try:
            priority = int(priority)
        except (TypeError, ValueError):
            priority = None
        if priority not in Priority.values:
            raise InvalidInput(_("Unknown priority."))
    with _acting(incident, actor, expected_version) as (case, fields):
        changes = {}
        if category is not None and category != case.category:
            changes["category"] = [case.category, category]
            case.category = category
            fields.append("category")
        if priority is not None and priority != case.priority:
            changes["priority"] = [case.priority, priority]
            case.priority = priority
            fields.append("priority")
        save_case(case, fields)
        if changes:
            record(case, EventKind.TRIAGE, actor=actor, data=changes)
        if case.status == Status.NEW and case.category != Category.UNSPECIFIED:
            case = do_transition(case.pk, Status.TRIAGED, actor=actor)
    return case


def add_note(incident: Incident | int, actor, text: str, *, expected_version: int | None = None) -> Incident:
    """An internal note on the timeline (never sent to the reporter)."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput(_("The note is empty."))
    with _acting(incident, actor, expected_version, must_be_open=False) as (case, fields):
        if fields:
            save_case(case, fields)
        record(case, EventKind.NOTE, actor=actor, data={"text": text[:4000]})
    return case


# --- duplicates ----------------------------------------------------------------------------------------


def distance_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def categories_related(a: str, b: str) -> bool:
    if Category.UNSPECIFIED in (a, b):
        return True
    return b in RELATED_CATEGORIES.get(a, frozenset({a}))


def _near(a: Incident, b: Incident) -> float | None:
    """Distance in km if `a` and `b` could be one event (near in space and time, related kind), else None."""
    if None in (a.latitude, a.longitude, b.latitude, b.longitude):
        return None
    if abs(a.received_at - b.received_at) > DUPLICATE_WINDOW or not categories_related(a.category, b.category):
        return None
    km = distance_km(a.latitude, a.longitude, b.latitude, b.longitude)
    same_kind = a.category == b.category or Category.UNSPECIFIED in (a.category, b.category)
    return km if km <= (DUPLICATE_RADIUS_KM if same_kind else RELATED_RADIUS_KM) else None


def duplicate_suggestions(case: Incident, among=None, limit: int = 5) -> list[tuple[Incident, float]]:
    """Open cases that may be the same event as `case`, as (case, km): those of the same category first
    (the master an operator should pick), then related ones, nearest first within each.

    `among` is the queryset the viewer may see (the console passes its scope); default: all cases.
    """
    if case.latitude is None or case.longitude is None:
        return []
    base = among if among is not None else Incident.objects.all()
    # A box of about DUPLICATE_RADIUS_KM around the pin narrows the candidates in the database.
    dlat = DUPLICATE_RADIUS_KM / 111.0
    dlng = DUPLICATE_RADIUS_KM / (111.0 * max(math.cos(math.radians(case.latitude)), 0.1))
    candidates = (
        base.open()
        .exclude(pk=case.pk)
        .filter(
            is_drill=case.is_drill,  # a drill case and a real one are never the same event (#17)
            latitude__range=(case.latitude - dlat, case.latitude + dlat),
            longitude__range=(case.longitude - dlng, case.longitude + dlng),
            received_at__range=(case.received_at - DUPLICATE_WINDOW, case.received_at + DUPLICATE_WINDOW),
        )
        .order_by("received_at")[:50]
    )
    # (duplicate_of is checked here, not in SQL: an IS NULL filter there steers the planner to a full scan.)
    found = [
        (other, km) for other in candidates if not other.duplicate_of_id and (km := _near(case, other)) is not None
    ]
    return sorted(found, key=lambda pair: (pair[0].category != case.category, pair[1]))[:limit]


def possible_duplicate_ids(cases) -> set[int]:
    """Ids of the cases in `cases` that have another one near in space and time (for the queue's flag).
    Pure Python over an already-fetched list, no queries: a sweep along latitude, so each case is compared
    only with those within DUPLICATE_RADIUS_KM north of it."""
    cases = sorted((c for c in cases if c.latitude is not None and c.longitude is not None), key=lambda c: c.latitude)
    band = DUPLICATE_RADIUS_KM / 111.0  # degrees of latitude (a degree is at least ~110.5 km)
    flagged: set[int] = set()
    for i, a in enumerate(cases):
        for b in cases[i + 1 :]:
            if b.latitude - a.latitude > band:
                break
            if a.is_drill == b.is_drill and _near(a, b) is not None:
                flagged.update((a.pk, b.pk))
    return flagged


def mark_duplicate(
    incident: Incident | int, master: Incident | int, actor, *, expected_version: int | None = None
) -> Incident:
    """Merge a case into `master`: it leaves the queue pointing to the master, and its reporter hears of
    the master's progress from now on (dispatch.reporter_updates.recipients)."""
    pk = getattr(incident, "pk", incident)
    master_pk = getattr(master, "pk", master)
    if pk == master_pk:
        raise InvalidInput(_("A case cannot be a duplicate of itself."))
    with transaction.atomic():
        # Both rows locked, lower id first, so two opposite merges cannot deadlock.
        rows = {
            c.pk: c for c in Incident.objects.select_for_update().filter(pk__in=sorted([pk, master_pk])).order_by("pk")
        }
        # A master the actor may not see is answered exactly as one that does not exist: the refusal must
        # not confirm that a case (or its reference) exists in another province.
        target = rows.get(master_pk)
        if target is None or not within_reach(target, actor):
            raise InvalidInput(_("The case to merge into does not exist."))
        with _acting(pk, actor, expected_version) as (case, fields):
            if target.is_drill != case.is_drill:
                # A drill never mixes with real cases (#17): a real reporter would hear of a drill's case.
                raise InvalidInput(_("A drill case and a real case cannot be merged."))
            if not target.is_open or target.duplicate_of_id:
                raise InvalidInput(
                    _("Case %(ref)s is not an open case and cannot be the master.") % {"ref": target.reference}
                )
            if fields:
                save_case(case, fields)
            # The merged case's reporter is told, unless it is the master's own reporter (who already hears);
            # the merge's event says so, for an undo to know whom to tell.
            reporter = case.reporter
            tell = reporter is not None and reporter.is_reachable and reporter.pk != target.reporter_id
            case = do_transition(
                case.pk,
                Status.DUPLICATE,
                actor=actor,
                data={"master": target.reference, "told": tell},
                extra_fields={"duplicate_of": target, "claimed_by": None, "claim_expires_at": None},
            )
            record(
                target,
                EventKind.DUPLICATE_MERGED,
                actor=actor,
                data={"duplicate": case.reference, "duplicate_id": case.pk},
            )
            if tell:
                language = reporter.language
                _send(
                    case,
                    actor,
                    merged_message(target.reference, language),
                    neutral_text=merged_message(target.reference, language, neutral=True),
                )
    return case


def _merge_event(case: Incident) -> IncidentEvent | None:
    """The status event that made `case` a duplicate (the latest, if it was merged, undone and merged again)."""
    return case.events.filter(kind=EventKind.STATUS, to_status=Status.DUPLICATE).order_by("-pk").first()


def undo_duplicate(incident: Incident | int, actor, reason: str, *, expected_version: int | None = None) -> Incident:
    """A supervisor undoes a merge: the duplicate is its own case again, in the state it had — new if it
    was merged before triage, else triaged (agencies that were on it were stood down by the merge, so it
    waits for dispatch again) — unclaimed, back in the queue. Both cases get a `merge_undone` event; the
    reporter, if they were told of the merge, is told (neutrally) that their own reference counts again,
    and no longer hears of the master's progress (dispatch.reporter_updates follows `duplicate_of`).

    A case outside the actor's provinces is answered as one that does not exist. Two undos at once (a
    double click, two supervisors): the second finds the case no longer a duplicate and is refused."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Give the reason for undoing the merge."))
    pk = getattr(incident, "pk", incident)
    with transaction.atomic():
        found = Incident.objects.filter(pk=pk).values_list("duplicate_of_id", flat=True)
        if not found:
            raise CaseNotFound()
        current = found[0]
        # Both rows locked, lower id first, in the order a merge takes them (no deadlock with one).
        ids = sorted({pk, current} - {None})
        list(Incident.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
        with locked(pk) as case:
            if not within_reach(case, actor):
                raise CaseNotFound()
            if not is_supervisor(actor):
                raise NotAllowed(_("Only a supervisor undoes a merge."))
            _check_version(case, expected_version)
            if case.status != Status.DUPLICATE or case.duplicate_of_id is None or case.duplicate_of_id != current:
                raise InvalidInput(_("Case %(ref)s is not merged into another case.") % {"ref": case.reference})
            master = case.duplicate_of
            merge = _merge_event(case)
            was = merge.from_status if merge is not None else Status.TRIAGED
            back_to = Status.NEW if was == Status.NEW else Status.TRIAGED
            case = do_transition(
                case.pk,
                back_to,
                actor=actor,
                data={"merge_undone": True},
                extra_fields={"duplicate_of": None, "claimed_by": None, "claim_expires_at": None},
            )
            record(
                case, EventKind.MERGE_UNDONE, actor=actor, data={"master": master.reference, "reason": reason[:2000]}
            )
            record(
                master,
                EventKind.MERGE_UNDONE,
                actor=actor,
                data={"duplicate": case.reference, "duplicate_id": case.pk, "reason": reason[:2000]},
            )
            reporter = case.reporter
            if _was_told_of_merge(case, merge) and reporter is not None and reporter.is_reachable:
                text = texts.render(reporter.language, UNMERGED_MESSAGE).format(ref=case.reference)
                _send(case, actor, text, neutral_text=text)
    return case


def _was_told_of_merge(case: Incident, merge: IncidentEvent | None) -> bool:
    if merge is None:
        return False
    if "told" in (merge.data or {}):
        return bool(merge.data["told"])
    # A merge from before the event said so: its message to the reporter names the master.
    return case.events.filter(
        kind=EventKind.MESSAGE,
        pk__gt=merge.pk,
        data__direction=Message.Direction.OUT,
        data__text__contains=(merge.data or {}).get("master") or "\0",
    ).exists()


# --- false reports -------------------------------------------------------------------------------------


def mark_false_report(incident: Incident | int, actor, reason: str, *, expected_version: int | None = None) -> Incident:
    """Mark a case a false report; it counts against the reporter until a supervisor reverses it.
    The reporter's next report is never hidden: the count is shown, nothing else changes."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Give the reason the report is false."))
    with _acting(incident, actor, expected_version) as (case, fields):
        if fields:
            save_case(case, fields)
        case = do_transition(
            case.pk,
            Status.FALSE_REPORT,
            actor=actor,
            data={"reason": reason[:2000]},
            extra_fields={"claimed_by": None, "claim_expires_at": None},
        )
        if case.reporter_id:
            Reporter.objects.filter(pk=case.reporter_id).update(false_report_count=F("false_report_count") + 1)
    return case


@contextmanager
def _supervisor_on_false_report(incident, actor, expected_version):
    with locked(incident) as case:
        check_reach(case, actor)
        if not is_supervisor(actor):
            raise NotAllowed(_("Only a supervisor confirms or reverses a false report."))
        _check_version(case, expected_version)
        if case.status != Status.FALSE_REPORT:
            raise InvalidInput(_("Case %(ref)s is not marked as a false report.") % {"ref": case.reference})
        yield case


def confirm_false_report(
    incident: Incident | int, actor, note: str = "", *, expected_version: int | None = None
) -> Incident:
    """A supervisor agrees the report was false: the case is closed, the count stands."""
    with _supervisor_on_false_report(incident, actor, expected_version) as case:
        outcome = note.strip() or _("False report confirmed by a supervisor.")
        case = do_transition(
            case.pk,
            Status.CLOSED,
            actor=actor,
            data={"confirmed_false_report": True},
            extra_fields={"outcome": outcome},
        )
    return case


def reverse_false_report(
    incident: Incident | int, actor, reason: str, *, expected_version: int | None = None
) -> Incident:
    """A supervisor finds the report was real: back to triage, and it no longer counts against the reporter."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Give the reason for reversing the false-report mark."))
    with _supervisor_on_false_report(incident, actor, expected_version) as case:
        case = do_transition(
            case.pk, Status.TRIAGED, actor=actor, data={"reversed_false_report": True, "reason": reason[:2000]}
        )
        if case.reporter_id:
            Reporter.objects.filter(pk=case.reporter_id, false_report_count__gt=0).update(
                false_report_count=Greatest(F("false_report_count") - 1, 0)
            )
    return case


# --- leaving the queue ---------------------------------------------------------------------------------


def refer(
    incident: Incident | int, actor, hotline: str, *, note: str = "", expected_version: int | None = None
) -> Incident:
    """Refer a case outside ESS's remit to 191, 1669 or 1300. The reporter's message (in their language)
    is kept on the event for the LINE outbox to send."""
    if hotline not in Hotline.values:
        raise InvalidInput(_("Choose 191, 1669 or 1300."))
    with _acting(incident, actor, expected_version) as (case, fields):
        if fields:
            save_case(case, fields)
        language = case.reporter.language if case.reporter_id else Language.THAI
        message = referral_message(hotline, language)
        case = do_transition(
            case.pk,
            Status.REFERRED,
            actor=actor,
            data={"hotline": hotline, "note": note.strip()[:2000], "message": message},
            extra_fields={"referred_to": hotline, "claimed_by": None, "claim_expires_at": None},
        )
        if case.reporter_id and case.reporter.is_reachable:
            _send(case, actor, message, neutral_text=referral_message(hotline, language, neutral=True))
    return case


def reply(incident: Incident | int, actor, text: str, *, expected_version: int | None = None) -> Incident:
    """Write to the reporter on LINE from the case panel (free text or a canned reply). Goes out through
    the outbox; a safe-contact reporter gets it only when they next write (the outbox withholds it)."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput(_("The message is empty."))
    if len(text) > LINE_TEXT_LIMIT:
        raise InvalidInput(_("A LINE message holds at most %(n)d characters.") % {"n": LINE_TEXT_LIMIT})
    with _acting(incident, actor, expected_version, must_be_open=False) as (case, fields):
        if case.reporter_id is None:
            raise InvalidInput(_("Case %(ref)s has no reporter on LINE.") % {"ref": case.reference})
        if not case.reporter.is_reachable:
            raise NotAllowed(_("The reporter has blocked ESS on LINE: a message would never arrive."))
        if fields:
            save_case(case, fields)
        _send(case, actor, text)
    return case


def cancel(incident: Incident | int, actor, reason: str, *, expected_version: int | None = None) -> Incident:
    """Cancel a case for the reporter (they phoned or wrote that help is no longer needed). Any agencies on
    it are stood down in the same transaction (actions.on_left_dispatch), and the reporter gets the same
    confirmation as when they cancel on LINE themselves."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Give the reason the case is cancelled."))
    with _acting(incident, actor, expected_version) as (case, fields):
        if fields:
            save_case(case, fields)
        case = do_transition(
            case.pk,
            Status.CANCELLED,
            actor=actor,
            data={"by": "operator", "reason": reason[:2000]},
            extra_fields={"claimed_by": None, "claim_expires_at": None},
        )
        _tell_cancelled(case, actor)
    return case


def set_safe_contact(incident: Incident | int, actor, on: bool, *, expected_version: int | None = None) -> Incident:
    """The operator's one-click switch for the case's reporter: safe contact only when they write first
    (no pushes, neutral texts), or not. Logged on the timeline (actions.do_set_safe_contact)."""
    with _acting(incident, actor, expected_version, must_be_open=False) as (case, fields):
        if case.reporter_id is None:
            raise InvalidInput(_("Case %(ref)s has no reporter on LINE.") % {"ref": case.reference})
        if fields:
            save_case(case, fields)
        do_set_safe_contact(case.reporter, on, by="operator", actor=actor, incident=case)
    case.reporter.refresh_from_db(fields=["safe_contact_only"])
    return case


def cancel_by_reporter(incident: Incident | int) -> Incident:
    """The reporter cancels their own case on LINE (the conversation confirms it to them). Agencies on it
    are stood down in the same transaction (actions.on_left_dispatch)."""
    return do_transition(
        incident,
        Status.CANCELLED,
        data={"by": "reporter"},
        extra_fields={"claimed_by": None, "claim_expires_at": None},
    )


def _tell_cancelled(case: Incident, actor) -> None:
    from incidents.line import texts

    if case.reporter_id and case.reporter.is_reachable:
        _send(case, actor, texts.say(case.reporter.language, "cancelled", reference=case.reference))


CLOSABLE_DIRECTLY = (Status.RESOLVED, Status.REFERRED, Status.DUPLICATE, Status.CANCELLED)


def close(incident: Incident | int, actor, outcome: str, *, expected_version: int | None = None) -> Incident:
    """Close a case with its outcome. A triaged case handled on the chat alone is resolved and closed in
    one go; a false report is closed by a supervisor's confirmation instead; anything else follows the
    lifecycle (a case with help on the way is resolved by its assignment first)."""
    outcome = (outcome or "").strip()
    if not outcome:
        raise InvalidInput(_("Write the outcome before closing the case."))
    with _acting(incident, actor, expected_version, must_be_open=False) as (case, fields):
        if case.status == Status.FALSE_REPORT:
            raise NotAllowed(_("A supervisor closes a false report by confirming it."))
        if fields:
            save_case(case, fields)
        if case.status == Status.TRIAGED:
            case = do_transition(case.pk, Status.RESOLVED, actor=actor, data={"handled_on_chat": True})
        case = do_transition(
            case.pk,
            Status.CLOSED,
            actor=actor,
            data={"outcome": outcome[:2000]},
            extra_fields={"outcome": outcome, "claimed_by": None, "claim_expires_at": None},
        )
    return case
