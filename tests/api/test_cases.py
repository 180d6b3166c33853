"""Reading cases: filters, cursor pagination in a stable order, one case with everything about it."""

from datetime import UTC, timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from dispatch.models import Assignment
from incidents import actions
from incidents.models import Attachment, Category, Incident, Status
from tests.api.conftest import bearer
from tests.factories import make_incident


@pytest.fixture
def auth(tokens):
    return bearer(tokens["operator"].secret)


def refs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [c["reference"] for c in response.json()["items"]]


def test_it_filters_by_status_category_province_and_district(client, auth):
    a = make_incident()
    b = make_incident(category=Category.CONFINEMENT, province_code="50", district_code="5001")
    c = make_incident(district_code="1001")
    actions.do_transition(c, Status.TRIAGED)
    assert refs(client.get("/api/cases?status=triaged", **auth)) == [c.reference]
    assert set(refs(client.get("/api/cases?status=triaged&status=new", **auth))) == {
        a.reference,
        b.reference,
        c.reference,
    }
    assert refs(client.get("/api/cases?category=confinement", **auth)) == [b.reference]
    assert set(refs(client.get("/api/cases?province=10", **auth))) == {a.reference, c.reference}
    assert refs(client.get("/api/cases?district=1007", **auth)) == [a.reference]


def test_it_filters_by_updated_since_in_bangkok_time_unless_told_otherwise(client, auth):
    old = make_incident()
    new = make_incident()
    Incident.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(hours=3))
    # One hour ago: read as UTC instead of Bangkok time (UTC+7), a naive value would lie in the future.
    since = timezone.localtime(timezone.now() - timedelta(hours=1))
    assert refs(client.get("/api/cases", {"updated_since": since.isoformat()}, **auth)) == [new.reference]
    naive_bangkok = since.replace(tzinfo=None).isoformat()
    assert refs(client.get("/api/cases", {"updated_since": naive_bangkok}, **auth)) == [new.reference]
    utc_z = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert refs(client.get("/api/cases", {"updated_since": utc_z}, **auth)) == [new.reference]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("updated_since=yesterday", "updated_since"),
        ("updated_since=1700000000", "updated_since"),
        ("cursor=bm9wZQ", "cursor"),
        ("status=open", "status"),
        ("province=Bangkok", "province"),
        ("limit=0", "limit"),
    ],
)
def test_it_names_the_field_of_bad_input(client, auth, query, field):
    response = client.get(f"/api/cases?{query}", **auth)
    assert response.status_code == 422
    assert response.json()["field"].split(".")[0] == field  # e.g. "status.0": the first status given


def test_it_pages_with_a_cursor_in_a_stable_order_without_losing_a_case(client, auth):
    cases = [make_incident() for _ in range(7)]
    seen, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        body = client.get("/api/cases", params, **auth).json()
        seen += [c["reference"] for c in body["items"]]
        if len(seen) == 3:
            # A case changed while the reader pages comes again at the end, never skipped.
            actions.do_transition(cases[0], Status.TRIAGED)
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [c.reference for c in cases] + [cases[0].reference]


def test_it_gives_one_case_with_timeline_assignments_and_attachments(client, auth, agencies, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = make_incident()
    actions.do_transition(case, Status.TRIAGED)
    Assignment.objects.create(incident=case, agency=agencies["bkk"])
    photo = Attachment(incident=case, content_type="image/jpeg", size=4)
    photo.file.save("pin.jpg", ContentFile(b"\xff\xd8\xff\xe0"), save=True)
    body = client.get(f"/api/cases/{case.reference}", **auth).json()
    assert body["status"] == "triaged"
    assert [e["kind"] for e in body["timeline"]] == ["created", "status"]
    assert body["timeline"][1]["to_status"] == "triaged"
    assert [a["agency"] for a in body["assignments"]] == ["bkk-police"]
    assert body["province_name"] and body["district_name"]
    (attachment,) = body["attachments"]
    download = client.get(attachment["url"].removeprefix("http://testserver"), **auth)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"\xff\xd8\xff\xe0"
    # Four bytes that only claim to be a JPEG go out as a download (tests/security/test_files.py).
    assert download["Content-Type"] == "application/octet-stream"
    # The file needs the same right as the case: another case's URL does not reach it.
    other = make_incident()
    assert client.get(f"/api/cases/{other.reference}/attachments/{photo.pk}", **auth).status_code == 404
    assert client.get(attachment["url"].removeprefix("http://testserver")).status_code == 401


def test_it_answers_404_for_an_unknown_case_and_422_for_a_malformed_reference(client, auth):
    assert client.get("/api/cases/ESS-2569-999999", **auth).status_code == 404
    response = client.get("/api/cases/42", **auth)
    assert response.status_code == 422
    assert response.json()["field"] == "ref"
