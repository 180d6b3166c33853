"""The endpoints. Thin: each one asks dispatch.scoping what the caller may see, calls a domain function
to act, and turns the result into JSON (api.serialize). Refusals are exceptions (api.errors)."""

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Header, Path, Query, Router

from api import eidd, feed, serialize
from api.auth import principal
from api.errors import Forbidden, NotFound, case_not_found
from api.schemas import (
    AGENCY_CODE_PATTERN,
    DISTRICT_PATTERN,
    MAX_ID,
    PROVINCE_PATTERN,
    REFERENCE_PATTERN,
    AgencyOut,
    CaseDetail,
    CasePage,
    Error,
    EventPage,
    ResponderOut,
)
from dispatch.models import Agency, AgencyKind
from dispatch.scoping import visible_incidents, visible_responders
from ess.roles import can_see_reporter_identity
from incidents import actions, files
from incidents.models import Category, Incident, Status
from privacy import access

router = Router()

# Every call may be refused for these reasons; each operation adds its own.
COMMON = {401: Error, 403: Error, 422: Error, 429: Error}
WITH_CASE = {**COMMON, 404: Error}

Ref = Path(..., pattern=REFERENCE_PATTERN, description="Case reference, e.g. ESS-2569-000042")
IdempotencyKey = Header(
    None,
    alias="Idempotency-Key",
    min_length=1,
    max_length=200,
    pattern=r"^[\x21-\x7e]+$",
    description="Any unique string (a UUID). A retry with the same key returns the first answer and does not "
    "act again.",
)


def _case(user, reference: str) -> Incident:
    case = (
        visible_incidents(user)
        .select_related("reporter", "duplicate_of", "claimed_by")
        .filter(reference=reference)
        .first()
    )
    if case is None:
        raise case_not_found(reference)
    return case


# --- cases ---------------------------------------------------------------------------------------------


@router.get("/cases", response={200: CasePage, **COMMON}, url_name="case_list", tags=["cases"])
def list_cases(
    request,
    status: list[Status] = Query(None, description="Repeat for several."),
    category: Category | None = None,
    province: str | None = Query(None, pattern=PROVINCE_PATTERN, description="DOPA province code, e.g. 10"),
    district: str | None = Query(None, pattern=DISTRICT_PATTERN, description="DOPA district code, e.g. 1007"),
    # A string parsed here, not a pydantic datetime: pydantic would also take a bare number as a Unix time.
    updated_since: str | None = Query(
        None,
        max_length=64,
        example="2026-11-28T09:30:00+07:00",
        description="ISO 8601 / RFC 3339; without an offset, Bangkok time.",
    ),
    cursor: str | None = Query(None, max_length=200, description="`next_cursor` of the previous page."),
    limit: int = Query(feed.DEFAULT_LIMIT, ge=1, le=feed.MAX_LIMIT),
):
    """Cases the caller may see, oldest change first (ordered by `updated_at`, then id)."""
    cases, next_cursor = feed.cases_page(
        principal(request),
        statuses=status,
        category=category,
        province=province,
        district=district,
        updated_since=feed.parse_since(updated_since),
        cursor=cursor,
        limit=limit,
    )
    return {"items": [serialize.case_out(request, c) for c in cases], "next_cursor": next_cursor}


@router.get("/cases/{ref}", response={200: CaseDetail, **WITH_CASE}, url_name="case_detail", tags=["cases"])
def get_case(
    request,
    ref: str = Ref,
    include_reporter: bool = Query(
        False,
        description="Add who reported (operators, supervisors, administrators only). Every such view "
        "is recorded on the case's timeline, as when the console reveals it.",
    ),
):
    """One case with its timeline, assignments and attachments."""
    user = principal(request)
    case = _case(user, ref)
    if include_reporter:
        if not can_see_reporter_identity(user):
            raise Forbidden(_("Your role may not see who reported a case."))
        if case.reporter_id:
            # The same record the console writes when an operator reveals the reporter (docs/design.md §4b).
            actions.record(case, "identity_viewed", actor=user, data={"via": "api"})
            access.record(request, access.Field.IDENTITY, case=case)
    return serialize.case_detail(request, case, user, with_reporter=include_reporter)


