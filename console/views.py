"""The operator console (/console/): the page, its htmx partials and the triage actions.

Views are thin: they find the case within the user's reach (404 outside it), run the command of
dispatch.commands (the same form and domain function the API runs) and render the case panel with the
fresh state. A refused action is shown in the panel
with that fresh state (never a 500). Live updates to everyone else go out from the action itself.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from console import alerts, screen
from console.models import CannedReply
from dispatch import commands
from dispatch.scoping import visible_incidents
from ess.roles import CONSOLE_ROLES, role_required
from incidents import actions, geo, triage
from incidents.errors import ActionRefused, InvalidInput
from incidents.lifecycle import can_transition
from incidents.models import Category, EventKind, Hotline, Incident, Priority, Status
from privacy import access


def _filters_context(filters: screen.QueueFilters) -> dict:
    return {
        "filters": filters,
        "status_choices": Status.choices,
        "category_choices": Category.choices,
        "province_choices": geo.province_choices(),
    }


def _page_context(request: HttpRequest, filters: screen.QueueFilters) -> dict:
    # Read before the rows: a change committed while the page renders is then caught up (perhaps applied
    # twice, which is harmless), never taken as already seen.
    last_event_id = screen.last_event_id()
    return {
        **_filters_context(filters),
        "last_event_id": last_event_id,
        "rows": _searched_rows(request, filters),
        "responders": screen.responder_positions(request.user),
        **_staff_context(request),
        "map_tile_url": settings.MAP_TILE_URL,
        "map_attribution": settings.MAP_TILE_ATTRIBUTION,
        "alert_settings": alerts.settings_for(request.user),
    }


@role_required(*CONSOLE_ROLES)
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    filters = screen.QueueFilters.from_query(request.GET)
    context = _page_context(request, filters)
    case_pk = request.GET.get("case", "")
    if case_pk.isdigit():
        case = visible_incidents(request.user).filter(pk=int(case_pk)).first()
        if case is not None:
            screen.mark_opened(case, request.user)
            context.update(_panel_context(request, case))
    return render(request, "console/index.html", context)


def _searched_rows(request: HttpRequest, filters: screen.QueueFilters) -> list[dict]:
    """The queue's rows; a search among them is audited (screen.record_search)."""
    cases = screen.queue_cases(request.user, filters)
    if filters.q:
        screen.record_search(request, filters.q, cases)
    return screen.queue_rows(cases)


@role_required(*CONSOLE_ROLES)
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """The queue's rows alone: filters, and the polling fallback while the websocket is down."""
    filters = screen.QueueFilters.from_query(request.GET)
    context = {"rows": _searched_rows(request, filters)}
    return render(request, "console/index.html#queue", context)


def _staff_context(request: HttpRequest, **extra) -> dict:
    return {
        "staff": screen.staff_load(request.user),
        "handover_candidates": screen.handover_candidates(request.user),
        **extra,
    }


@role_required(*CONSOLE_ROLES)
@require_GET
def staff(request: HttpRequest) -> HttpResponse:
    return render(request, "console/index.html#staff", _staff_context(request))


@role_required(*CONSOLE_ROLES)
@require_POST
def hand_over_all(request: HttpRequest) -> HttpResponse:
    """Shift change: every case the operator holds goes to the colleague taking over."""
    try:
        done, kept = triage.hand_over_all(request.user, _staff_member(request.POST.get("to")))
        note = _("%(n)d case(s) handed over.") % {"n": len(done)}
        if kept:
            note += " " + " ".join(kept)
    except ActionRefused as refused:
        note = str(refused)
    return render(request, "console/index.html#staff", _staff_context(request, handover_note=note))


def _case_for(request: HttpRequest, pk: int) -> Incident:
    return get_object_or_404(visible_incidents(request.user).select_related("reporter", "claimed_by"), pk=pk)


