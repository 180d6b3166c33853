"""Timeline lines for the events this app writes on a case, registered in incidents.timeline's one
registry (ReferralsConfig.ready imports this module)."""

from django.utils.translation import gettext as _

from incidents.models import EventKind
from incidents.timeline import describes, label
from referrals.actions import FLAGS
from referrals.models import Outcome, ReferralKind, TaskKind


@describes(EventKind.FLAGS)
def _flags(event, data):
    changed = data.get("changed") or {}
    parts = [("+ " if on else "− ") + str(FLAGS.get(name, name)) for name, on in changed.items()]
    return _("Who is involved: %(changes)s") % {"changes": "; ".join(parts)}


@describes(EventKind.REFERRAL_MADE)
def _made(event, data):
    kind = label(ReferralKind, data.get("referral_kind", ""))
    return _("Referred for follow-up: %(kind)s → %(owner)s") % {"kind": kind, "owner": data.get("owner", "")}


@describes(EventKind.REFERRAL_TASK_ADDED)
def _task_added(event, data):
    task = label(TaskKind, data.get("task", ""))
    return _("Follow-up task added: %(task)s, due %(due)s") % {"task": task, "due": data.get("due_on", "")}


@describes(EventKind.REFERRAL_TASK_DONE)
def _task_done(event, data):
    task = label(TaskKind, data.get("task", ""))
    return _("Follow-up task done: %(task)s — %(text)s") % {"task": task, "text": data.get("text", "")}


@describes(EventKind.REFERRAL_CLOSED)
def _closed(event, data):
    return _("Follow-up closed: %(outcome)s") % {"outcome": label(Outcome, data.get("outcome", ""))}
