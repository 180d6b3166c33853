"""Retention: raw payloads, media and reporters' identities go when their time is up, a legal hold keeps
them, a dry run changes nothing, the worker runs it, and the dashboard's figures survive."""

import datetime as dt
from pathlib import Path

import pytest
from django.core.management import call_command
from django.http import HttpRequest
from django.test import Client
from django.utils import timezone

from ess import worker
from incidents import actions
from incidents.errors import InvalidInput
from incidents.line.inbox import store
from incidents.models import Attachment, Incident, LineEvent, Message, Reporter, Status
from privacy import holds, retention
from privacy.models import StrikeFingerprint
from tests.conftest import PASSWORD
from tests.factories import ReporterFactory, make_incident
from tests.privacy.conftest import jpeg

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def days_ago(n: float) -> dt.datetime:
    return NOW - dt.timedelta(days=n)


def ended(case: Incident, days: float, status: str = Status.CLOSED) -> Incident:
    at = days_ago(days)
    Incident.objects.filter(pk=case.pk).update(
        status=status, closed_at=at if status == Status.CLOSED else None, updated_at=at
    )
    case.refresh_from_db()
    return case


def with_photo(case: Incident) -> Attachment:
    return actions.do_attach_file(case, None, name="p.jpg", content=jpeg(), content_type="image/jpeg")


def test_it_empties_raw_webhook_payloads_after_30_days_and_keeps_the_parsed_message(media):
    reporter = ReporterFactory()
    store(
        [
            {
                "webhookEventId": "old",
                "type": "follow",
                "timestamp": 1,
                "source": {"type": "user", "userId": reporter.line_user_id},
            }
        ]
    )
    store(
        [
            {
                "webhookEventId": "new",
                "type": "follow",
                "timestamp": 2,
                "source": {"type": "user", "userId": reporter.line_user_id},
            }
        ]
    )
    store([{"webhookEventId": "waiting", "type": "follow", "timestamp": 3, "source": {"type": "user", "userId": "Uw"}}])
    LineEvent.objects.filter(webhook_event_id__in=["old", "new"]).update(state=LineEvent.State.DONE)
    LineEvent.objects.filter(webhook_event_id__in=["old", "waiting"]).update(received_at=days_ago(31))
    old_text = Message.objects.create(
        reporter=reporter,
        direction="in",
        text="ช่วยด้วย",
        payload={"message": {"id": "1", "text": "ช่วยด้วย"}},
        created_at=days_ago(31),
    )
    new_text = Message.objects.create(reporter=reporter, direction="in", text="ยังอยู่", payload={"message": {"id": "2"}})

    retention.run(NOW)

    old = LineEvent.objects.get(webhook_event_id="old")
    assert old.payload == {"purged": True} and old.user_id == ""
    assert LineEvent.objects.get(webhook_event_id="new").payload["source"]["userId"] == reporter.line_user_id
    assert LineEvent.objects.get(webhook_event_id="waiting").payload["type"] == "follow"  # not processed yet
    old_text.refresh_from_db()
    new_text.refresh_from_db()
    assert old_text.payload == {} and old_text.text == "ช่วยด้วย"
    assert new_text.payload == {"message": {"id": "2"}}


def test_it_deletes_media_180_days_after_the_case_ended_unless_on_legal_hold(
    media, supervisor_bkk, django_capture_on_commit_callbacks
):
    due = ended(make_incident(), 181)
    recent = ended(make_incident(), 179)
    held = ended(make_incident(), 400)
    running = make_incident()
    photos = {c.reference: with_photo(c) for c in (due, recent, held, running)}
    holds.place_legal_hold(held, supervisor_bkk, "คดีอาญา ตำรวจขอเก็บหลักฐาน")
    due_file = Path(photos[due.reference].file.path)
    assert due_file.exists()

    with pytest.raises(InvalidInput):
        holds.place_legal_hold(held, supervisor_bkk, "again")
    with django_capture_on_commit_callbacks(execute=True):
        retention.run(NOW)

    assert set(Attachment.objects.values_list("incident__reference", flat=True)) == {
        recent.reference,
        held.reference,
        running.reference,
    }
    assert not due_file.exists()
    assert due.events.filter(kind="media_purged").count() == 1

    holds.lift_legal_hold(held, supervisor_bkk, "คดีสิ้นสุด")
    retention.run(NOW)
    assert not Attachment.objects.filter(incident=held).exists()


