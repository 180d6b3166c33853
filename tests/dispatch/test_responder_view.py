from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.http import HttpRequest
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dispatch.assignments import Pick, do_assign
from dispatch.models import Assignment, AssignmentStatus, Responder
from incidents.models import Attachment, Incident, Message, Status
from tests.conftest import PASSWORD
from tests.factories import make_incident

pytestmark = pytest.mark.django_db
A = AssignmentStatus


@pytest.fixture
def bkk_case(agencies, operator):
    incident = make_incident(description="สามีขู่จะทำร้าย กำลังทุบประตู")
    [a] = do_assign(incident, [Pick(agencies["bkk"])], actor=operator)
    return incident, a


@pytest.fixture
def phone(client, responder_bkk):
    client.login(request=HttpRequest(), username="resp_bkk", password=PASSWORD)
    return client


@pytest.fixture
def outsider(client, responder_cm):
    client.login(request=HttpRequest(), username="resp_cm", password=PASSWORD)
    return client


def test_it_lists_my_agencys_open_assignments_by_priority_then_age(phone, agencies, operator, bkk_case):
    incident, _ = bkk_case  # P2, received now
    newer = make_incident(address="ซอยจุฬา 12")  # P2, assigned later
    do_assign(newer, [Pick(agencies["bkk"])], actor=operator)
    urgent = make_incident(priority=1, received_at=timezone.now() - timedelta(minutes=1))  # P1, newest
    do_assign(urgent, [Pick(agencies["bkk"])], actor=operator)
    older = make_incident(received_at=timezone.now() - timedelta(hours=1))  # P2, waited longest
    do_assign(older, [Pick(agencies["bkk"])], actor=operator)
    other = make_incident(province_code="50", district_code="5001", latitude=18.79, longitude=98.98)
    do_assign(other, [Pick(agencies["cm"])], actor=operator)

    page = phone.get("/responder/").content.decode()
    order = [urgent, older, incident, newer]
    positions = [page.index(f'data-reference="{c.reference}"') for c in order]
    assert positions == sorted(positions)
    assert other.reference not in page
    assert "สามีขู่จะทำร้าย กำลังทุบประตู" in page
    assert "geo:13.746600,100.534700" in page and "openstreetmap.org/?mlat=13.746600" in page
    assert 'data-step="acknowledged"' in page and 'data-step="declined"' in page


def test_it_takes_the_responder_through_every_step_to_completion(phone, bkk_case, responder_bkk):
    incident, a = bkk_case
    for step in ("acknowledged", "en_route", "on_scene"):
        response = phone.post(f"/responder/assignments/{a.pk}/{step}/")
        assert response.status_code == 302
        assert Assignment.objects.get(pk=a.pk).status == step
        assert Incident.objects.get(pk=incident.pk).status == step
    phone.post(f"/responder/assignments/{a.pk}/completed/", {"outcome": ""}, follow=True)
    assert Assignment.objects.get(pk=a.pk).status == A.ON_SCENE  # an outcome note is required
    phone.post(f"/responder/assignments/{a.pk}/completed/", {"outcome": "แยกคู่กรณี ผู้เสียหายปลอดภัย"})
    incident.refresh_from_db()
    assert incident.status == Status.RESOLVED and "ผู้เสียหายปลอดภัย" in incident.outcome
    assert Assignment.objects.get(pk=a.pk).responder == Responder.objects.get(user=responder_bkk)
    page = phone.get("/responder/").content.decode()
    # Gone from the open list, shown under "done today" with its outcome.
    assert f'data-reference="{incident.reference}"' not in page
    assert f'data-done="{incident.reference}"' in page and "ผู้เสียหายปลอดภัย" in page


