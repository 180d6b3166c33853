"""Every read of a reporter's personal data leaves exactly one entry in the append-only access log, on
every route; supervisors read their provinces' part of it, administrators all of it."""

import csv
import io

import pytest
from django.http import HttpRequest
from django.test import Client

from api.tokens import issue_token
from ess.models import Role
from incidents.line.inbox import store
from incidents.models import LineEvent
from privacy.models import AccessLog, AppendOnly, Field
from tests.conftest import PASSWORD
from tests.factories import make_incident

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.login(request=HttpRequest(), username=user.username, password=PASSWORD)
    return client


def only_entry() -> AccessLog:
    [entry] = AccessLog.objects.all()
    return entry


def test_it_logs_the_console_panel_once(operator, case_with_photo):
    case, _ = case_with_photo
    assert logged_in(operator).get(f"/console/case/{case.pk}/").status_code == 200
    entry = only_entry()
    assert (entry.user, entry.role, entry.field, entry.reference) == (
        operator,
        Role.OPERATOR,
        Field.CONVERSATION,
        case.reference,
    )
    assert (entry.route, entry.province_code, entry.reporter_id) == ("console:case", "10", case.reporter_id)


def test_it_logs_the_identity_reveal_once_and_keeps_the_timeline_record(operator, case_with_photo):
    case, _ = case_with_photo
    page = logged_in(operator).post(f"/console/case/{case.pk}/reporter/").content.decode()
    assert case.reporter.display_name in page
    entry = only_entry()
    assert (entry.field, entry.route) == (Field.IDENTITY, "console:reveal_reporter")
    assert case.events.filter(kind="identity_viewed", actor=operator).count() == 1


@pytest.mark.parametrize(("query", "field"), [("", Field.PHOTO), ("?thumb=1", Field.THUMBNAIL)])
def test_it_logs_a_photo_and_a_thumbnail_once(operator, case_with_photo, query, field):
    case, photo = case_with_photo
    assert logged_in(operator).get(f"/attachments/{photo.pk}/{query}").status_code == 200
    entry = only_entry()
    assert (entry.field, entry.attachment_id, entry.reference, entry.route) == (
        field,
        photo.pk,
        case.reference,
        "line:attachment",
    )


def test_a_refused_photo_leaves_no_entry(supervisor_cm, case_with_photo):
    _, photo = case_with_photo
    assert logged_in(supervisor_cm).get(f"/attachments/{photo.pk}/").status_code == 404
    assert not AccessLog.objects.exists()


def test_it_logs_the_responder_list_and_photo_once_each(responder_bkk, case_with_photo):
    case, photo = case_with_photo
    phone = logged_in(responder_bkk)
    assert phone.get("/responder/").status_code == 200
    entry = only_entry()
    assert (entry.user, entry.field, entry.reference, entry.route) == (
        responder_bkk,
        Field.CONVERSATION,
        case.reference,
        "responder:home",
    )
    AccessLog.objects.all()._raw_delete(AccessLog.objects.db)  # (a test may clean up; code may not)
    assert phone.get(f"/responder/photos/{photo.pk}/").status_code == 200
    assert (only_entry().field, only_entry().attachment_id) == (Field.PHOTO, photo.pk)


def test_it_logs_the_apis_include_reporter_with_the_token(agencies, case_with_photo):
    case, _ = case_with_photo
    secret = issue_token("ministry", role=Role.OPERATOR, provinces=()).secret
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get(f"/api/cases/{case.reference}").status_code == 200
    assert not AccessLog.objects.exists()  # no reporter in the answer, nothing to log
    assert api.get(f"/api/cases/{case.reference}?include_reporter=true").json()["reporter"]
    entry = only_entry()
    assert (entry.field, entry.token, entry.route, entry.reference) == (
        Field.IDENTITY,
        "ministry",
        "api:case_detail",
        case.reference,
    )


def test_it_logs_an_api_photo_once(agencies, case_with_photo):
    case, photo = case_with_photo
    secret = issue_token("ministry", role=Role.OPERATOR, provinces=()).secret
    response = Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get(f"/api/cases/{case.reference}/attachments/{photo.pk}")
    assert response.status_code == 200
    assert (only_entry().field, only_entry().token, only_entry().attachment_id) == (Field.PHOTO, "ministry", photo.pk)


