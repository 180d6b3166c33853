from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from dispatch.assignments import Pick, do_acknowledge, do_assign
from dispatch.deadlines import check_deadlines
from dispatch.models import Assignment
from ess import live
from incidents.models import Priority
from tests.factories import make_incident

pytestmark = pytest.mark.django_db

T0 = timezone.now().replace(microsecond=0)


def _assign(agencies, priority=Priority.P1):
    incident = make_incident(priority=priority)
    [a] = do_assign(incident, [Pick(agencies["bkk"])], now=T0)
    return incident, a


def _alerts(incident):
    return list(incident.events.filter(kind="dispatch_alert").values_list("data", flat=True))


def test_it_raises_an_alert_when_the_deadline_passes_then_escalates_again(agencies, monkeypatch):
    sent = []
    real = live.publish
    monkeypatch.setattr(live, "publish", lambda groups, m: (sent.append((groups, m)), real(groups, m)))
    incident, a = _assign(agencies, Priority.P1)  # 5 minutes

    assert check_deadlines(T0 + timedelta(minutes=4, seconds=59)) == []
    [first] = check_deadlines(T0 + timedelta(minutes=5))
    assert first.level == 1 and first.assignment.pk == a.pk
    assert Assignment.objects.get(pk=a.pk).escalation_level == 1
    [alert] = _alerts(incident)
    assert alert["why"] == "overdue" and alert["level"] == 1 and alert["minutes"] == 5
    groups = next(g for g, m in sent if m["kind"] == "dispatch_alert")
    assert {live.CONSOLE, live.province_group("10"), live.agency_group("bkk-police")} <= set(groups)

    # Nothing twice, however often it looks.
    assert check_deadlines(T0 + timedelta(minutes=9)) == []
    [second] = check_deadlines(T0 + timedelta(minutes=10))
    assert second.level == 2
    assert [x["level"] for x in _alerts(incident)] == [1, 2]
    assert check_deadlines(T0 + timedelta(hours=5)) == []


def test_it_uses_the_deadline_of_the_cases_priority(agencies, settings):
    settings.ACK_DEADLINE_MINUTES = {1: 5, 2: 15, 3: 60}
    _, p2 = _assign(agencies, Priority.P2)
    incident3 = make_incident(
        priority=Priority.P3, reporter=None, province_code="50", district_code="5001", latitude=18.79, longitude=98.98
    )
    [p3] = do_assign(incident3, [Pick(agencies["cm"])], now=T0)
    assert check_deadlines(T0 + timedelta(minutes=14)) == []
    assert [e.assignment.pk for e in check_deadlines(T0 + timedelta(minutes=15))] == [p2.pk]
    assert [(e.assignment.pk, e.level) for e in check_deadlines(T0 + timedelta(minutes=30))] == [(p2.pk, 2)]
    assert [(e.assignment.pk, e.level) for e in check_deadlines(T0 + timedelta(minutes=60))] == [(p3.pk, 1)]


def test_it_follows_the_configured_deadlines(agencies, settings):
    settings.ACK_DEADLINE_MINUTES = {1: 1, 2: 2, 3: 3}
    _assign(agencies, Priority.P1)
    assert len(check_deadlines(T0 + timedelta(minutes=1))) == 1


def test_it_stays_quiet_when_acknowledged_in_time(agencies):
    incident, a = _assign(agencies)
    do_acknowledge(a, now=T0 + timedelta(minutes=4))
    assert check_deadlines(T0 + timedelta(hours=1)) == []
    assert _alerts(incident) == []


def test_it_raises_one_level_per_pass_after_a_long_outage(agencies):
    _assign(agencies)
    late = T0 + timedelta(hours=2)
    assert [e.level for e in check_deadlines(late)] == [1]
    assert [e.level for e in check_deadlines(late)] == [2]


def test_it_runs_in_the_worker_and_picks_up_where_it_stopped(agencies):
    incident, a = _assign(agencies)
    Assignment.objects.filter(pk=a.pk).update(assigned_at=timezone.now() - timedelta(minutes=6))
    call_command("worker", "--once", "--only", "deadlines")
    assert [alert["level"] for alert in _alerts(incident)] == [1]
    call_command("worker", "--once", "--only", "deadlines")  # a restart: nothing raised twice
    assert len(_alerts(incident)) == 1


def test_it_stops_climbing_once_the_case_left_dispatch(agencies):
    from incidents.actions import do_transition
    from incidents.models import Status

    incident, _ = _assign(agencies)
    do_transition(incident, Status.CANCELLED)
    assert check_deadlines(T0 + timedelta(hours=1)) == []


def test_it_marks_the_case_in_every_console_queue_once_overdue(agencies, operator, client):
    from console.screen import queue_cases, queue_rows, render_row

    incident, _ = _assign(agencies, Priority.P1)
    client.force_login(operator)

    def flagged_in_queue() -> bool:
        [row] = [r for r in queue_rows(queue_cases(operator)) if r["case"].pk == incident.pk]
        return row["overdue"]

    assert not flagged_in_queue()
    assert "flag-overdue" not in client.get("/console/").content.decode()
    check_deadlines(T0 + timedelta(minutes=5))
    assert flagged_in_queue()
    assert "flag-overdue" in client.get("/console/").content.decode()
    # The live push renders the same row with the same mark.
    incident.refresh_from_db()
    assert "flag-overdue" in render_row(incident, None)