@router.get("/cases/{ref}/eidd", response={200: dict[str, Any], **WITH_CASE}, url_name="case_eidd", tags=["cases"])
def export_case(request, ref: str = Ref):
    """The case as an EIDD-like incident record for hand-off (docs/api.md describes the mapping)."""
    user = principal(request)
    return eidd.export_case(_case(user, ref), user)


@router.get(
    "/cases/{ref}/attachments/{attachment_id}",
    response={**WITH_CASE},
    url_name="attachment",
    tags=["cases"],
    openapi_extra={
        "responses": {
            200: {
                "description": "The file as the reporter sent it.",
                "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def get_attachment(request, ref: str = Ref, attachment_id: int = Path(..., ge=1, le=MAX_ID)):
    case = _case(principal(request), ref)
    attachment = get_object_or_404(case.attachments, pk=attachment_id)
    access.record(request, access.Field.PHOTO, case=case, attachment=attachment)
    try:
        # Only real images inline; anything else a download, with the file headers (incidents.files).
        return files.file_response(attachment)
    except FileNotFoundError:
        raise NotFound(_("The file of this attachment is missing.")) from None


# --- the events feed -----------------------------------------------------------------------------------


@router.get("/events", response={200: EventPage, **COMMON}, url_name="events", tags=["events"])
def list_events(
    request,
    after: int = Query(0, ge=0, le=MAX_ID, description="The last event id you have seen (0 to start)."),
    limit: int = Query(feed.DEFAULT_LIMIT, ge=1, le=feed.MAX_LIMIT),
):
    """Everything that happened to the cases you may see, in order, each event once. Keep the last `id`
    (or `next_after`) and ask again with `after=` it."""
    events, next_after, more = feed.events_page(principal(request), after=after, limit=limit)
    return {"items": [serialize.event_out(e) for e in events], "next_after": next_after, "has_more": more}


# --- agencies and responders ---------------------------------------------------------------------------


@router.get("/agencies", response={200: list[AgencyOut], **COMMON}, url_name="agencies", tags=["agencies"])
def list_agencies(
    request,
    province: str | None = Query(None, pattern=PROVINCE_PATTERN),
    kind: AgencyKind | None = None,
    active: bool | None = Query(True, description="Only active agencies (default); false for inactive ones."),
):
    agencies = Agency.objects.prefetch_related("areas")
    if province:
        agencies = agencies.filter(province_code=province)
    if kind:
        agencies = agencies.filter(kind=kind)
    if active is not None:
        agencies = agencies.filter(is_active=active)
    return [serialize.agency_out(a) for a in agencies]


@router.get("/agencies/{code}", response={200: AgencyOut, **COMMON, 404: Error}, url_name="agency", tags=["agencies"])
def get_agency(request, code: str = Path(..., pattern=AGENCY_CODE_PATTERN)):
    return serialize.agency_out(get_object_or_404(Agency.objects.prefetch_related("areas"), code=code))


@router.get("/responders", response={200: list[ResponderOut], **COMMON}, url_name="responders", tags=["agencies"])
def list_responders(
    request,
    agency: str | None = Query(None, pattern=AGENCY_CODE_PATTERN, description="Agency code."),
    on_duty: bool = Query(True, description="Only responders on duty (default)."),
):
    """Responders of the agencies in the caller's provinces (a responder: their own agency's)."""
    responders = visible_responders(principal(request)).filter(user__api_token__isnull=True)
    if agency:
        responders = responders.filter(agency__code=agency)
    if on_duty:
        responders = responders.filter(on_duty=True)
    return [serialize.responder_out(r) for r in responders.order_by("agency__code", "pk")]
