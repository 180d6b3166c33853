"""What the API answers and accepts. Field names are the model's where there is one."""

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from dispatch.models import AgencyKind, AssignmentStatus
from incidents.models import Category, Hotline, Language, Status

REFERENCE_PATTERN = r"^ESS-[0-9]{4}-[0-9]{6}$"
PROVINCE_PATTERN = r"^[0-9]{2}$"
DISTRICT_PATTERN = r"^[0-9]{4}$"
AGENCY_CODE_PATTERN = r"^[-a-zA-Z0-9_]{1,40}$"
MAX_ID = 2**63 - 1  # ids are 64-bit; a larger number would be a database error, not a 404


class Error(Schema):
    detail: str
    field: str | None = Field(None, description="The input field at fault, for 422.")


class AreaOut(Schema):
    province_code: str
    district_code: str


class AgencyOut(Schema):
    code: str
    name: str
    name_en: str
    kind: AgencyKind
    province_code: str
    province_name: str
    latitude: float | None
    longitude: float | None
    phone: str
    is_active: bool
    areas: list[AreaOut]


class ResponderOut(Schema):
    id: int
    name: str
    agency: str = Field(description="Agency code.")
    on_duty: bool
    last_latitude: float | None
    last_longitude: float | None
    last_position_at: datetime | None


class AssignmentOut(Schema):
    id: int
    agency: str = Field(description="Agency code.")
    agency_name: str
    responder: str | None
    status: AssignmentStatus
    assigned_at: datetime
    acknowledged_at: datetime | None
    en_route_at: datetime | None
    on_scene_at: datetime | None
    completed_at: datetime | None
    ended_at: datetime | None
    reason: str
    outcome: str
    version: int


class EventOut(Schema):
    id: int = Field(description="Increasing; pass the last one seen as `after` to /api/events.")
    case: str = Field(description="Case reference.")
    drill: bool = Field(description="The case is a drill's (training mode): never a real report.")
    kind: str
    from_status: str
    to_status: str
    actor: str | None
    data: dict[str, Any]
    at: datetime


class EventPage(Schema):
    items: list[EventOut]
    next_after: int = Field(description="Pass as `after` for the next page (the last id returned, or yours).")
    has_more: bool


class AttachmentOut(Schema):
    id: int
    content_type: str
    size: int
    created_at: datetime
    url: str


class ReporterOut(Schema):
    display_name: str
    line_user_id: str | None
    phone: str
    language: Language
    is_reachable: bool
    safe_contact_only: bool
    false_report_count: int


class CaseOut(Schema):
    reference: str
    drill: bool = Field(description="A drill's case (training mode, docs/drills.md): never a real report.")
    url: str
    status: Status
    category: Category
    priority: int = Field(ge=1, le=3)
    latitude: float | None
    longitude: float | None
    outside_thailand: bool
    address: str
    province_code: str
    province_name: str
    district_code: str
    district_name: str
    flags: dict[str, Any]
    referred_to: Hotline | None
    duplicate_of: str | None
    claimed_by: str | None
    claim_expires_at: datetime | None
    received_at: datetime
    triaged_at: datetime | None
    dispatched_at: datetime | None
    acknowledged_at: datetime | None
    en_route_at: datetime | None
    on_scene_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    updated_at: datetime
    version: int


class CaseDetail(CaseOut):
    description: str
    outcome: str
    reporter: ReporterOut | None = Field(
        description="Only with include_reporter=true, for operators, supervisors and administrators."
    )
    timeline: list[EventOut]
    assignments: list[AssignmentOut]
    attachments: list[AttachmentOut]


class CaseEnded(Schema):
    """What a responder's agency still hears of a case once its own assignment ended: the outcome, no more."""

    reference: str
    status: Status
    outcome: str


class CasePage(Schema):
    items: list[CaseOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")
