"""The hooks other screens include, one line each, so their templates stay theirs:

- `{% case_followup case %}`  in the console's case panel: who is involved, and the follow-up offer once resolved
- `{% agency_referrals %}`    on the responder view: the follow-ups the responder's agency owns
- `{% overdue_followups %}`   on the supervisor dashboard: follow-ups with a task past its due day
"""

from django import template
from django.utils import timezone

from ess.roles import role_of
from incidents.models import Incident
from referrals import actions
from referrals.models import FollowUpTask, Outcome, Person, ReferralKind, ReferralStatus
from referrals.scoping import overdue_referrals, visible_referrals

register = template.Library()


def case_section_context(user, case: Incident) -> dict:
    flags = case.flags if isinstance(case.flags, dict) else {}
    referable = actions.referable(case)
    referrals = list(case.referrals.select_related("owner_agency").prefetch_related("tasks")) if case.pk else []
    today = timezone.localdate()
    for r in referrals:
        r.pending = [t for t in r.tasks.all() if t.is_pending]
        r.overdue = [t for t in r.pending if t.due_on < today]
    return {
        "case": case,
        "flag_rows": [(name, label, bool(flags.get(name))) for name, label in actions.FLAGS.items()],
        "vulnerable": actions.is_vulnerable(case),
        "referable": referable,
        "referrals": referrals,
        "kinds": ReferralKind.choices,
        "persons": [(p, Person(p).label) for p in actions.persons_of(case)],
        "owners": list(actions.owner_candidates(case)) if referable else [],
        "can_edit": actions._console_reach(user, case.province_code),
    }


@register.inclusion_tag("referrals/case_section.html", takes_context=True)
def case_followup(context, case):
    request = context.get("request")
    return {**case_section_context(request.user, case), "request": request, "csrf_token": context.get("csrf_token")}


@register.inclusion_tag("referrals/responder_list.html", takes_context=True)
def agency_referrals(context):
    request = context.get("request")
    user = request.user
    referrals = list(
        visible_referrals(user)
        .filter(status=ReferralStatus.OPEN)
        .prefetch_related("tasks")
        .order_by("created_at")[:100]
        if role_of(user) == "responder"
        else []
    )
    today = timezone.localdate()
    for r in referrals:
        r.pending = [t for t in r.tasks.all() if t.is_pending]
        r.overdue = [t for t in r.pending if t.due_on < today]
    return {
        "referrals": referrals,
        "outcomes": Outcome.choices,
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "today": today,
    }


@register.inclusion_tag("referrals/dashboard_panel.html", takes_context=True)
def overdue_followups(context, limit: int = 10):
    request = context.get("request")
    today = timezone.localdate()
    rows = list(overdue_referrals(request.user, today)[:limit])
    for r in rows:
        r.days_overdue = (today - r.next_due).days if r.next_due else 0
    total = overdue_referrals(request.user, today).count() if len(rows) >= limit else len(rows)
    open_count = visible_referrals(request.user).filter(status=ReferralStatus.OPEN).count()
    return {"rows": rows, "total": total, "open_count": open_count}


@register.filter
def overdue_on(task: FollowUpTask, today) -> bool:
    return task.is_overdue(today)
