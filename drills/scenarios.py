"""Drill scenarios: YAML or JSON files a supervisor writes and an administrator uploads (docs/drills.md).

`parse(text, name)` reads one and returns a `Scenario`, or raises `Invalid` with every problem found, each
with the path of the bad field (``steps[3].tap``) and its line in the file, in the reader's language. The
five shipped scenarios (one per ESS category, in Thai) are the files in drills/scenarios/.

A scenario:

    title: ชายคลุ้มคลั่งถือมีดในตลาด     # what the supervisor picks from
    category: deranged_person          # one of the five ESS categories
    description: …                     # optional: what the drill practises
    reporters:                         # the citizens, by a short key
      a: {}
      b: {duplicate_of: a}             # reports the same thing again: expected to be merged into a's case
      c: {false_report: true}          # a false report: expected to be marked as one
    steps:                             # in time order; `at` is seconds after the drill starts
      - {at: 0,  reporter: a, say: "ช่วยด้วย มีคนถือมีดไล่ฟันคนในตลาด"}
      - {at: 20, reporter: a, tap: deranged_person}
      - {at: 40, reporter: a, pin: {latitude: 13.7466, longitude: 100.5347, address: "ตลาด… กรุงเทพมหานคร"}}
      - {at: 60, reporter: a, photo: knife}
      - {at: 90, reporter: a, silent: true}   # the reporter stops answering: nothing after this from a
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.utils.translation import gettext as _

from incidents.line import texts

BUILTIN_DIR = Path(__file__).resolve().parent / "scenarios"
ACTIONS = ("say", "tap", "pin", "photo", "silent")
MAX_STEPS = 60
MAX_SECONDS = 2 * 60 * 60  # a drill plays for at most two hours
MAX_TEXT = 2000
MAX_SOURCE = 100_000
KEY = re.compile(r"^[a-z0-9_]{1,16}$")


@dataclass(frozen=True)
class Problem:
    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.path or _("the file")
        if self.line:
            return _("%(path)s (line %(line)s): %(message)s") % {
                "path": where,
                "line": self.line,
                "message": self.message,
            }
        return f"{where}: {self.message}"


class Invalid(ValueError):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


@dataclass
class Scenario:
    title: str
    category: str
    description: str = ""
    reporters: dict[str, dict] = field(default_factory=dict)
    steps: list[dict] = field(default_factory=list)

    @property
    def duration(self) -> int:
        return max((s["at"] for s in self.steps), default=0)

    def as_json(self) -> dict:
        return {
            "title": self.title,
            "category": self.category,
            "description": self.description,
            "reporters": self.reporters,
            "steps": self.steps,
        }


def _lines(node, path: str, out: dict[str, int]) -> None:
    """Each path's line (1-based) in the file, from PyYAML's node tree."""
    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = str(key.value)
            child = f"{path}.{name}" if path else name
            out[child] = key.start_mark.line + 1
            _lines(value, child, out)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _lines(item, f"{path}[{index}]", out)


def _load(text: str, is_json: bool) -> tuple[object, dict[str, int]]:
    lines: dict[str, int] = {}
    if is_json:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise Invalid([Problem("", exc.lineno, _("not valid JSON: %(error)s") % {"error": exc.msg})]) from None
        with contextlib.suppress(yaml.YAMLError):  # JSON is YAML: its node tree gives the lines of the fields
            _lines(yaml.compose(text, Loader=yaml.SafeLoader), "", lines)
        return data, lines
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or str(exc)
        line = mark.line + 1 if mark else None
        raise Invalid([Problem("", line, _("not valid YAML: %(error)s") % {"error": problem})]) from None
    except yaml.YAMLError as exc:
        raise Invalid([Problem("", None, _("not valid YAML: %(error)s") % {"error": exc})]) from None
    if node is not None:
        _lines(node, "", lines)
    return data, lines


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class _Check:
    def __init__(self, lines: dict[str, int]):
        self.lines, self.problems = lines, []

    def bad(self, path: str, message: str) -> None:
        line = self.lines.get(path)
        if line is None:  # a missing field: the line of what should hold it
            parent = path.rsplit(".", 1)[0] if "." in path else ""
            line = self.lines.get(parent)
        self.problems.append(Problem(path, line, message))

    def text(self, data: dict, key: str, path: str, *, required: bool = True, limit: int = 200) -> str:
        value = data.get(key)
        if value is None:
            if required:
                self.bad(path, _("required"))
            return ""
        if not isinstance(value, str) or not value.strip():
            self.bad(path, _("must be text"))
            return ""
        if len(value) > limit:
            self.bad(path, _("too long (at most %(n)s characters)") % {"n": limit})
        return value.strip()[:limit]


def _pin(check: _Check, value, path: str) -> dict | None:
    if not isinstance(value, dict):
        check.bad(path, _("must be a mapping with latitude and longitude"))
        return None
    pin = {}
    for key, low, high in (("latitude", -90, 90), ("longitude", -180, 180)):
        number = value.get(key)
        if not _number(number) or not low <= number <= high:
            check.bad(f"{path}.{key}", _("must be a number from %(low)s to %(high)s") % {"low": low, "high": high})
        else:
            pin[key] = float(number)
    address = value.get("address", "")
    if not isinstance(address, str):
        check.bad(f"{path}.address", _("must be text"))
        address = ""
    pin["address"] = address[:300]
    for key in sorted(set(value) - {"latitude", "longitude", "address"}):
        check.bad(f"{path}.{key}", _("unknown field"))
    return pin if len(pin) == 3 else None


def _step(check: _Check, raw, index: int, reporters: dict) -> dict | None:
    path = f"steps[{index}]"
    if not isinstance(raw, dict):
        check.bad(path, _("must be a mapping (at, reporter and one action)"))
        return None
    step: dict = {}
    at = raw.get("at")
    if not _number(at) or not 0 <= at <= MAX_SECONDS:
        check.bad(f"{path}.at", _("must be seconds from 0 to %(n)s") % {"n": MAX_SECONDS})
    else:
        step["at"] = int(at)
    who = raw.get("reporter")
    if who not in reporters:
        known = ", ".join(reporters) or "—"
        check.bad(f"{path}.reporter", _("must be one of the reporters (%(known)s)") % {"known": known})
    else:
        step["reporter"] = who
    actions = [a for a in ACTIONS if a in raw]
    for key in sorted(set(raw) - {"at", "reporter", *ACTIONS}, key=str):
        check.bad(
            f"{path}.{key}",
            _("unknown field; a step has at, reporter and one of %(actions)s") % {"actions": ", ".join(ACTIONS)},
        )
    if len(actions) != 1:
        check.bad(path, _("needs exactly one of %(actions)s") % {"actions": ", ".join(ACTIONS)})
        return None
    action = actions[0]
    value = raw[action]
    step["action"] = action
    if action == "say":
        if not isinstance(value, str) or not value.strip():
            check.bad(f"{path}.say", _("must be the words the reporter sends"))
        elif len(value) > MAX_TEXT:
            check.bad(f"{path}.say", _("too long (at most %(n)s characters)") % {"n": MAX_TEXT})
        else:
            step["text"] = value.strip()
    elif action == "tap":
        if value not in texts.REPORTABLE:
            check.bad(
                f"{path}.tap",
                _("unknown category; one of %(categories)s") % {"categories": ", ".join(texts.REPORTABLE)},
            )
        else:
            step["category"] = value
    elif action == "pin":
        if (pin := _pin(check, value, f"{path}.pin")) is not None:
            step["pin"] = pin
    elif action == "photo":
        if not isinstance(value, str | bool) or value is False:
            check.bad(f"{path}.photo", _("must be a short label or true"))
        else:
            step["label"] = value if isinstance(value, str) else "photo"
    elif action == "silent" and value is not True:
        check.bad(f"{path}.silent", _("must be true"))
    return step


def parse(text: str, name: str = "scenario.yaml") -> Scenario:
    """Read and check one scenario file; raises `Invalid` listing every problem found."""
    if len(text) > MAX_SOURCE:
        raise Invalid([Problem("", None, _("the file is too large (at most %(n)s characters)") % {"n": MAX_SOURCE})])
    data, lines = _load(text, name.lower().endswith(".json"))
    check = _Check(lines)
    if not isinstance(data, dict):
        raise Invalid([Problem("", 1, _("must be a mapping with title, category, reporters and steps"))])
    for key in sorted(set(data) - {"title", "category", "description", "reporters", "steps"}, key=str):
        check.bad(str(key), _("unknown field"))
    title = check.text(data, "title", "title")
    description = check.text(data, "description", "description", required=False, limit=2000)
    category = data.get("category")
    if category not in texts.REPORTABLE:
        check.bad(
            "category", _("unknown category; one of %(categories)s") % {"categories": ", ".join(texts.REPORTABLE)}
        )
    reporters: dict[str, dict] = {}
    raw_reporters = data.get("reporters")
    if not isinstance(raw_reporters, dict) or not raw_reporters:
        check.bad("reporters", _("must name at least one reporter, e.g. a: {}"))
        raw_reporters = {}
    for key, options in raw_reporters.items():
        path = f"reporters.{key}"
        if not isinstance(key, str) or not KEY.match(key):
            check.bad(path, _("a reporter's key is 1 to 16 lower-case letters, digits or _"))
            continue
        options = options or {}
        if not isinstance(options, dict):
            check.bad(path, _("must be a mapping (may be empty: {})"))
            continue
        reporter = {}
        for option in sorted(set(options) - {"duplicate_of", "false_report"}, key=str):
            check.bad(f"{path}.{option}", _("unknown field; a reporter may have duplicate_of and false_report"))
        if "duplicate_of" in options:
            target = options["duplicate_of"]
            if target == key or target not in raw_reporters:
                check.bad(f"{path}.duplicate_of", _("must be another reporter's key"))
            else:
                reporter["duplicate_of"] = target
        if "false_report" in options:
            if not isinstance(options["false_report"], bool):
                check.bad(f"{path}.false_report", _("must be true or false"))
            elif options["false_report"]:
                reporter["false_report"] = True
        reporters[key] = reporter
    raw_steps = data.get("steps")
    steps: list[dict] = []
    if not isinstance(raw_steps, list) or not raw_steps:
        check.bad("steps", _("must be a list of at least one step"))
        raw_steps = []
    if len(raw_steps) > MAX_STEPS:
        check.bad("steps", _("too many steps (at most %(n)s)") % {"n": MAX_STEPS})
        raw_steps = raw_steps[:MAX_STEPS]
    silent_at: dict[str, int] = {}
    last_at = 0
    for index, raw in enumerate(raw_steps):
        step = _step(check, raw, index, reporters)
        if step is None or "at" not in step:
            continue
        if step["at"] < last_at:
            check.bad(f"steps[{index}].at", _("steps must be in time order (this one is before the one above)"))
        last_at = max(last_at, step["at"])
        who = step.get("reporter")
        if who in silent_at:
            check.bad(
                f"steps[{index}]", _("reporter %(key)s went silent at step %(n)s") % {"key": who, "n": silent_at[who]}
            )
        if step["action"] == "silent" and who:
            silent_at[who] = index
        steps.append(step)
    for key in reporters:
        if not any(s.get("reporter") == key and s["action"] != "silent" for s in steps) and not check.problems:
            check.bad(f"reporters.{key}", _("sends nothing: give this reporter a step"))
    if check.problems:
        raise Invalid(check.problems)
    return Scenario(title=title, category=category, description=description, reporters=reporters, steps=steps)


def builtin() -> dict[str, Scenario]:
    """The shipped scenarios, by file name (checked by the tests: each parses)."""
    found = {}
    for path in sorted(BUILTIN_DIR.glob("*.y*ml")) + sorted(BUILTIN_DIR.glob("*.json")):
        found[path.name] = parse(path.read_text(encoding="utf-8"), path.name)
    return found