def test_a_completed_case_is_confirmed_and_listed_as_done_today_only_for_today(phone, bkk_case, agencies, operator):
    incident, a = bkk_case
    for step in ("acknowledged", "en_route", "on_scene"):
        phone.post(f"/responder/assignments/{a.pk}/{step}/")
    page = phone.post(
        f"/responder/assignments/{a.pk}/completed/", {"outcome": "ส่งตัวไปบ้านพักเด็ก"}, follow=True
    ).content.decode()
    assert f"{incident.reference} ปิดงานแล้ว" in page  # the confirmation
    yesterday = make_incident()
    [old] = do_assign(yesterday, [Pick(agencies["bkk"])], actor=operator)
    Assignment.objects.filter(pk=old.pk).update(
        status=A.COMPLETED, completed_at=timezone.now() - timedelta(days=1, hours=1)
    )
    page = phone.get("/responder/").content.decode()
    assert f'data-done="{incident.reference}"' in page and f'data-done="{yesterday.reference}"' not in page


def test_a_pending_assignment_counts_down_to_its_acknowledgement_deadline(phone, bkk_case, settings):
    settings.ACK_DEADLINE_MINUTES = {1: 5, 2: 15, 3: 30}
    _incident, a = bkk_case
    page = phone.get("/responder/").content.decode()
    due = a.assigned_at + timedelta(minutes=15)  # P2
    assert f'data-ack-due="{int(due.timestamp())}"' in page
    phone.post(f"/responder/assignments/{a.pk}/acknowledged/")
    assert "data-ack-due" not in phone.get("/responder/").content.decode()


def test_taps_sent_by_the_phones_script_get_json_and_a_refusal_is_409(phone, bkk_case):
    _incident, a = bkk_case
    url = f"/responder/assignments/{a.pk}/acknowledged/"
    answer = phone.post(url, headers={"X-Requested-With": "fetch"})
    assert (answer.status_code, answer.json()["status"]) == (200, "acknowledged")
    again = phone.post(url, headers={"X-Requested-With": "fetch"})  # replayed: already done
    assert again.status_code == 409 and again.json()["ok"] is False
    assert Assignment.objects.get(pk=a.pk).status == A.ACKNOWLEDGED


def test_the_app_manifest_and_service_worker(client):
    manifest = client.get("/responder/manifest.webmanifest")
    assert manifest["Content-Type"] == "application/manifest+json"
    data = manifest.json()
    assert (data["start_url"], data["scope"], data["display"]) == ("/responder/", "/responder/", "standalone")
    assert {"192x192", "512x512"} <= {i["sizes"] for i in data["icons"]}
    sw = client.get("/responder/sw.js")
    assert sw["Content-Type"].startswith("application/javascript")
    body = sw.content.decode()
    assert "/static/css/ess.css" in body and "/static/js/responder.js" in body


def test_it_shows_what_the_reporter_typed_but_not_who_they_are(phone, bkk_case):
    incident, _ = bkk_case
    Message.objects.create(
        reporter=incident.reporter,
        incident=incident,
        direction=Message.Direction.IN,
        kind=Message.Kind.TEXT,
        text="อยู่ชั้น 3 ห้อง 305",
    )
    Message.objects.create(
        reporter=incident.reporter,
        incident=incident,
        direction=Message.Direction.OUT,
        kind=Message.Kind.TEXT,
        text="ข้อความจากเจ้าหน้าที่",
    )
    page = phone.get("/responder/").content.decode()
    assert "อยู่ชั้น 3 ห้อง 305" in page
    assert "ข้อความจากเจ้าหน้าที่" not in page
    assert incident.reporter.display_name not in page and incident.reporter.line_user_id not in page


def test_it_shows_the_other_agencies_on_a_joint_case(phone, agencies, operator):
    from dispatch.models import Agency, AgencyArea, AgencyKind

    pmj = Agency.objects.create(
        code="bkk-pmj", name="พม.กรุงเทพ", kind=AgencyKind.PROVINCIAL_MSDHS, province_code="10", phone="02-354-3388"
    )
    AgencyArea.objects.create(agency=pmj, province_code="10")
    do_assign(make_incident(), [Pick(agencies["bkk"]), Pick(pmj)], actor=operator)
    page = phone.get("/responder/").content.decode()
    assert "พม.กรุงเทพ" in page and 'href="tel:02-354-3388"' in page


