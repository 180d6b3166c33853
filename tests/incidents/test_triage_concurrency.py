"""Two operators acting on one case at the same moment: exactly one wins, the other is refused cleanly.

Real threads on a transactional database (SQLite's IMMEDIATE transactions or PostgreSQL's row locks)."""

import threading

import pytest
from django.db import connection

from dispatch.staff import ensure_staff
from ess.models import Role
from incidents import triage
from incidents.errors import ActionRefused
from incidents.models import Incident, IncidentEvent
from tests.factories import make_incident

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("english")]


def race(*calls):
    """Run the calls at once (a barrier releases them together); return each one's result or refusal."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except ActionRefused as refused:
            results[i] = refused
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


@pytest.fixture
def two_operators(db):
    return (
        ensure_staff("op_a", role=Role.OPERATOR, password="x-long-password", national=True).user,
        ensure_staff("op_b", role=Role.OPERATOR, password="x-long-password", national=True).user,
    )


def test_two_claims_at_once_exactly_one_succeeds(two_operators):
    a, b = two_operators
    case = make_incident()
    results = race(
        lambda: triage.claim(case.pk, a, expected_version=case.version),
        lambda: triage.claim(case.pk, b, expected_version=case.version),
    )
    won = [r for r in results if isinstance(r, Incident)]
    refused = [r for r in results if isinstance(r, ActionRefused)]
    assert len(won) == 1 and len(refused) == 1, results
    fresh = Incident.objects.get(pk=case.pk)
    assert fresh.claimed_by_id == won[0].claimed_by_id and fresh.version == case.version + 1
    assert IncidentEvent.objects.filter(incident=case, kind="claimed").count() == 1


def test_refer_and_false_report_at_once_never_half_apply(two_operators):
    a, b = two_operators
    case = make_incident()
    results = race(
        lambda: triage.refer(case.pk, a, "191", expected_version=case.version),
        lambda: triage.mark_false_report(case.pk, b, "prank", expected_version=case.version),
    )
    assert sum(isinstance(r, Incident) for r in results) == 1, results
    fresh = Incident.objects.select_related("reporter").get(pk=case.pk)
    if fresh.status == "referred":
        assert fresh.reporter.false_report_count == 0 and fresh.referred_to == "191"
    else:
        assert fresh.status == "false_report" and fresh.reporter.false_report_count == 1 and not fresh.referred_to
    assert IncidentEvent.objects.filter(incident=case, kind="status").count() == 1


def test_two_undos_of_one_merge_at_once_undo_it_once(two_operators):
    sup_a = ensure_staff("sup_a", role=Role.SUPERVISOR, password="x-long-password", national=True).user
    sup_b = ensure_staff("sup_b", role=Role.SUPERVISOR, password="x-long-password", national=True).user
    master = make_incident()
    dup = triage.mark_duplicate(make_incident(latitude=13.7468, longitude=100.5349), master, two_operators[0])
    results = race(
        lambda: triage.undo_duplicate(dup.pk, sup_a, "two events"),
        lambda: triage.undo_duplicate(dup.pk, sup_b, "two events"),
    )
    assert sum(isinstance(r, Incident) for r in results) == 1, results
    assert IncidentEvent.objects.filter(incident=master, kind="merge_undone").count() == 1
    assert IncidentEvent.objects.filter(incident=dup, kind="status", from_status="duplicate").count() == 1
    assert Incident.objects.get(pk=dup.pk).duplicate_of_id is None
