"""The EIDD-like export of one case: type from the code list, location, milestones, agencies, notes."""

import pytest

from api import eidd
from dispatch.models import Assignment, AssignmentStatus
from incidents import actions
from incidents.models import Category, Status
from tests.api.conftest import bearer
from tests.factories import make_incident


def test_it_exports_a_case_for_hand_off(client, tokens, agencies):
    case = make_incident(category=Category.CONFINEMENT)
    actions.do_transition(case, Status.TRIAGED, data={"comment": "ถูกขังในห้อง"})
    Assignment.objects.create(incident=case, agency=agencies["bkk"], status=AssignmentStatus.ACKNOWLEDGED)
    actions.do_transition(case, Status.DISPATCHED)
    record = client.get(f"/api/cases/{case.reference}/eidd", **bearer(tokens["operator"].secret)).json()
    incident = record["incident"]
    assert record["format"] == eidd.FORMAT
    assert incident["trackingId"].endswith(case.reference)
    assert incident["type"] == {
        "codeList": eidd.INCIDENT_TYPE_CODE_LIST,
        "code": "ESS-CONFINE",
        "label": "Unlawful restraint / kidnapping",
        "essCategory": "confinement",
    }
    assert incident["state"]["code"] == "dispatched"
    assert incident["location"]["point"]["coordinates"] == [case.longitude, case.latitude]
    assert incident["location"]["civicAddress"]["provinceCode"] == "10"
    assert [m["name"] for m in incident["milestones"]] == ["callReceived", "triaged", "dispatched"]
    (agency,) = incident["agencies"]
    assert (agency["id"], agency["status"], agency["kind"]) == ("bkk-police", "acknowledged", "police")
    assert [n["text"] for n in incident["notes"]] == ["ถูกขังในห้อง"]


def test_every_category_and_status_has_a_code():
    assert set(eidd.INCIDENT_TYPES) == set(Category.values)
    assert set(eidd.STATES) == set(Status.values)
    codes = [code for code, _ in eidd.INCIDENT_TYPES.values()]
    assert len(codes) == len(set(codes))


@pytest.mark.parametrize("who", ["resp_bkk", "resp_cm"])
def test_a_responder_exports_only_its_own_agencys_part(client, tokens, agencies, who):
    case = make_incident()
    Assignment.objects.create(incident=case, agency=agencies["bkk"])
    Assignment.objects.create(incident=case, agency=agencies["cm"])
    record = client.get(f"/api/cases/{case.reference}/eidd", **bearer(tokens[who].secret)).json()
    assert [a["id"] for a in record["incident"]["agencies"]] == [{"resp_bkk": "bkk-police", "resp_cm": "cm-pmj"}[who]]
