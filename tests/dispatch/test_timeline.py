from datetime import timedelta

import pytest
from django.utils import translation

from dispatch.assignments import Pick, do_assign, do_decline, do_reassign
from dispatch.deadlines import check_deadlines
from dispatch.models import Agency, AgencyArea, AgencyKind
from dispatch.timeline import describe
from tests.factories import make_incident

pytestmark = pytest.mark.django_db


def _lines(incident):
    with translation.override("en"):
        return [describe(e) for e in incident.events.order_by("id")]


def test_it_describes_every_dispatch_event_and_leaves_other_kinds_alone(agencies, operator):
    pmj = Agency.objects.create(code="bkk-pmj", name="พม.กรุงเทพ", kind=AgencyKind.PROVINCIAL_MSDHS, province_code="10")
    AgencyArea.objects.create(agency=pmj, province_code="10")
    incident = make_incident()
    [a] = do_assign(incident, [Pick(agencies["bkk"])], actor=operator)
    check_deadlines(a.assigned_at + timedelta(minutes=20))
    new = do_reassign(a, Pick(pmj), "เรื่องคุ้มครองเด็ก", actor=operator)
    do_decline(new, "ไม่มีเจ้าหน้าที่", actor=operator)
    lines = _lines(incident)
    assert lines[0] is None  # "created" is the console's
    mine = [line for line in lines if line]
    assert "Assigned to สน.ปทุมวัน" in mine
    assert any("ALERT (level 1): สน.ปทุมวัน has not acknowledged after 15 minutes" in x for x in mine)
    assert any("handed the case on to bkk-pmj: เรื่องคุ้มครองเด็ก" in x for x in mine)
    assert any(x.startswith("ALERT: พม.กรุงเทพ declined: ไม่มีเจ้าหน้าที่") for x in mine)
    assert any("พม.กรุงเทพ: Waiting for acknowledgement → Declined" in x for x in mine)
    assert any(x.startswith("The reporter was told: Dispatched") for x in mine)


def test_every_event_kind_has_its_one_line_in_the_registry():
    from incidents.models import EventKind
    from incidents.timeline import DESCRIBERS

    assert set(EventKind.values) == set(DESCRIBERS)
