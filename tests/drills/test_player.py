"""A drill played through the real intake: signed webhooks addressed to the drill destination, the same
worker and conversation; the intake marks the cases; nothing reaches LINE; stopping is final."""

import pytest
from django.conf import settings

from drills import actions, player
from drills.models import Drill
from incidents.line import parser
from incidents.line.models import LineEvent
from incidents.models import Incident, Message, Reporter, Status
from tests.drills.conftest import run, start_past

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def test_a_scenario_played_through_the_intake_opens_drill_cases_and_sends_nothing_to_line(
    drill_line, supervisor_bkk, webhook_hits
):
    drill = start_past(supervisor_bkk, "4-deranged-person.yaml", "10")
    run(drill_line, drill, 10_000)
    assert webhook_hits and set(webhook_hits) == {200}
    assert len(drill.played) == len(drill.script["steps"]) == 7
    # The intake stored the events as drill events and made drill reporters of their senders…
    assert LineEvent.objects.filter(is_drill=True, state="done").count() == 7
    reporters = Reporter.objects.filter(line_user_id__startswith=player.reporter_prefix(drill))
    assert reporters.count() == 2 and all(r.is_drill for r in reporters)
    # …whose cases are drill cases, in the drill's province (the pin's address names it), categorised.
    cases = list(actions.cases_of(drill).order_by("pk"))
    assert len(cases) == 2 and all(c.is_drill for c in cases)
    assert {c.category for c in cases} == {"deranged_person"} and {c.province_code for c in cases} == {"10"}
    first = cases[0]
    assert "คลุ้มคลั่ง" in " ".join(first.messages.values_list("text", flat=True))
    assert first.messages.filter(kind=Message.Kind.IMAGE).exists()
    # The bot answered them as it answers anyone: every answer is kept, marked "drill", never sent.
    out = Message.objects.filter(reporter__in=reporters, direction=Message.Direction.OUT)
    assert out.exists() and set(out.values_list("delivery", flat=True)) == {Message.Delivery.DRILL}
    assert drill_line.platform.calls == []  # no reply, push, profile, loading animation nor photo download
    assert not Incident.objects.real().exists()


def test_a_real_report_at_the_same_time_stays_real_and_is_answered_on_line(drill_line, supervisor_bkk):
    drill = start_past(supervisor_bkk, "2-confinement.yaml", "10")
    real_user = "U" + "a" * 32
    drill_line.say(drill_line.text(real_user, "ช่วยด้วย มีคนถูกขังอยู่"))
    run(drill_line, drill, 10_000)
    real = Incident.objects.get(reporter__line_user_id=real_user)
    assert not real.is_drill and not real.reporter.is_drill
    assert drill_line.texts_to(real_user)  # the real reporter heard back on LINE
    assert actions.cases_of(drill).count() == 1
    assert {c.path.split("/")[-1] for c in drill_line.platform.calls} <= {"reply", "loading", real_user, "start"}


def test_an_unsigned_or_missigned_drill_body_is_refused_and_nothing_is_stored(drill_line, supervisor_bkk):
    drill = start_past(supervisor_bkk, "2-confinement.yaml", "10")
    body = player.body_of([player.event_for(drill, 0, drill.script["steps"][1], drill.started_at)])
    assert drill_line.post(body=body, signature="bad").status_code == 401
    assert drill_line.post(body=body, signature=parser.signature(body, "another-secret")).status_code == 401
    assert not LineEvent.objects.exists()


def test_a_drill_event_for_a_real_reporter_is_refused_not_merged_into_their_case(drill_line, supervisor_bkk):
    real_user = "U" + "b" * 32
    drill_line.say(drill_line.text(real_user, "มีคนถูกทำร้าย"))
    event = drill_line.text(real_user, "ข้อความปลอมจากการซ้อม")
    body = player.body_of([event])
    assert drill_line.post(body=body, signature=parser.signature(body, settings.LINE_CHANNEL_SECRET)).status_code == 200
    drill_line.work()
    stored = LineEvent.objects.get(webhook_event_id=event["webhookEventId"])
    assert stored.is_drill and stored.state == LineEvent.State.FAILED and "DrillMismatch" in stored.error
    case = Incident.objects.get(reporter__line_user_id=real_user)
    assert not case.is_drill and "ข้อความปลอม" not in " ".join(case.messages.values_list("text", flat=True))
    assert not Reporter.objects.get(line_user_id=real_user).is_drill


