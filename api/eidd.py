"""One case as an EIDD-like incident record, for handing a case over to another agency's system.

Shaped after the Emergency Incident Data Document (NENA/APCO): a tracking id, the incident type from a
named code list, the location, the time of each milestone, the agencies involved and their statuses,
and the notes. It is "EIDD-like", not a certified EIDD: the field names and code list are documented in
docs/api.md, and `codeList` names our list so a receiver can map it. Built from what the caller may see
(responders get their own agency's part only; reporter identity is never in an export).
"""

from django.utils import timezone

from api.serialize import assignment_out
from dispatch.scoping import visible_assignments, visible_events
from incidents.models import Category, Incident, Status
from referrals.export import referral_section

FORMAT = "ess-eidd-like/1"
INCIDENT_TYPE_CODE_LIST = "urn:th:go:m-society:ess:incident-type:1"
STATUS_CODE_LIST = "urn:th:go:m-society:ess:incident-status:1"

# ESS category → (code, the common incident type a receiving CAD would file it under).
INCIDENT_TYPES: dict[str, tuple[str, str]] = {
    Category.THREAT: ("ESS-THREAT", "Assault / threat of assault"),
    Category.CONFINEMENT: ("ESS-CONFINE", "Unlawful restraint / kidnapping"),
    Category.SEXUAL_ABUSE_RISK: ("ESS-SEXRISK", "Sexual assault (risk of)"),
    Category.DERANGED_PERSON: ("ESS-FRENZY", "Person in behavioural crisis, violent"),
    Category.GANG_GATHERING: ("ESS-GATHER", "Disturbance: gang / drugs gathering"),
    Category.UNSPECIFIED: ("ESS-UNKNOWN", "Unknown (location only)"),
}

# ESS status → the EIDD-like incident state.
STATES: dict[str, str] = {
    Status.NEW: "received",
    Status.TRIAGED: "triaged",
    Status.DISPATCHED: "dispatched",
    Status.ACKNOWLEDGED: "acknowledged",
    Status.EN_ROUTE: "enroute",
    Status.ON_SCENE: "onscene",
    Status.RESOLVED: "resolved",
    Status.CLOSED: "closed",
    Status.DUPLICATE: "closed-duplicate",
    Status.FALSE_REPORT: "closed-false-report",
    Status.REFERRED: "closed-referred",
    Status.CANCELLED: "closed-cancelled",
}

MILESTONES = (
    ("callReceived", "received_at"),
    ("triaged", "triaged_at"),
    ("dispatched", "dispatched_at"),
    ("acknowledged", "acknowledged_at"),
    ("enroute", "en_route_at"),
    ("onscene", "on_scene_at"),
    ("resolved", "resolved_at"),
    ("closed", "closed_at"),
)

# Timeline data keys that hold free text an operator or responder wrote.
NOTE_KEYS = ("text", "comment", "note", "reason", "outcome")


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def notes_of(events) -> list[dict]:
    notes = []
    for event in events:
        for key in NOTE_KEYS:
            text = (event.data or {}).get(key)
            if isinstance(text, str) and text.strip():
                notes.append(
                    {
                        "time": _iso(event.created_at),
                        "author": (event.actor.get_full_name() or event.actor.get_username()) if event.actor else None,
                        "kind": event.kind,
                        "text": text.strip(),
                    }
                )
    return notes


def export_case(case: Incident, user, *, now=None) -> dict:
    code, type_label = INCIDENT_TYPES.get(case.category, INCIDENT_TYPES[Category.UNSPECIFIED])
    events = list(visible_events(user).filter(incident=case).select_related("actor").order_by("pk"))
    assignments = visible_assignments(user).filter(incident=case).select_related("agency", "responder__user")
    return {
        "format": FORMAT,
        "issued": _iso(now or timezone.now()),
        "sender": {"system": "ESS Console", "organisation": "Ministry of Social Development and Human Security"},
        "incident": {
            "trackingId": f"urn:th:go:m-society:ess:incident:{case.reference}",
            "reference": case.reference,
            "drill": case.is_drill,  # a drill's case (training mode): the receiver must not act on it
            "type": {
                "codeList": INCIDENT_TYPE_CODE_LIST,
                "code": code,
                "label": type_label,
                "essCategory": case.category,
            },
            "state": {"codeList": STATUS_CODE_LIST, "code": STATES[case.status], "essStatus": case.status},
            "priority": case.priority,
            "referredTo": case.referred_to or None,
            "duplicateOf": case.duplicate_of.reference if case.duplicate_of_id else None,
            "flags": case.flags or {},
            "description": case.description,
            "location": {
                "point": (
                    {"type": "Point", "coordinates": [case.longitude, case.latitude], "crs": "EPSG:4326"}
                    if case.latitude is not None and case.longitude is not None
                    else None
                ),
                "civicAddress": {
                    "country": "TH",
                    "text": case.address,
                    "provinceCode": case.province_code or None,
                    "province": case.province_name or None,
                    "districtCode": case.district_code or None,
                    "district": case.district_name or None,
                },
                "outsideThailand": case.outside_thailand,
            },
            "milestones": [
                {"name": name, "time": _iso(getattr(case, field))} for name, field in MILESTONES if getattr(case, field)
            ],
            "agencies": [
                {
                    "id": a["agency"],
                    "name": a["agency_name"],
                    "kind": assignment.agency.kind,
                    "status": a["status"],
                    "responder": a["responder"],
                    "times": {
                        k: _iso(a[k])
                        for k in (
                            "assigned_at",
                            "acknowledged_at",
                            "en_route_at",
                            "on_scene_at",
                            "completed_at",
                            "ended_at",
                        )
                        if a[k]
                    },
                    "reason": a["reason"] or None,
                    "outcome": a["outcome"] or None,
                }
                for assignment in assignments
                for a in [assignment_out(assignment)]
            ],
            "notes": notes_of(events),
            "outcome": case.outcome or None,
            # The follow-up hand-off (ส่งต่อ): who owns the follow-up, its tasks and outcome.
            "referrals": referral_section(case, user),
        },
    }