def test_it_needs_a_reason_to_decline(phone, bkk_case):
    _, a = bkk_case
    page = phone.post(f"/responder/assignments/{a.pk}/declined/", {"reason": ""}, follow=True).content.decode()
    assert Assignment.objects.get(pk=a.pk).status == A.PENDING
    assert "reason" in page.lower() or "เหตุผล" in page
    phone.post(f"/responder/assignments/{a.pk}/declined/", {"reason": "ไม่มีกำลังพลว่าง"})
    assert Assignment.objects.get(pk=a.pk).status == A.DECLINED


def test_it_never_shows_or_lets_an_outsider_act_on_another_agencys_case(outsider, bkk_case):
    incident, a = bkk_case
    assert incident.reference not in outsider.get("/responder/").content.decode()
    assert incident.reference not in outsider.get("/responder/assignments/").content.decode()
    for step in ("acknowledged", "declined"):
        assert outsider.post(f"/responder/assignments/{a.pk}/{step}/", {"reason": "x"}).status_code == 404
    assert Assignment.objects.get(pk=a.pk).status == A.PENDING
    assert outsider.get(f"/console/cases/{incident.pk}/dispatch/").status_code == 403


def test_it_shows_the_reporters_photos_only_to_the_assigned_agency(
    phone, bkk_case, responder_cm, settings, tmp_path, client
):
    settings.MEDIA_ROOT = tmp_path
    incident, _ = bkk_case
    photo = Attachment(incident=incident, content_type="image/jpeg", size=4)
    photo.file.save("door.jpg", ContentFile(b"\xff\xd8\xff\xe0"), save=True)

    phone_page = phone.get("/responder/").content.decode()
    assert reverse("responder:photo", args=[photo.pk]) in phone_page
    response = phone.get(reverse("responder:photo", args=[photo.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"\xff\xd8\xff\xe0"

    client.logout()
    client.login(request=HttpRequest(), username="resp_cm", password=PASSWORD)
    assert client.get(reverse("responder:photo", args=[photo.pk])).status_code == 404


def test_it_refuses_the_responder_view_to_operators(client, operator):
    client.login(request=HttpRequest(), username="op", password=PASSWORD)
    assert client.get("/responder/").status_code == 403


def test_it_records_the_shared_position_and_the_shift(phone, responder_bkk):
    assert phone.post("/responder/position/", {"latitude": "13.75", "longitude": "100.53"}).json() == {"ok": True}
    responder = Responder.objects.get(user=responder_bkk)
    assert (responder.last_latitude, responder.last_longitude) == (13.75, 100.53) and responder.last_position_at
    assert phone.post("/responder/position/", {"latitude": "north"}).status_code == 400
    phone.post("/responder/duty/", {"on_duty": "1"})
    assert Responder.objects.get(user=responder_bkk).on_duty
    phone.post("/responder/duty/", {"on_duty": "0"})
    assert not Responder.objects.get(user=responder_bkk).on_duty


def test_it_lists_many_assignments_in_a_fixed_number_of_queries(phone, agencies, operator, bkk_case):
    with CaptureQueriesContext(connection) as one:
        phone.get("/responder/assignments/")
    for _ in range(4):
        do_assign(make_incident(), [Pick(agencies["bkk"])], actor=operator)
    with CaptureQueriesContext(connection) as five:
        page = phone.get("/responder/assignments/").content.decode()
    assert page.count("<article") == 5
    assert len(five.captured_queries) == len(one.captured_queries)


def _address_of(page: str, incident) -> str:
    card = page[page.index(f'data-reference="{incident.reference}"') :]
    return card[card.index('<p class="address">') : card.index("</p>", card.index('<p class="address">'))]


def test_the_card_names_the_district_and_province_once(phone, agencies, operator):
    named = make_incident()
    district, province = named.district_name, named.province_name
    assert district and province
    named.address = f"ซอยสุขุมวิท 39 {district} {province} 10110"
    named.save(update_fields=["address"])
    bare = make_incident(address="ซอยจุฬา 12")
    for incident in (named, bare):
        do_assign(incident, [Pick(agencies["bkk"])], actor=operator)

    page = phone.get("/responder/").content.decode()
    assert _address_of(page, named).count(district) == 1
    assert _address_of(page, named).count(province) == 1
    # An address that does not name them still gets them, from the case's codes.
    assert district in _address_of(page, bare) and province in _address_of(page, bare)
