"""Hooks other screens include, one line each:

- `{% shift_staffing %}`  on the supervisor dashboard: staff on duty from the roster, and the next 24 hours'
  rostered staff against the expected load by hour (thin hours marked)
- `{% handover_link %}`   on the console: the structured hand-over, with hand-overs waiting for this operator
"""

from django import template

from ess.roles import province_scope
from shifts import actions

register = template.Library()


@register.inclusion_tag("shifts/dashboard_panel.html", takes_context=True)
def shift_staffing(context):
    request = context.get("request")
    scope = province_scope(request.user)
    # The page may hand over the expected load by hour it already has ("expected_load", e.g. the dashboard's).
    hours = actions.staffing_by_hour(scope, load=context.get("expected_load"))
    top = max([h["expected"] for h in hours] + [h["staff"] for h in hours] + [1])
    for h in hours:
        h["expected_pct"] = round(100 * h["expected"] / top)
        h["staff_pct"] = round(100 * h["staff"] / top)
    return {
        "on_duty": actions.on_duty(scope),
        "hours": hours,
        "thin": [h for h in hours if h["thin"]],
        "weeks": actions.LOAD_WEEKS,
    }


@register.inclusion_tag("shifts/handover_link.html", takes_context=True)
def handover_link(context):
    request = context.get("request")
    waiting = actions.visible_handovers(request.user).filter(to_user=request.user, acknowledged_at=None).count()
    return {"waiting": waiting}
