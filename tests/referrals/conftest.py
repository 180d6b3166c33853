"""A resolved Bangkok case with a child involved, and the agencies that may own its follow-up."""

import pytest

from dispatch.models import Agency, AgencyArea, AgencyKind
from dispatch.staff import ensure_staff
from ess.models import Role
from incidents.actions import do_set_flags, do_transition
from incidents.models import Status
from tests.conftest import PASSWORD
from tests.factories import make_incident


@pytest.fixture
def followup_agencies(agencies):
    pmj = Agency.objects.create(
        code="bkk-pmj", name="พมจ.กรุงเทพมหานคร", kind=AgencyKind.PROVINCIAL_MSDHS, province_code="10"
    )
    AgencyArea.objects.create(agency=pmj, province_code="10")
    shelter = Agency.objects.create(
        code="bkk-shelter", name="บ้านพักเด็กและครอบครัวกรุงเทพฯ", kind=AgencyKind.SHELTER, province_code="10"
    )
    return {**agencies, "pmj": pmj, "shelter": shelter}


@pytest.fixture
def pmj_worker(followup_agencies):
    return ensure_staff("pmj_worker", role=Role.RESPONDER, password=PASSWORD, agency_code="bkk-pmj").user


def resolved_case(flags=("child",), **kwargs):
    case = make_incident(**kwargs)
    if flags:
        do_set_flags(case, dict.fromkeys(flags, True))
    do_transition(case.pk, Status.TRIAGED)
    return do_transition(case.pk, Status.RESOLVED)


@pytest.fixture
def child_case(db):
    return resolved_case()
