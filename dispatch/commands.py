"""The command layer: every action an operator (or an integrating system) takes on a case, by name.

Each command is one typed input (a Django form) and one domain function (incidents.triage for the case,
dispatch.assignments for the agencies on it). Every entry point runs the same command:

- the console (console/views.py, console/dispatch_views.py) turns its POST into the form's data;
- the API (api/act.py) passes the JSON body, and documents it with `json_schema(form)`;
- the LINE conversation and management commands call the domain functions directly (they have no form
  input to check), and the rules are in those functions, so nothing an entry point skips can matter.

`run(name, target, actor, data)` validates `data` with the command's form (bad input raises InvalidForm:
an InvalidInput naming the field, 422 in the API, an inline message in the console), then calls the
domain function, whose refusals (ActionRefused) pass through unchanged. Rules that depend on the case
(the claim, the lifecycle, the agency's coverage) are the domain function's, never the form's.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dispatch import assignments
from dispatch.models import Agency, Assignment, AssignmentStatus, Responder
from dispatch.scoping import visible_incidents
from incidents import triage
from incidents.errors import InvalidInput
from incidents.models import Category, Hotline, Incident, Priority

MAX_ID = 2**63 - 1  # ids are 64-bit
REFERENCE_PATTERN = r"^ESS-[0-9]{4}-[0-9]{6}$"
AGENCY_CODE_PATTERN = r"^[-a-zA-Z0-9_]{1,40}$"
NOT_BLANK = r"\S"
MAX_PICKS = 10


class InvalidForm(InvalidInput):
    """A command's input is incomplete or malformed. `field` names the first field at fault (dotted into
    a list, e.g. `agencies.0.agency`), `str()` is the message to show."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# --- fields that know their JSON shape ------------------------------------------------------------------


def _with_schema(field: forms.Field, schema: dict) -> forms.Field:
    field.json_schema = schema
    return field


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError(_("This field is required."), code="required")


def text(max_length: int, *, required: bool = True, required_message: str | None = None) -> forms.CharField:
    """Free text. Not stripped here (the domain function strips), so the length limit is the one the JSON
    schema states; a required text must say something."""
    messages = {"required": required_message} if required_message else {}
    field = forms.CharField(
        max_length=max_length,
        required=required,
        strip=False,
        validators=[_not_blank] if required else [],
        error_messages=messages,
    )
    schema = {"type": "string", "maxLength": max_length}
    if required:
        schema["pattern"] = NOT_BLANK
    return _with_schema(field, schema)


def integer(*, required: bool = False, min_value: int = 1, max_value: int = MAX_ID, **kwargs) -> forms.IntegerField:
    field = forms.IntegerField(required=required, min_value=min_value, max_value=max_value, **kwargs)
    return _with_schema(field, {"type": "integer", "minimum": min_value, "maximum": max_value})


def choice(choices, *, required: bool = True, coerce=str, required_message: str | None = None) -> forms.Field:
    messages = {"required": required_message} if required_message else {}
    field = forms.TypedChoiceField(
        choices=choices, coerce=coerce, required=required, empty_value=None, error_messages=messages
    )
    values = [coerce(value) for value, _label in choices]
    return _with_schema(field, {"type": "integer" if coerce is int else "string", "enum": values})


