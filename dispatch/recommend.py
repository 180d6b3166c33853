"""Who should go: for each agency kind the routing rules ask for, the agencies covering the case's area,
and their on-duty responders ranked by straight-line distance and current load, with a rough ETA.

Plain data out (dataclasses); the dispatch panel renders it and tests assert on it.
"""

import math
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from dispatch import routing
from dispatch.models import ACTIVE_ASSIGNMENT_STATUSES, Agency, AgencyKind, Responder
from incidents.models import Incident

# A rough urban average with lights and traffic; an ETA is for ordering and for the operator's
# expectation, not a promise.
AVERAGE_SPEED_KMH = 30.0
# One open assignment counts like this many extra kilometres: a free responder a little further away
# is usually sooner on scene than a busy one next door.
LOAD_PENALTY_KM = 3.0


def distance_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle (haversine) distance."""
    r = 6371.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def eta_minutes(km: float | None) -> int | None:
    if km is None:
        return None
    return max(1, round(km / AVERAGE_SPEED_KMH * 60))


@dataclass
class ResponderOption:
    responder: Responder
    load: int
    distance_km: float | None
    eta_minutes: int | None
    from_last_position: bool

    @property
    def score(self) -> float:
        # Unknown distance sorts after every known one, by load.
        return (self.distance_km if self.distance_km is not None else 10_000.0) + self.load * LOAD_PENALTY_KM


@dataclass
class AgencyOption:
    agency: Agency
    covers_district: bool  # the agency covers the case's district itself, not only the whole province
    load: int
    distance_km: float | None
    eta_minutes: int | None
    responders: list[ResponderOption] = field(default_factory=list)
    off_duty: int = 0
    already_assigned: bool = False


@dataclass
class KindRecommendation:
    kind: str
    reasons: list[str]
    agencies: list[AgencyOption]
    required: bool = True

    @property
    def label(self) -> str:
        return AgencyKind(self.kind).label

    @property
    def uncovered(self) -> bool:
        return not self.agencies


@dataclass
class Recommendation:
    incident: Incident
    kinds: list[KindRecommendation]
    problem: str = ""  # a plain sentence when nothing can be recommended


def covering_agencies(incident: Incident, kind: str | None = None):
    """Active agencies whose areas include the case's district (or its whole province), and the national
    ones (the same rule as Agency.covers, which the assign functions enforce)."""
    area = Q(areas__province_code=incident.province_code) & (
        Q(areas__district_code="") | Q(areas__district_code=incident.district_code or "-")
    )
    qs = Agency.objects.filter(area | Q(is_national=True), is_active=True)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.distinct()


def _rank_responders(agency: Agency, incident: Incident) -> tuple[list[ResponderOption], int]:
    responders = (
        Responder.objects.filter(agency=agency)
        .select_related("user")
        .annotate(load=Count("assignments", filter=Q(assignments__status__in=ACTIVE_ASSIGNMENT_STATUSES)))
    )
    options, off_duty = [], 0
    for r in responders:
        if not r.on_duty:
            off_duty += 1
            continue
        if r.last_latitude is not None and r.last_longitude is not None:
            lat, lng, from_last = r.last_latitude, r.last_longitude, True
        else:
            lat, lng, from_last = agency.latitude, agency.longitude, False
        km = _distance_to(incident, lat, lng)
        options.append(ResponderOption(r, r.load, km, eta_minutes(km), from_last))
    options.sort(key=lambda o: (o.score, o.responder.pk))
    return options, off_duty


def _distance_to(incident: Incident, lat: float | None, lng: float | None) -> float | None:
    if None in (incident.latitude, incident.longitude, lat, lng):
        return None
    return round(distance_km(incident.latitude, incident.longitude, lat, lng), 1)


def _kind_options(incident: Incident, kind: str, assigned: set[int]) -> list[AgencyOption]:
    agencies = covering_agencies(incident, kind).annotate(
        load=Count("assignments", filter=Q(assignments__status__in=ACTIVE_ASSIGNMENT_STATUSES), distinct=True)
    )
    options = []
    for agency in agencies:
        covers_district = (
            bool(incident.district_code)
            and agency.areas.filter(province_code=incident.province_code, district_code=incident.district_code).exists()
        )
        km = _distance_to(incident, agency.latitude, agency.longitude)
        responders, off_duty = _rank_responders(agency, incident)
        options.append(
            AgencyOption(
                agency, covers_district, agency.load, km, eta_minutes(km), responders, off_duty, agency.pk in assigned
            )
        )
    options.sort(
        key=lambda o: (
            not o.covers_district,
            o.distance_km if o.distance_km is not None else 1e9,
            o.load,
            o.agency.name,
        )
    )
    return options


def recommend(incident: Incident, *, include_others: bool = True) -> Recommendation:
    """For each kind the rules ask for, the covering agencies best first: those covering the district
    itself before province-wide ones, then nearest, then least loaded; each with its on-duty responders
    ranked. With `include_others`, kinds the rules did not ask for follow (required=False) when some
    agency of theirs covers the area, so the operator can add them by hand."""
    if not incident.province_code:
        return Recommendation(incident, [], _("The case has no province yet: set its location first."))
    reasons = routing.reasons(incident)
    required = routing.required_kinds(incident)
    assigned = set(
        incident.assignments.filter(status__in=ACTIVE_ASSIGNMENT_STATUSES).values_list("agency_id", flat=True)
    )
    out = [
        KindRecommendation(kind, reasons.get(kind, []), _kind_options(incident, kind, assigned)) for kind in required
    ]
    problem = ""
    if not required:
        problem = _("No routing rule matches this case (is its category set?): choose agencies by hand.")
    elif all(k.uncovered for k in out):
        problem = _("No agency covers this area (%(area)s). Call the province or refer the case.") % {
            "area": incident.district_name or incident.province_name
        }
    if include_others:
        for kind in AgencyKind.values:
            if kind not in required:
                options = _kind_options(incident, kind, assigned)
                if options:
                    out.append(KindRecommendation(kind, [], options, required=False))
    return Recommendation(incident, out, problem)
