import pytest

from dispatch.assignments import Pick, do_assign
from dispatch.models import Agency, AgencyArea, AgencyKind, Responder
from dispatch.recommend import distance_km, eta_minutes, recommend
from dispatch.staff import ensure_staff
from ess.models import Role
from incidents.models import Category
from tests.factories import make_incident

# Assertions read the English msgids; the Thai catalogue is checked in tests/ess/test_i18n.py.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

CASE = (13.7466, 100.5347)  # Pathum Wan, Bangkok (district 1007)


def _responder(username, agency, *, on_duty=True, at=None):
    user = ensure_staff(username, role=Role.RESPONDER, agency_code=agency.code).user
    Responder.objects.filter(user=user).update(
        on_duty=on_duty, last_latitude=at[0] if at else None, last_longitude=at[1] if at else None
    )
    return Responder.objects.get(user=user)


def _kind(rec, kind):
    return next(k for k in rec.kinds if k.kind == kind)


def test_it_measures_straight_line_distance_and_a_rough_eta():
    # Bangkok's Victory Monument to Siam: about 2.7 km.
    assert distance_km(13.7649, 100.5383, 13.7455, 100.5340) == pytest.approx(2.2, abs=0.3)
    assert eta_minutes(15.0) == 30
    assert eta_minutes(0.01) == 1


def test_it_ranks_on_duty_responders_by_distance_and_load(agencies):
    bkk = agencies["bkk"]
    near = _responder("near", bkk, at=(13.7470, 100.5350))  # ~50 m
    far = _responder("far", bkk, at=(13.8000, 100.5600))  # ~6.5 km
    _responder("off", bkk, on_duty=False, at=(13.7466, 100.5347))  # on the spot, but off duty
    busy = _responder("busy", bkk, at=(13.7460, 100.5340))  # ~100 m, but two open cases
    for _ in range(2):
        other = make_incident()
        do_assign(other, [Pick(bkk, busy)])
    incident = make_incident(category=Category.THREAT)

    police = _kind(recommend(incident), AgencyKind.POLICE)
    [option] = police.agencies
    assert option.agency == bkk
    assert [r.responder for r in option.responders] == [near, busy, far]
    assert option.off_duty == 1
    assert option.responders[0].distance_km == pytest.approx(0.0, abs=0.1)
    assert option.responders[1].load == 2
    assert option.responders[2].eta_minutes == pytest.approx(13, abs=2)


def test_it_falls_back_on_the_agencys_location_for_a_responder_without_a_position(agencies):
    bkk = agencies["bkk"]
    nowhere = _responder("nowhere", bkk)
    incident = make_incident()
    [option] = _kind(recommend(incident), AgencyKind.POLICE).agencies
    [r] = option.responders
    assert r.responder == nowhere and not r.from_last_position
    assert r.distance_km == option.distance_km == pytest.approx(distance_km(*CASE, 13.744, 100.53), abs=0.1)


def test_it_puts_district_agencies_before_province_wide_ones_then_nearest(agencies):
    bkk = agencies["bkk"]
    wide_near = Agency.objects.create(
        code="bkk-191", name="191", kind=AgencyKind.POLICE, province_code="10", latitude=13.7467, longitude=100.5348
    )
    AgencyArea.objects.create(agency=wide_near, province_code="10")
    district_far = Agency.objects.create(
        code="far", name="Far station", kind=AgencyKind.POLICE, province_code="10", latitude=13.85, longitude=100.60
    )
    AgencyArea.objects.create(agency=district_far, province_code="10", district_code="1007")
    elsewhere = Agency.objects.create(
        code="bangsue", name="Bang Sue", kind=AgencyKind.POLICE, province_code="10", latitude=13.80, longitude=100.53
    )
    AgencyArea.objects.create(agency=elsewhere, province_code="10", district_code="1029")
    inactive = Agency.objects.create(
        code="closed", name="Closed", kind=AgencyKind.POLICE, province_code="10", is_active=False
    )
    AgencyArea.objects.create(agency=inactive, province_code="10")

    police = _kind(recommend(make_incident()), AgencyKind.POLICE)
    assert [o.agency for o in police.agencies] == [bkk, district_far, wide_near]


def test_it_lists_each_required_kind_and_says_plainly_when_no_agency_covers_it(agencies):
    incident = make_incident(category=Category.SEXUAL_ABUSE_RISK)  # police + พมจ.; Bangkok has no พมจ. here
    rec = recommend(incident)
    assert [k.kind for k in rec.kinds if k.required] == [AgencyKind.POLICE, AgencyKind.PROVINCIAL_MSDHS]
    assert _kind(rec, AgencyKind.PROVINCIAL_MSDHS).uncovered
    assert rec.problem == ""

    nowhere = make_incident(province_code="40", district_code="4001", latitude=16.43, longitude=102.83)
    rec = recommend(nowhere)
    assert "No agency covers this area" in rec.problem
    assert all(k.uncovered for k in rec.kinds)


def test_it_asks_for_a_location_before_recommending(agencies):
    rec = recommend(make_incident(province_code="", district_code="", latitude=None, longitude=None))
    assert rec.kinds == [] and "no province" in rec.problem


def test_it_offers_covering_agencies_of_other_kinds_as_optional(agencies):
    cm = make_incident(
        category=Category.THREAT, province_code="50", district_code="5001", latitude=18.79, longitude=98.98
    )
    rec = recommend(cm)
    pmj = _kind(rec, AgencyKind.PROVINCIAL_MSDHS)
    assert not pmj.required and [o.agency for o in pmj.agencies] == [agencies["cm"]]
    assert _kind(rec, AgencyKind.POLICE).uncovered
