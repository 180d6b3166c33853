"""The lifecycle table: every legal transition works and stamps its milestone; every other is refused."""

import itertools

import pytest

from incidents import actions
from incidents.errors import IllegalTransition, StaleIncident
from incidents.lifecycle import MILESTONES, TRANSITIONS, allowed_next, can_transition
from incidents.models import Incident, IncidentEvent, Status
from tests.factories import make_incident

# Sorted: xdist workers must collect the same tests in the same order (a frozenset has no fixed order).
LEGAL = [(a, b) for a, targets in TRANSITIONS.items() for b in sorted(targets)]
ILLEGAL = [(a, b) for a, b in itertools.product(Status.values, Status.values) if b not in TRANSITIONS[a]]


def put_in(status: str) -> Incident:
    """A case in `status`, reached by legal steps only (shortest path through the table)."""
    incident = make_incident()
    path = _path(Status.NEW, status)
    for step in path:
        incident = actions.do_transition(incident, step)
    return incident


def _path(start: str, goal: str) -> list[str]:
    frontier = [(start, [])]
    seen = {start}
    while frontier:
        node, path = frontier.pop(0)
        if node == goal:
            return path
        for nxt in sorted(TRANSITIONS[node]):
            if nxt not in seen:
                seen.add(nxt)
                frontier.append((nxt, [*path, nxt]))
    raise AssertionError(f"{goal} is unreachable from {start}")


def test_it_reaches_every_status_from_new():
    for status in Status.values:
        _path(Status.NEW, status)


def test_it_has_the_documented_main_line():
    main = ["new", "triaged", "dispatched", "acknowledged", "en_route", "on_scene", "resolved", "closed"]
    for a, b in itertools.pairwise(main):
        assert can_transition(a, b)
    assert allowed_next(Status.CLOSED) == []


@pytest.mark.parametrize(("from_status", "to_status"), LEGAL)
def test_it_allows_each_legal_transition_and_writes_the_timeline(db, from_status, to_status):
    incident = put_in(from_status)
    before = IncidentEvent.objects.filter(incident=incident).count()
    moved = actions.do_transition(incident, to_status)
    fresh = Incident.objects.get(pk=incident.pk)
    assert moved.status == fresh.status == to_status
    assert fresh.version == incident.version + 1
    event = IncidentEvent.objects.filter(incident=incident).latest("id")
    assert (event.kind, event.from_status, event.to_status) == ("status", from_status, to_status)
    assert IncidentEvent.objects.filter(incident=incident).count() == before + 1
    if to_status in MILESTONES:
        assert getattr(fresh, MILESTONES[to_status]) is not None


@pytest.mark.parametrize(("from_status", "to_status"), ILLEGAL)
def test_it_refuses_each_illegal_transition_and_changes_nothing(db, from_status, to_status):
    incident = put_in(from_status)
    events = IncidentEvent.objects.filter(incident=incident).count()
    with pytest.raises(IllegalTransition) as refused:
        actions.do_transition(incident, to_status)
    assert incident.reference in str(refused.value)
    fresh = Incident.objects.get(pk=incident.pk)
    assert fresh.status == from_status
    assert fresh.version == incident.version
    assert IncidentEvent.objects.filter(incident=incident).count() == events


def test_it_keeps_the_first_milestone_when_a_case_comes_back(db):
    incident = put_in(Status.TRIAGED)
    first = Incident.objects.get(pk=incident.pk).triaged_at
    assert first is not None
    actions.do_transition(incident, Status.FALSE_REPORT)
    actions.do_transition(incident, Status.TRIAGED)  # a supervisor reversed the false-report mark
    assert Incident.objects.get(pk=incident.pk).triaged_at == first


def test_it_refuses_a_change_made_from_a_stale_view(db):
    incident = make_incident()
    seen_version = incident.version
    actions.do_transition(incident, Status.TRIAGED)
    with pytest.raises(StaleIncident):
        actions.do_transition(incident, Status.REFERRED, expected_version=seen_version)
    assert Incident.objects.get(pk=incident.pk).status == Status.TRIAGED


def test_it_records_who_moved_the_case(db, operator):
    incident = make_incident()
    actions.do_transition(incident, Status.TRIAGED, actor=operator, data={"note": "ยืนยันตัวตนแล้ว"})
    event = incident.events.latest("id")
    assert event.actor == operator
    assert event.data == {"note": "ยืนยันตัวตนแล้ว"}


def test_it_keeps_the_timeline_append_only(db):
    event = make_incident().events.get()
    event.kind = "tampered"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()


def test_it_flags_a_pin_outside_thailand_but_keeps_the_case(db):
    tokyo = make_incident(latitude=35.68, longitude=139.69, province_code="", district_code="")
    assert tokyo.outside_thailand is True
    assert make_incident().outside_thailand is False
