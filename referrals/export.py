"""The follow-up part of a case's EIDD-like hand-off record (api.eidd): one entry per referral the caller
may see, shaped for the receiving agency's case management (owner, the person followed up, tasks with due
days, outcome). Reporter identity is never in it, the same as the rest of the export."""

from incidents.models import Incident
from referrals.scoping import visible_referrals

KIND_CODE_LIST = "urn:th:go:m-society:ess:referral-kind:1"


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def referral_section(case: Incident, user) -> list[dict]:
    referrals = visible_referrals(user).filter(incident=case).prefetch_related("tasks").order_by("created_at", "pk")
    return [
        {
            "id": f"urn:th:go:m-society:ess:referral:{case.reference}:{r.pk}",
            "kind": {"codeList": KIND_CODE_LIST, "code": r.kind, "label": str(r.get_kind_display())},
            "owner": {
                "id": r.owner_agency.code,
                "name": r.owner_agency.name,
                "kind": r.owner_agency.kind,
                "phone": r.owner_agency.phone or None,
                "volunteer": r.volunteer_name or None,
            },
            "person": r.person,
            "reason": r.reason,
            "state": r.status,
            "referred": _iso(r.created_at),
            "closed": _iso(r.closed_at),
            "outcome": (
                {"code": r.outcome, "label": str(r.get_outcome_display()), "note": r.outcome_note or None}
                if r.outcome
                else None
            ),
            "tasks": [
                {
                    "kind": t.kind,
                    "due": t.due_on.isoformat(),
                    "done": _iso(t.done_at),
                    "result": t.result or None,
                    "cancelled": t.cancelled_at is not None,
                }
                for t in r.tasks.all()
            ],
        }
        for r in referrals
    ]
