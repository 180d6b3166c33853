"""Two people acting on one case at the same moment: exactly one wins, the other gets a clear refusal."""

import pytest

from incidents import actions
from incidents.errors import ActionRefused
from incidents.models import Incident, IncidentEvent, Status
from tests.concurrency import run_together
from tests.factories import make_incident


@pytest.mark.django_db(transaction=True)
def test_it_lets_exactly_one_of_two_concurrent_transitions_win():
    incident = make_incident()
    results = run_together(lambda i: actions.do_transition(incident.pk, Status.TRIAGED), 2)
    outcomes = sorted(kind for kind, _ in results)
    assert outcomes == ["error", "ok"], results
    error = next(value for kind, value in results if kind == "error")
    assert isinstance(error, ActionRefused)
    assert incident.reference in str(error)
    fresh = Incident.objects.get(pk=incident.pk)
    assert fresh.status == Status.TRIAGED
    assert fresh.version == 2
    assert IncidentEvent.objects.filter(incident=incident, kind="status").count() == 1


@pytest.mark.django_db(transaction=True)
def test_it_lets_one_of_two_operators_close_different_exits_at_once():
    # One operator marks it a false report while another refers it: one wins, never both.
    incident = make_incident()
    targets = [Status.FALSE_REPORT, Status.REFERRED]
    results = run_together(lambda i: actions.do_transition(incident.pk, targets[i]), 2)
    assert sorted(kind for kind, _ in results) == ["error", "ok"], results
    winner = next(value for kind, value in results if kind == "ok")
    assert Incident.objects.get(pk=incident.pk).status == winner.status
    assert IncidentEvent.objects.filter(incident=incident, kind="status").count() == 1


@pytest.mark.django_db(transaction=True)
def test_it_makes_a_double_click_harmless():
    incident = make_incident()
    results = run_together(
        lambda i: actions.do_transition(incident.pk, Status.TRIAGED, expected_version=incident.version), 4
    )
    assert [kind for kind, _ in results].count("ok") == 1, results
    assert Incident.objects.get(pk=incident.pk).version == incident.version + 1