def test_the_player_is_bounded_by_the_clock_and_a_stop_is_final(drill_line, supervisor_bkk, webhook_hits):
    drill = actions.start(supervisor_bkk, "1-threat.yaml", "10")
    run(drill_line, drill, 20)  # steps at 0 and 15 s
    assert [p["step"] for p in drill.played] == [0, 1]
    assert drill.next_step == 2 and drill.is_running
    case = actions.cases_of(drill).get()
    assert case.status == Status.NEW
    # The supervisor stops it: the open case is closed, the report kept, and nothing more is sent.
    actions.end(drill, supervisor_bkk)
    drill.refresh_from_db()
    assert drill.state == Drill.State.STOPPED and drill.ended_at and drill.report.data["cases"]
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    hits = len(webhook_hits)
    run(drill_line, drill, 10_000)
    assert len(webhook_hits) == hits and len(drill.played) == 2


def test_a_drill_ends_by_itself_after_its_last_step(drill_line, supervisor_bkk, settings):
    settings.DRILL_END_AFTER_MINUTES = 1
    drill = actions.start(supervisor_bkk, "2-confinement.yaml", "10")
    run(drill_line, drill, 120)  # every step (the last at 120 s)
    assert drill.is_running and drill.next_step == 5
    run(drill_line, drill, 120 + 30)
    assert drill.is_running
    run(drill_line, drill, 120 + 61)
    assert drill.state == Drill.State.FINISHED and hasattr(drill, "report")
    assert not actions.cases_of(drill).open().exists()


def test_only_supervisors_of_the_province_or_admins_start_and_stop(
    drill_line, supervisor_bkk, supervisor_cm, operator, admin_user
):
    from incidents.errors import ActionRefused

    with pytest.raises(ActionRefused):
        actions.start(operator, "2-confinement.yaml", "10")
    with pytest.raises(ActionRefused):
        actions.start(supervisor_cm, "2-confinement.yaml", "10")
    with pytest.raises(ActionRefused):
        actions.start(supervisor_bkk, "2-confinement.yaml", "")  # national: admins and national supervisors
    with pytest.raises(ActionRefused):
        actions.start(supervisor_bkk, "no-such.yaml", "10")
    drill = actions.start(admin_user, "2-confinement.yaml", "")
    with pytest.raises(ActionRefused):
        actions.end(drill, supervisor_bkk)
    assert Drill.objects.get().is_running


def test_a_provincial_drill_puts_its_cases_in_its_province(drill_line, supervisor_cm):
    drill = start_past(supervisor_cm, "4-deranged-person.yaml", "50")
    run(drill_line, drill, 10_000)
    assert set(actions.cases_of(drill).values_list("province_code", flat=True)) == {"50"}


def test_the_player_is_a_worker_job_and_goes_on_when_the_webhook_is_away(db, supervisor_bkk, settings, monkeypatch):
    from ess import worker

    assert worker._JOBS["drills"].run is player.play_due
    settings.DRILL_WEBHOOK_URL = "http://127.0.0.1:9/line/webhook/"  # nothing listens there
    drill = start_past(supervisor_bkk, "2-confinement.yaml", "10")
    assert player.play_due() == 5
    drill.refresh_from_db()
    assert [p["status"] for p in drill.played] == [0] * 5 and drill.next_step == 5 and drill.is_running


def test_a_real_event_from_a_drill_reporters_id_is_refused(drill_line, supervisor_bkk):
    drill = start_past(supervisor_bkk, "2-confinement.yaml", "10")
    run(drill_line, drill, 10_000)
    drill_user = player.user_id(drill, "a")
    event = drill_line.text(drill_user, "ข้อความที่อ้างว่ามาจาก LINE")
    drill_line.say(event)  # addressed to the bot, not the drill destination
    stored = LineEvent.objects.get(webhook_event_id=event["webhookEventId"])
    assert not stored.is_drill and stored.state == LineEvent.State.FAILED and "DrillMismatch" in stored.error