def _panel_context(request: HttpRequest, case: Incident, **extra) -> dict:
    user = request.user
    timeline = [(e, screen.describe_event(e)) for e in case.events.select_related("actor").order_by("id")]
    claim_live = case.claim_is_active()
    holder = claim_live and case.claimed_by_id == user.pk
    access.record(
        request, access.Field.IDENTITY if extra.get("show_identity") else access.Field.CONVERSATION, case=case
    )
    return {
        "case": case,
        "claim_live": claim_live,
        "is_holder": holder,
        # Unclaimed or mine: the action forms are live. Someone else's claim: only take over shows.
        "can_act": not claim_live or holder,
        "is_supervisor": triage.is_supervisor(user),
        "timeline": timeline,
        # The page refreshes the panel on a pushed event newer than this (a new message, someone's change).
        "last_case_event_id": timeline[-1][0].pk if timeline else 0,
        **screen.conversation(case),
        "history": screen.case_history(case, user),
        # (case, km, its reporter's words): the merge dialog shows both cases' words side by side.
        "suggestions": [
            (other, km, screen.reporter_words(other))
            for other, km in (triage.duplicate_suggestions(case, among=visible_incidents(user)) if case.is_open else [])
        ],
        "assignments": screen.active_assignments(case),
        "category_choices": Category.choices,
        "priority_choices": Priority.choices,
        "hotline_choices": Hotline.choices,
        "can_close": case.status == Status.TRIAGED or can_transition(case.status, Status.CLOSED),
        "handover_candidates": screen.handover_candidates(user) if (holder or triage.is_supervisor(user)) else [],
        "show_identity": False,
        "canned_replies": _canned_replies(case),
        **extra,
    }


@role_required(*CONSOLE_ROLES)
@require_GET
def case_panel(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_for(request, pk)
    screen.mark_opened(case, request.user)
    return render(request, "console/index.html#panel", _panel_context(request, case))


def _command_data(request: HttpRequest, case: Incident, action: str) -> dict:
    """The console's POST as the command's data (dispatch.commands): the form posts the version it showed
    as `version`, and a canned reply by its id."""
    data = {key: request.POST.get(key) for key in request.POST}
    data["expected_version"] = data.pop("version", None) or None
    if action == "reply":
        data["text"] = _reply_text(case, request.POST)
    return data


def _canned_replies(case: Incident) -> list[tuple[int, str, str]]:
    """(id, title, text in the reporter's language) of the active canned replies."""
    if not case.reporter_id:
        return []
    language = case.reporter.language
    return [(r.pk, r.title, r.text_for(language)) for r in CannedReply.objects.filter(is_active=True)]


def _reply_text(case: Incident, post) -> str:
    text = post.get("text", "").strip()
    canned = post.get("canned", "")
    if not text and canned.isdigit():
        reply = CannedReply.objects.filter(pk=int(canned), is_active=True).first()
        if reply is not None and case.reporter_id:
            text = reply.text_for(case.reporter.language)
    return text


def _staff_member(user_id):
    User = get_user_model()
    user = User.objects.filter(pk=user_id).first() if str(user_id or "").isdigit() else None
    if user is None:
        raise InvalidInput(_("Choose who takes the case over."))
    return user


@role_required(*CONSOLE_ROLES)
@require_POST
def case_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    case = _case_for(request, pk)
    if action not in commands.CASE_COMMANDS:
        raise Http404(action)
    error = ""
    try:
        commands.run(action, case, request.user, _command_data(request, case, action))
    except ActionRefused as refused:
        error = str(refused)
    case = _case_for(request, pk)  # the fresh state, whatever happened
    context = _panel_context(request, case, error=error, done=not error)
    if request.htmx:
        return render(request, "console/index.html#panel", context)
    # Without JavaScript: the whole page with the panel open.
    return render(request, "console/index.html", {**_page_context(request, screen.QueueFilters()), **context})


@role_required(*CONSOLE_ROLES)
@require_GET
def merge_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """A master typed by its reference, side by side with the case before the merge (#15 item 9): the
    same table and confirmation as a suggested one. The master is looked up as the merge command looks it
    up (among the cases the user may see: a hidden one is "not found")."""
    case = _case_for(request, pk)
    form = commands.DuplicateForm({"master": request.GET.get("master", "")}, actor=request.user)
    if not form.is_valid():
        return render(request, "console/index.html#merge_preview", {"error": str(commands.form_error(form))})
    other = form.cleaned_data["master"]
    km = None
    if None not in (case.latitude, case.longitude, other.latitude, other.longitude):
        km = triage.distance_km(case.latitude, case.longitude, other.latitude, other.longitude)
    access.record(request, access.Field.CONVERSATION, case=other)  # the master's reporter's words are shown
    context = {
        "case": case,
        "other": other,
        "km": km,
        "other_words": screen.reporter_words(other),
        "reporter_words": screen.reporter_words(case),
    }
    return render(request, "console/index.html#merge_preview", context)


@role_required(*CONSOLE_ROLES)
@require_POST
def reveal_reporter(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the reporter's identity in the panel; every view of it is logged on the timeline (docs/design.md §4b)."""
    case = _case_for(request, pk)
    if case.reporter_id:
        actions.record(case, EventKind.IDENTITY_VIEWED, actor=request.user)
    return render(request, "console/index.html#panel", _panel_context(request, case, show_identity=True))
