"""The case lifecycle, in one place (docs/design.md §2).

new → triaged → dispatched → acknowledged → en_route → on_scene → resolved → closed, with the exits
duplicate, false_report, referred and cancelled. `TRANSITIONS` is the whole rule; `MILESTONES` names the
timestamp each status stamps the first time a case reaches it.
"""

from incidents.models import Status

S = Status

# Exits an open case can always take before help is on scene. Taken after dispatch, they stand the
# agencies down in the same transaction (incidents.actions.on_left_dispatch).
_EARLY_EXITS = {S.DUPLICATE, S.FALSE_REPORT, S.REFERRED, S.CANCELLED}

TRANSITIONS: dict[str, frozenset[str]] = {
    S.NEW: frozenset({S.TRIAGED, *_EARLY_EXITS}),
    # triaged → resolved: handled without dispatch (advice given on the chat).
    S.TRIAGED: frozenset({S.DISPATCHED, S.RESOLVED, *_EARLY_EXITS}),
    # Back to triaged when every assignment was declined or cancelled and the case needs new help.
    S.DISPATCHED: frozenset({S.ACKNOWLEDGED, S.EN_ROUTE, S.ON_SCENE, S.RESOLVED, S.TRIAGED, *_EARLY_EXITS}),
    S.ACKNOWLEDGED: frozenset({S.EN_ROUTE, S.ON_SCENE, S.RESOLVED, S.TRIAGED, *_EARLY_EXITS}),
    S.EN_ROUTE: frozenset({S.ON_SCENE, S.RESOLVED, S.TRIAGED, *_EARLY_EXITS}),
    S.ON_SCENE: frozenset({S.RESOLVED, S.FALSE_REPORT}),
    S.RESOLVED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
    # A supervisor may reverse a false-report mark or undo a merge: the case goes back to triage (a merge
    # undone goes back to new if it was merged before anyone triaged it).
    S.DUPLICATE: frozenset({S.NEW, S.TRIAGED, S.CLOSED}),
    S.FALSE_REPORT: frozenset({S.TRIAGED, S.CLOSED}),
    S.REFERRED: frozenset({S.CLOSED}),
    S.CANCELLED: frozenset({S.CLOSED}),
}

MILESTONES: dict[str, str] = {
    S.TRIAGED: "triaged_at",
    S.DISPATCHED: "dispatched_at",
    S.ACKNOWLEDGED: "acknowledged_at",
    S.EN_ROUTE: "en_route_at",
    S.ON_SCENE: "on_scene_at",
    S.RESOLVED: "resolved_at",
    S.CLOSED: "closed_at",
}


def can_transition(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())


def allowed_next(from_status: str) -> list[str]:
    order = list(Status.values)
    return sorted(TRANSITIONS.get(from_status, frozenset()), key=order.index)
