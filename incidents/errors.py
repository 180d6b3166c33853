"""Refusals a domain action raises. Each carries a message fit to show the operator as it is."""

from django.utils.translation import gettext as _


class ActionRefused(Exception):
    """The action was not applied. `str(error)` is a translated, user-facing message."""


class IllegalTransition(ActionRefused):
    def __init__(self, reference: str, from_label: str, to_label: str):
        super().__init__(
            _("Case %(ref)s cannot go from “%(from)s” to “%(to)s”.")
            % {"ref": reference, "from": from_label, "to": to_label}
        )


class StaleIncident(ActionRefused):
    """Someone changed the case since the operator loaded it: nothing was applied."""

    def __init__(self, reference: str):
        super().__init__(
            _("Case %(ref)s was changed by someone else a moment ago. Nothing was applied; here is its current state.")
            % {"ref": reference}
        )


class NotAllowed(ActionRefused):
    pass


class ClaimHeld(ActionRefused):
    """Another operator holds a live claim on the case: only they act on it until it expires."""

    def __init__(self, reference: str, holder: str, until: str):
        super().__init__(
            _(
                "Case %(ref)s is claimed by %(holder)s until %(until)s. Only they can act on it; a supervisor "
                "can take it over."
            )
            % {"ref": reference, "holder": holder, "until": until}
        )


class CaseNotFound(ActionRefused):
    """The case is outside the actor's reach: answered exactly as a case that does not exist, so the
    refusal does not confirm that it exists (#11 item 8)."""

    def __init__(self):
        super().__init__(_("No such case among the cases you can see."))


class InvalidInput(ActionRefused):
    """The request itself is incomplete or wrong (a missing reason, an unknown hotline)."""
