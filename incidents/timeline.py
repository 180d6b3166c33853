"""One timeline line per event, in the reader's language: a registry of describers, one per EventKind.

incidents registers the kinds it writes (below); dispatch registers the agencies' kinds in
dispatch.timeline (imported by DispatchConfig.ready). `describe(event)` looks the kind up; a kind
nobody registered reads as its name. tests/dispatch/test_timeline.py checks every EventKind has one.
"""

from collections.abc import Callable

from django.utils.translation import gettext as _

from incidents.models import Category, EventKind, IncidentEvent, Message, Status

Describer = Callable[[IncidentEvent, dict], str]
DESCRIBERS: dict[str, Describer] = {}


def describes(*kinds: str) -> Callable[[Describer], Describer]:
    """Register the decorated `describer(event, data)` for `kinds`."""

    def register(describer: Describer) -> Describer:
        for kind in kinds:
            DESCRIBERS[kind] = describer
        return describer

    return register


def describe(event: IncidentEvent) -> str:
    describer = DESCRIBERS.get(event.kind)
    if describer is None:
        return event.kind.replace("_", " ")
    return describer(event, event.data or {})


def label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def _fixed(text_of: Callable[[], str]) -> Describer:
    return lambda event, data: text_of()


@describes(EventKind.CREATED)
def _created(event, data):
    return _("Case opened (%(source)s)") % {"source": data.get("source", "")}


@describes(EventKind.STATUS)
def _status(event, data):
    text = _("Status: %(from)s → %(to)s") % {
        "from": label(Status, event.from_status) if event.from_status else "—",
        "to": label(Status, event.to_status),
    }
    for key, title in (
        ("reason", _("reason")),
        ("outcome", _("outcome")),
        ("hotline", _("hotline")),
        ("master", _("master")),
    ):
        if data.get(key):
            text += f" · {title}: {data[key]}"
    return text


@describes(EventKind.TRIAGE)
def _triage(event, data):
    parts = []
    if "category" in data:
        parts.append(
            _("category %(old)s → %(new)s")
            % {"old": label(Category, data["category"][0]), "new": label(Category, data["category"][1])}
        )
    if "priority" in data:
        parts.append(_("priority P%(old)s → P%(new)s") % {"old": data["priority"][0], "new": data["priority"][1]})
    return _("Triage: %(changes)s") % {"changes": ", ".join(parts)}


@describes(EventKind.MESSAGE)
def _message(event, data):
    text = data.get("text") or label(Message.Kind, data.get("kind", "other"))
    if data.get("direction") == Message.Direction.OUT:
        return _("To the reporter: %(text)s") % {"text": text}
    return _("From the reporter: %(text)s") % {"text": text}


@describes(EventKind.CATEGORY)
def _category(event, data):
    return _("Category: %(old)s → %(new)s") % {
        "old": label(Category, data.get("from", "")),
        "new": label(Category, data.get("to", "")),
    }


describes(EventKind.CLAIMED)(_fixed(lambda: _("Claimed")))
describes(EventKind.RELEASED)(_fixed(lambda: _("Claim released")))
describes(EventKind.ATTACHMENT)(_fixed(lambda: _("Photo or file received")))
describes(EventKind.LOCATION)(_fixed(lambda: _("The reporter sent a new location")))
describes(EventKind.REPORTER_UNREACHABLE)(
    _fixed(lambda: _("The reporter blocked ESS on LINE: messages no longer arrive"))
)
describes(EventKind.REPORTER_REACHABLE)(_fixed(lambda: _("The reporter follows ESS on LINE again")))
describes(EventKind.IDENTITY_VIEWED)(_fixed(lambda: _("Reporter identity viewed")))
describes(EventKind.IDENTITY_EXPORTED)(_fixed(lambda: _("Reporter identity exported")))
describes(EventKind.CLAIM_TAKEN_OVER)(
    lambda event, data: _("Claim taken over from %(user)s") % {"user": data.get("from") or "—"}
)
describes(EventKind.NOTE)(lambda event, data: _("Note: %(text)s") % {"text": data.get("text", "")})
describes(EventKind.DUPLICATE_MERGED)(
    lambda event, data: _("Case %(ref)s merged into this one as a duplicate") % {"ref": data.get("duplicate", "")}
)


@describes(EventKind.MERGE_UNDONE)
def _merge_undone(event, data):
    if data.get("duplicate"):
        text = _("Case %(ref)s is no longer merged into this one (a supervisor undid the merge)") % {
            "ref": data["duplicate"]
        }
    else:
        text = _("Merge into %(ref)s undone by a supervisor: this is its own case again") % {
            "ref": data.get("master", "")
        }
    if data.get("reason"):
        text += " · " + _("reason") + ": " + data["reason"]
    return text


describes(EventKind.DELIVERY_FAILED)(
    lambda event, data: (
        _("A message to the reporter could not be delivered: %(error)s") % {"error": data.get("error", "")}
    )
)
describes(EventKind.HANDED_OVER)(
    lambda event, data: (
        _("Claim handed over from %(from)s to %(to)s") % {"from": data.get("from") or "—", "to": data.get("to")}
    )
)
describes(EventKind.DELIVERY_UNCERTAIN)(
    _fixed(
        lambda: _("A reply to the reporter may not have arrived (LINE did not answer); it is not sent again by itself")
    )
)
describes(EventKind.DELIVERY_RESENT)(_fixed(lambda: _("The reply whose delivery was uncertain was sent again")))
describes(EventKind.PLACE_WORDS)(
    lambda event, data: _("The reporter wrote where they are: %(words)s") % {"words": data.get("words", "")}
)
describes(EventKind.OPENED)(_fixed(lambda: _("Opened on the console")))
describes(EventKind.MEDIA_PURGED)(_fixed(lambda: _("Photos deleted (retention)")))
describes(EventKind.ANONYMISED)(_fixed(lambda: _("Reporter anonymised (retention or erasure request)")))


@describes(EventKind.SAFE_CONTACT)
def _safe_contact(event, data):
    who = _("the reporter") if data.get("by") == "reporter" else _("an operator")
    if data.get("on"):
        return _("Safe contact only when they write first: set by %(who)s") % {"who": who}
    return _("Safe contact lifted (messages may be sent first) by %(who)s") % {"who": who}


@describes(EventKind.LEGAL_HOLD)
def _legal_hold(event, data):
    text = _("Legal hold placed") if data.get("on") else _("Legal hold lifted")
    return f"{text} · {_('reason')}: {data.get('reason', '')}"
