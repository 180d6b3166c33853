"""Data-subject requests: a reporter's access request answered with everything held about them (JSON +
photos in a zip), and their erasure on request — with a reason, logged, refused while a case is open or
on legal hold. Through the management commands and the admin's actions alike."""

import io
import json
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.http import HttpRequest
from django.test import Client

from incidents import actions
from incidents.models import Attachment, Incident, Message, Reporter, Status
from privacy import holds
from privacy.models import AccessLog, Field, StrikeFingerprint, SubjectRequest
from tests.conftest import PASSWORD
from tests.factories import make_incident
from tests.privacy.conftest import jpeg

pytestmark = pytest.mark.django_db


@pytest.fixture
def reported(media):
    """A reporter with a case, a message and a photo."""
    case = make_incident(description="สามีขู่จะทำร้าย")
    Reporter.objects.filter(pk=case.reporter_id).update(phone="0812345678")
    actions.do_attach_message(case, Message.objects.create(reporter=case.reporter, direction="in", text="ช่วยด้วย"))
    actions.do_attach_file(case, None, name="p.jpg", content=jpeg(), content_type="image/jpeg")
    case.refresh_from_db()
    return case


def close(case: Incident) -> None:
    Incident.objects.filter(pk=case.pk).update(status=Status.CLOSED)


def unzip(data: bytes) -> tuple[dict, zipfile.ZipFile]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    return json.loads(archive.read("subject.json")), archive


@pytest.mark.parametrize("by", ["line_user_id", "reference"])
def test_the_command_exports_everything_held_about_a_reporter(reported, admin_user, tmp_path, by):
    key = reported.reporter.line_user_id if by == "line_user_id" else reported.reference.lower()
    out = tmp_path / "subject.zip"
    call_command("subject_export", key, "--out", str(out), "--by", "boss")
    data, archive = unzip(out.read_bytes())
    assert data["reporter"]["display_name"] == reported.reporter.display_name
    assert data["reporter"]["phone"] == "0812345678"
    assert [c["reference"] for c in data["cases"]] == [reported.reference]
    assert data["cases"][0]["description"] == "สามีขู่จะทำร้าย"
    assert [m["text"] for m in data["messages"]] == ["ช่วยด้วย"]
    [photo] = data["photos"]
    # The photo as ESS holds it (re-encoded on receipt, without EXIF: incidents.files).
    with Attachment.objects.get().file.open("rb") as held:
        assert archive.read(photo["file"]) == held.read()
    entry = AccessLog.objects.get()
    assert (entry.field, entry.user, entry.reference) == (Field.SUBJECT_EXPORT, admin_user, reported.reference)
    assert SubjectRequest.objects.get().kind == SubjectRequest.Kind.EXPORT


def test_the_command_refuses_an_unknown_key(db, tmp_path, english):
    with pytest.raises(CommandError, match="No reporter"):
        call_command("subject_export", "U" + "0" * 32, "--out", str(tmp_path / "x.zip"))


def test_erasure_is_refused_while_a_case_is_open_or_on_legal_hold(reported, supervisor_bkk, english):
    key = reported.reporter.line_user_id
    with pytest.raises(CommandError, match=reported.reference):
        call_command("subject_erase", key, "--reason", "ขอทางอีเมล")
    close(reported)
    holds.place_legal_hold(reported, supervisor_bkk, "ตำรวจขอหลักฐาน")
    with pytest.raises(CommandError, match="legal hold"):
        call_command("subject_erase", key, "--reason", "ขอทางอีเมล")
    assert Reporter.objects.filter(line_user_id=key).exists() and Attachment.objects.exists()
    assert not SubjectRequest.objects.exists()


def test_erasure_deletes_the_reporter_and_keeps_the_case_anonymous(
    reported, admin_user, django_capture_on_commit_callbacks, english
):
    close(reported)
    reporter = reported.reporter
    Reporter.objects.filter(pk=reporter.pk).update(false_report_count=1)
    photo = Path(Attachment.objects.get().file.path)
    with pytest.raises(CommandError, match="reason"):
        call_command("subject_erase", reporter.line_user_id, "--reason", " ")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("subject_erase", reporter.line_user_id, "--reason", "ขอทางโทรศัพท์ 29 พ.ย.", "--by", "boss")

    assert not Reporter.objects.filter(pk=reporter.pk).exists()
    assert not Message.objects.exists() and not Attachment.objects.exists() and not photo.exists()
    case = Incident.objects.get(pk=reported.pk)
    assert case.reporter_id is None and case.description != "สามีขู่จะทำร้าย"
    assert (case.category, case.province_code, case.status) == (reported.category, "10", Status.CLOSED)
    assert "ช่วยด้วย" not in str(list(case.events.values_list("data", flat=True)))
    request = SubjectRequest.objects.get()
    assert (request.kind, request.reason, request.user, request.references) == (
        SubjectRequest.Kind.ERASE,
        "ขอทางโทรศัพท์ 29 พ.ย.",
        admin_user,
        [reported.reference],
    )
    assert StrikeFingerprint.objects.get().false_report_count == 1


def test_the_admin_exports_and_erases_with_a_reason(reported, admin_user):
    admin = Client()
    admin.login(request=HttpRequest(), username="boss", password=PASSWORD)
    url = "/admin/incidents/reporter/"
    response = admin.post(url, {"action": "export_subject", "_selected_action": [reported.reporter_id]})
    assert response["Content-Type"] == "application/zip"
    data, _ = unzip(response.content)
    assert data["reporter"]["line_user_id"] == reported.reporter.line_user_id
    assert AccessLog.objects.get().field == Field.SUBJECT_EXPORT

    ask = admin.post(url, {"action": "erase_on_request", "_selected_action": [reported.reporter_id]})
    assert 'name="reason"' in ask.content.decode()
    refused = admin.post(
        url,
        {"action": "erase_on_request", "_selected_action": [reported.reporter_id], "confirm": "yes", "reason": "x"},
        follow=True,
    )
    assert reported.reference in refused.content.decode()  # still open
    close(reported)
    admin.post(
        url,
        {"action": "erase_on_request", "_selected_action": [reported.reporter_id], "confirm": "yes", "reason": "ขอ"},
    )
    assert not Reporter.objects.filter(pk=reported.reporter_id).exists()
    assert SubjectRequest.objects.filter(kind="erase", user=admin_user, reason="ขอ").exists()