class PicksField(forms.Field):
    """The agencies to assign: a list of {"agency": code, "responder": id or null}. Cleans to Picks."""

    json_schema = {
        "type": "array",
        "minItems": 1,
        "maxItems": MAX_PICKS,
        "items": {
            "type": "object",
            "properties": {
                "agency": {"type": "string", "pattern": AGENCY_CODE_PATTERN, "description": "Agency code."},
                "responder": {
                    "anyOf": [{"type": "integer", "minimum": 1, "maximum": MAX_ID}, {"type": "null"}],
                    "description": "A responder of that agency (id), optional.",
                },
            },
            "required": ["agency"],
        },
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("error_messages", {"required": _("Choose at least one agency.")})
        super().__init__(**kwargs)

    def clean(self, value):
        if value in (None, [], ""):
            raise ValidationError(self.error_messages["required"], code="required")
        if not isinstance(value, list) or len(value) > MAX_PICKS:
            raise ValidationError(_("Choose between 1 and %(n)d agencies.") % {"n": MAX_PICKS}, code="invalid")
        picks = []
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                raise ValidationError(_("Each choice names an agency."), code="invalid", params={"path": f"{i}"})
            code, responder_id = item.get("agency"), item.get("responder")
            agency = Agency.objects.filter(code=code).first() if isinstance(code, str) else None
            if agency is None:
                raise ValidationError(
                    _("No agency %(code)s.") % {"code": code}, code="invalid", params={"path": f"{i}.agency"}
                )
            responder = None
            if responder_id not in (None, ""):
                if isinstance(responder_id, bool) or not str(responder_id).isdigit():
                    responder = None
                else:
                    responder = Responder.objects.filter(pk=int(responder_id), agency=agency).first()
                if responder is None:
                    raise ValidationError(
                        _("No responder %(id)s in %(agency)s.") % {"id": responder_id, "agency": agency.name},
                        code="invalid",
                        params={"path": f"{i}.responder"},
                    )
            picks.append(assignments.Pick(agency, responder))
        return picks


# --- the forms ------------------------------------------------------------------------------------------


class CommandForm(forms.Form):
    """Every case command may carry the version the actor saw: if the case moved on since, nothing is
    applied (StaleIncident)."""

    expected_version = integer()

    def __init__(self, data, *, target=None, actor=None):
        super().__init__(data)
        self.target, self.actor = target, actor


class AssignmentCommandForm(forms.Form):
    def __init__(self, data, *, target=None, actor=None):
        super().__init__(data)
        self.target, self.actor = target, actor


class TriageForm(CommandForm):
    category = choice(Category.choices, required=False)
    priority = choice(Priority.choices, required=False, coerce=int)


class NoteForm(CommandForm):
    text = text(4000, required_message=gettext_lazy("The note is empty."))


class DuplicateForm(CommandForm):
    master = _with_schema(
        forms.CharField(
            max_length=40, error_messages={"required": gettext_lazy("Give the reference of the earlier case.")}
        ),
        {"type": "string", "pattern": REFERENCE_PATTERN, "description": "Reference of the case this one repeats."},
    )

    def clean_master(self) -> Incident:
        value = self.cleaned_data["master"].strip()
        visible = visible_incidents(self.actor)
        # The console's suggestions name the case by id; people and systems type its reference.
        found = (visible.filter(pk=int(value)) if value.isdigit() else visible.filter(reference__iexact=value)).first()
        if found is None:
            raise ValidationError(_("No case %(ref)s among the cases you can see.") % {"ref": value})
        return found


class UndoDuplicateForm(CommandForm):
    reason = text(2000, required_message=gettext_lazy("Give the reason for undoing the merge."))


class FalseReportForm(CommandForm):
    reason = text(2000, required_message=gettext_lazy("Give the reason the report is false."))


class ReverseFalseReportForm(CommandForm):
    reason = text(2000, required_message=gettext_lazy("Give the reason for reversing the false-report mark."))


class NoteOptionalForm(CommandForm):
    note = text(2000, required=False)


class ReferForm(CommandForm):
    hotline = choice(Hotline.choices, required_message=gettext_lazy("Choose 191, 1669 or 1300."))
    note = text(2000, required=False)


class CancelForm(CommandForm):
    reason = text(2000, required_message=gettext_lazy("Give the reason the case is cancelled."))


class SafeContactForm(CommandForm):
    safe_contact = choice([("on", gettext_lazy("on")), ("off", gettext_lazy("off"))])


class CloseForm(CommandForm):
    outcome = text(4000, required_message=gettext_lazy("Write the outcome before closing the case."))


class ReplyForm(CommandForm):
    text = text(triage.LINE_TEXT_LIMIT, required_message=gettext_lazy("The message is empty."))


class HandOverForm(CommandForm):
    to = _with_schema(
        forms.ModelChoiceField(
            queryset=get_user_model().objects.filter(is_active=True),
            error_messages={
                "required": gettext_lazy("Choose who takes the case over."),
                "invalid_choice": gettext_lazy("Choose who takes the case over."),
            },
        ),
        {"type": "integer", "minimum": 1, "maximum": MAX_ID, "description": "The staff member's user id."},
    )


class AssignForm(CommandForm):
    agencies = PicksField()


class StandDownForm(CommandForm):
    reason = text(2000, required_message=gettext_lazy("Give a reason."))


class AssignmentReasonForm(AssignmentCommandForm):
    reason = text(2000, required_message=gettext_lazy("Give a reason."))


class AdvanceForm(AssignmentCommandForm):
    status = choice(AssignmentStatus.choices)
    reason = text(2000, required=False)
    outcome = text(4000, required=False)


class ReassignForm(AssignmentCommandForm):
    agency = _with_schema(
        forms.ModelChoiceField(
            queryset=Agency.objects.all(),
            to_field_name="code",
            error_messages={
                "required": gettext_lazy("Choose the agency to hand it to."),
                "invalid_choice": gettext_lazy("Choose the agency to hand it to."),
            },
        ),
        {"type": "string", "pattern": AGENCY_CODE_PATTERN, "description": "Agency code."},
    )
    responder = integer(required=False)
    reason = text(2000, required_message=gettext_lazy("Give a reason."))

    def clean(self):
        data = super().clean()
        agency, responder_id = data.get("agency"), data.get("responder")
        data["pick"] = None
        if agency is not None:
            responder = None
            if responder_id is not None:
                responder = Responder.objects.filter(pk=responder_id, agency=agency).first()
                if responder is None:
                    self.add_error(
                        "responder",
                        _("No responder %(id)s in %(agency)s.") % {"id": responder_id, "agency": agency.name},
                    )
            data["pick"] = assignments.Pick(agency, responder)
        return data


# --- the commands ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    form: type[forms.Form]
    do: Callable  # do(target, actor, cleaned_data)
    on: str = "case"  # what it acts on: "case" (an Incident) or "assignment"


def _v(d: dict) -> dict:
    return {"expected_version": d.get("expected_version")}


CASE_COMMANDS: dict[str, Command] = {
    "claim": Command(CommandForm, lambda c, a, d: triage.claim(c.pk, a, **_v(d))),
    "release": Command(CommandForm, lambda c, a, d: triage.release(c.pk, a, **_v(d))),
    "take_over": Command(CommandForm, lambda c, a, d: triage.take_over(c.pk, a, **_v(d))),
    "triage": Command(
        TriageForm,
        lambda c, a, d: triage.set_triage(c.pk, a, category=d["category"], priority=d["priority"], **_v(d)),
    ),
    "note": Command(NoteForm, lambda c, a, d: triage.add_note(c.pk, a, d["text"], **_v(d))),
    "duplicate": Command(DuplicateForm, lambda c, a, d: triage.mark_duplicate(c.pk, d["master"].pk, a, **_v(d))),
    "undo_duplicate": Command(UndoDuplicateForm, lambda c, a, d: triage.undo_duplicate(c.pk, a, d["reason"], **_v(d))),
    "false_report": Command(FalseReportForm, lambda c, a, d: triage.mark_false_report(c.pk, a, d["reason"], **_v(d))),
    "confirm_false_report": Command(
        NoteOptionalForm, lambda c, a, d: triage.confirm_false_report(c.pk, a, d["note"], **_v(d))
    ),
    "reverse_false_report": Command(
        ReverseFalseReportForm, lambda c, a, d: triage.reverse_false_report(c.pk, a, d["reason"], **_v(d))
    ),
    "refer": Command(ReferForm, lambda c, a, d: triage.refer(c.pk, a, d["hotline"], note=d["note"], **_v(d))),
    "cancel": Command(CancelForm, lambda c, a, d: triage.cancel(c.pk, a, d["reason"], **_v(d))),
    "close": Command(CloseForm, lambda c, a, d: triage.close(c.pk, a, d["outcome"], **_v(d))),
    "safe_contact": Command(
        SafeContactForm, lambda c, a, d: triage.set_safe_contact(c.pk, a, d["safe_contact"] == "on", **_v(d))
    ),
    "reply": Command(ReplyForm, lambda c, a, d: triage.reply(c.pk, a, d["text"], **_v(d))),
    "hand_over": Command(HandOverForm, lambda c, a, d: triage.hand_over(c.pk, a, d["to"], **_v(d))),
    "assign": Command(AssignForm, lambda c, a, d: assignments.do_assign(c.pk, d["agencies"], actor=a, **_v(d))),
    "stand_down": Command(
        StandDownForm, lambda c, a, d: assignments.stand_down_all(c.pk, d["reason"], actor=a, **_v(d))
    ),
}

ASSIGNMENT_COMMANDS: dict[str, Command] = {
    "cancel_assignment": Command(
        AssignmentReasonForm, lambda t, a, d: assignments.do_cancel(t.pk, d["reason"], actor=a), "assignment"
    ),
    "advance": Command(
        AdvanceForm,
        lambda t, a, d: assignments.do_advance(t.pk, d["status"], actor=a, reason=d["reason"], outcome=d["outcome"]),
        "assignment",
    ),
    "reassign": Command(
        ReassignForm, lambda t, a, d: assignments.do_reassign(t.pk, d["pick"], d["reason"], actor=a), "assignment"
    ),
}

COMMANDS: dict[str, Command] = {**CASE_COMMANDS, **ASSIGNMENT_COMMANDS}


def form_error(form: forms.Form) -> InvalidForm:
    """The first error of an invalid form, as an InvalidForm naming its field."""
    for name, errors in form.errors.as_data().items():
        error = errors[0]
        message = " ".join(error.messages)
        path = (error.params or {}).get("path") if isinstance(error.params, dict) else None
        if name == "__all__":
            return InvalidForm(message)
        field = f"{name}.{path}" if path else name
        return InvalidForm(message, field)
    return InvalidForm(_("Invalid input."))


def run(name: str, target: Incident | Assignment, actor, data) -> object:
    """Validate `data` with the command's form and run its domain function on `target` as `actor`.
    Raises KeyError for an unknown command, InvalidForm for bad input, ActionRefused for a refusal."""
    command = COMMANDS[name]
    form = command.form(data, target=target, actor=actor)
    if not form.is_valid():
        raise form_error(form)
    return command.do(target, actor, form.cleaned_data)


# --- JSON (the API) --------------------------------------------------------------------------------------


def json_schema(form_class: type[forms.Form]) -> dict:
    """The JSON schema of a command's input, from its form (the API documents its bodies with it)."""
    properties, required = {}, []
    for name, field in form_class.base_fields.items():
        schema = dict(getattr(field, "json_schema", {"type": "string"}))
        if field.required:
            required.append(name)
        else:
            schema = {"anyOf": [schema, {"type": "null"}]}
        properties[name] = schema
    return {"type": "object", "properties": properties, "required": required}


_JSON_TYPES = {"string": (str,), "integer": (int,), "array": (list,), "object": (dict,)}


def check_json(name: str, data) -> dict:
    """A JSON body for command `name`, held to the types its schema states (a form alone would take "5"
    for 5, or any value as text). Returns the data with nulls dropped; raises InvalidForm."""
    if not isinstance(data, dict):
        raise InvalidForm(_("The request body must be a JSON object."), "body")
    form_class = COMMANDS[name].form
    clean = {}
    for key, value in data.items():
        field = form_class.base_fields.get(key)
        if field is None:
            continue  # unknown members are ignored
        if value is None:
            if field.required:
                raise InvalidForm(_("This field is required."), key)
            continue
        schema = getattr(field, "json_schema", {"type": "string"})
        allowed = _JSON_TYPES[schema["type"]]
        if not isinstance(value, allowed) or isinstance(value, bool):
            raise InvalidForm(_("Expected a %(type)s.") % {"type": schema["type"]}, key)
        pattern = schema.get("pattern")
        if pattern and isinstance(value, str) and not re.search(pattern, value):
            raise InvalidForm(_("Not in the expected format."), key)
        clean[key] = value
    return clean