def test_it_anonymises_reporters_of_cases_ended_over_a_year_ago_and_keeps_the_figures(media, supervisor_bkk):
    old = ended(make_incident(description="สามีชื่อสมชาย ขู่จะฆ่า โทร 0812345678"), 366)
    Reporter.objects.filter(pk=old.reporter_id).update(phone="0812345678", last_seen_at=days_ago(366))
    actions.do_attach_message(old, Message.objects.create(reporter=old.reporter, direction="in", text="บ้านเลขที่ 99"))
    recent = ended(make_incident(), 300)
    held = ended(make_incident(), 500)
    holds.place_legal_hold(held, supervisor_bkk, "ศาลสั่ง")
    for case in (recent, held):
        Reporter.objects.filter(pk=case.reporter_id).update(last_seen_at=days_ago(500))
    figures = list(
        Incident.objects.order_by("pk").values_list(
            "category", "status", "province_code", "district_code", "received_at", "closed_at"
        )
    )

    report = retention.run(NOW)

    assert report.reporters == [old.reporter_id]
    reporter = Reporter.objects.get(pk=old.reporter_id)
    assert (reporter.display_name, reporter.line_user_id, reporter.phone) == ("", None, "")
    assert reporter.anonymised_at is not None
    old.refresh_from_db()
    assert old.description == retention.MARKER and old.address == retention.MARKER
    assert old.latitude == 13.75 and old.reporter_id == reporter.pk
    assert Message.objects.get(reporter=reporter).text == retention.MARKER
    everything = str(list(old.events.values_list("data", flat=True)))
    assert "บ้านเลขที่ 99" not in everything and "0812345678" not in everything
    assert Reporter.objects.get(pk=recent.reporter_id).line_user_id
    assert Reporter.objects.get(pk=held.reporter_id).line_user_id
    assert (
        list(
            Incident.objects.order_by("pk").values_list(
                "category", "status", "province_code", "district_code", "received_at", "closed_at"
            )
        )
        == figures
    )
    assert retention.run(NOW).reporters == []  # once


def test_a_dry_run_changes_nothing_and_says_what_it_would_do(media, capsys):
    case = ended(make_incident(), 400)
    Reporter.objects.filter(pk=case.reporter_id).update(last_seen_at=days_ago(400))
    photo = with_photo(case)

    call_command("retention", "--dry-run")

    out = capsys.readouterr().out
    assert "media deleted: 1" in out and f"{case.reference} attachment {photo.pk}" in out
    assert f"reporters anonymised: 1 (ids {case.reporter_id})" in out and "(would)" in out
    assert Attachment.objects.filter(pk=photo.pk).exists()
    assert Reporter.objects.get(pk=case.reporter_id).line_user_id
    call_command("retention")
    assert "media deleted: 1" in capsys.readouterr().out and not Attachment.objects.exists()


def test_the_worker_runs_retention(media):
    [job] = [j for j in worker.jobs() if j.name == "retention"]
    case = ended(make_incident(), 200)
    with_photo(case)
    assert worker.Worker([job]).run_once(NOW) == 1
    assert not Attachment.objects.exists()


def test_a_prankster_is_recognised_after_anonymisation(line, operator):
    user = "U" + "7" * 32
    line.say(line.pin(user))
    case = line.case_of(user)
    Reporter.objects.filter(pk=case.reporter_id).update(false_report_count=2, last_seen_at=days_ago(400))
    ended(case, 400, Status.FALSE_REPORT)

    retention.run(NOW)

    assert not Reporter.objects.filter(line_user_id=user).exists()
    assert StrikeFingerprint.objects.get().false_report_count == 2
    assert user not in StrikeFingerprint.objects.get().fingerprint
    line.say(line.pin(user))
    assert line.reporter(user).false_report_count == 2
    assert line.case_of(user).pk != case.pk


def test_supervisors_place_and_lift_legal_holds_in_their_provinces(supervisor_bkk, supervisor_cm, operator, media):
    case = make_incident()
    page = Client()
    page.login(request=HttpRequest(), username="sup_cm", password=PASSWORD)
    assert page.post("/privacy/holds/", {"reference": case.reference, "reason": "x"}).status_code == 400
    op = Client()
    op.login(request=HttpRequest(), username="op", password=PASSWORD)
    assert op.post("/privacy/holds/", {"reference": case.reference, "reason": "x"}).status_code == 403
    page.login(request=HttpRequest(), username="sup_bkk", password=PASSWORD)
    assert page.post("/privacy/holds/", {"reference": case.reference, "reason": ""}).status_code == 400
    response = page.post("/privacy/holds/", {"reference": case.reference.lower(), "reason": "ตำรวจขอ"})
    assert response.status_code == 200 and case.reference in response.content.decode()
    case.refresh_from_db()
    assert case.legal_hold and case.legal_hold_reason == "ตำรวจขอ"
    assert case.events.filter(kind="legal_hold", actor=supervisor_bkk, data__on=True).exists()
    page.post("/privacy/holds/", {"reference": case.reference, "reason": "จบคดี", "lift": "1"})
    case.refresh_from_db()
    assert not case.legal_hold