def test_it_logs_the_admin_reporter_page_once_and_the_list_shows_no_identity(admin_user, case_with_photo):
    case, _ = case_with_photo
    admin = logged_in(admin_user)
    listing = admin.get("/admin/incidents/reporter/").content.decode()
    assert case.reporter.display_name not in listing and case.reporter.line_user_id not in listing
    assert not AccessLog.objects.exists()
    page = admin.get(f"/admin/incidents/reporter/{case.reporter_id}/change/").content.decode()
    assert case.reporter.line_user_id in page
    entry = only_entry()
    assert (entry.field, entry.reporter_id, entry.province_code, entry.route) == (
        Field.RECORD,
        case.reporter_id,
        "10",
        "admin:incidents_reporter_change",
    )


def test_it_logs_the_admin_line_event_page_once(admin_user, case_with_photo):
    case, _ = case_with_photo
    user_id = case.reporter.line_user_id
    store(
        [{"webhookEventId": "01EVENT", "type": "follow", "timestamp": 1, "source": {"type": "user", "userId": user_id}}]
    )
    event = LineEvent.objects.get()
    admin = logged_in(admin_user)
    assert user_id not in admin.get("/admin/incidents/lineevent/").content.decode()
    assert user_id in admin.get(f"/admin/incidents/lineevent/{event.pk}/change/").content.decode()
    assert (only_entry().field, only_entry().reporter_id) == (Field.PAYLOAD, case.reporter_id)


def test_it_logs_an_identity_export_once_per_case(supervisor_bkk, case_with_photo):
    case, _ = case_with_photo
    client = logged_in(supervisor_bkk)
    b"".join(client.get("/dashboard/cases.csv?period=today").streaming_content)
    assert not AccessLog.objects.exists()  # no identity in it
    body = b"".join(client.get("/dashboard/cases.csv?period=today&identity=1").streaming_content).decode()
    assert case.reporter.line_user_id in body
    assert (only_entry().field, only_entry().reference, only_entry().route) == (
        Field.EXPORT,
        case.reference,
        "dashboard:export",
    )


def test_the_log_is_append_only(operator, case_with_photo, admin_user):
    case, _ = case_with_photo
    logged_in(operator).get(f"/console/case/{case.pk}/")
    entry = only_entry()
    entry.field = Field.PHOTO
    with pytest.raises(AppendOnly):
        entry.save()
    with pytest.raises(AppendOnly):
        entry.delete()
    with pytest.raises(AppendOnly):
        AccessLog.objects.all().delete()
    with pytest.raises(AppendOnly):
        AccessLog.objects.update(field=Field.PHOTO)
    admin = logged_in(admin_user)
    assert admin.get(f"/admin/privacy/accesslog/{entry.pk}/delete/").status_code == 403
    page = admin.get(f"/admin/privacy/accesslog/{entry.pk}/change/").content.decode()
    assert 'name="_save"' not in page
    assert admin.post("/admin/privacy/accesslog/", {"action": "delete_selected", "_selected_action": [entry.pk]})
    assert AccessLog.objects.count() == 1


def test_supervisors_read_their_provinces_part_and_admins_all(
    operator, supervisor_bkk, supervisor_cm, admin_user, media
):
    bkk = make_incident()
    cm = make_incident(province_code="50", district_code="5001", latitude=18.79, longitude=98.98)
    op = logged_in(operator)
    op.get(f"/console/case/{bkk.pk}/")
    op.get(f"/console/case/{cm.pk}/")
    assert logged_in(operator).get("/privacy/access/").status_code == 403
    bkk_page = logged_in(supervisor_bkk).get("/privacy/access/").content.decode()
    assert bkk.reference in bkk_page and cm.reference not in bkk_page
    cm_page = logged_in(supervisor_cm).get("/privacy/access/").content.decode()
    assert cm.reference in cm_page and bkk.reference not in cm_page
    admin = logged_in(admin_user)
    everything = admin.get("/privacy/access/").content.decode()
    assert bkk.reference in everything and cm.reference in everything
    filtered = admin.get(
        f"/privacy/access/?reference={cm.reference.lower()}&user=op&field=conversation"
    ).content.decode()
    assert cm.reference in filtered and bkk.reference not in filtered
    assert bkk.reference not in admin.get("/privacy/access/?field=photo").content.decode()


def test_the_csv_export_is_the_filtered_scoped_log(operator, supervisor_bkk, media):
    bkk = make_incident()
    cm = make_incident(province_code="50", district_code="5001", latitude=18.79, longitude=98.98)
    op = logged_in(operator)
    op.get(f"/console/case/{bkk.pk}/")
    op.get(f"/console/case/{cm.pk}/")
    response = logged_in(supervisor_bkk).get("/privacy/access.csv?user=op")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode().lstrip("\ufeff"))))
    assert rows[0][:5] == ["at", "username", "role", "token", "field"]
    assert [(r[1], r[4], r[6]) for r in rows[1:]] == [("op", "conversation", bkk.reference)]
