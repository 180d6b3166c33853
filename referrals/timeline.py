"""One timeline line, in the reader's language, for the events this app writes on a case (the console's
`describe_event()` asks here first, as it does dispatch.timeline). None for a kind that is not ours."""

from django.utils.translation import gettext as _

from incidents.models import IncidentEvent
from referrals.actions import FLAGS
from referrals.models import Outcome, ReferralKind, TaskKind

KINDS = {"flags", "referral_made", "referral_task_added", "referral_task_done", "referral_closed"}


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def describe(event: IncidentEvent) -> str | None:
    if event.kind not in KINDS:
        return None
    data = event.data or {}
    if event.kind == "flags":
        changed = data.get("changed") or {}
        parts = [("+ " if on else "− ") + str(FLAGS.get(name, name)) for name, on in changed.items()]
        return _("Who is involved: %(changes)s") % {"changes": "; ".join(parts)}
    kind = _label(ReferralKind, data.get("referral_kind", ""))
    if event.kind == "referral_made":
        return _("Referred for follow-up: %(kind)s → %(owner)s") % {"kind": kind, "owner": data.get("owner", "")}
    task = _label(TaskKind, data.get("task", ""))
    if event.kind == "referral_task_added":
        return _("Follow-up task added: %(task)s, due %(due)s") % {"task": task, "due": data.get("due_on", "")}
    if event.kind == "referral_task_done":
        return _("Follow-up task done: %(task)s — %(text)s") % {"task": task, "text": data.get("text", "")}
    return _("Follow-up closed: %(outcome)s") % {"outcome": _label(Outcome, data.get("outcome", ""))}
