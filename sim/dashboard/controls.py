"""The dashboard's lever controls, generated from the scenario schema (no Solara here).

Every control comes from :func:`sim.scenario.schema_fields`: a policy name becomes a dropdown
of the names in the lever's policy registry, a field bounded on both sides a slider with the
schema's bounds, any other number a number input with its lower bound. No default lives here:
a control shows the value in force in the running model. The only choice made here is which
controls are shown first (the levers the brief names) and which are folded away.

Words come from one source each: a field's label is its description in the schema, a
policy's label and one-line description come from its lever's registry
(:meth:`~sim.policies.registry.Registry.label`, :meth:`~sim.policies.registry.Registry.describe`,
which `curtain policies` prints too). A value the schema refuses is explained in a sentence
with those labels (:func:`refusal`).

The role shares of the cast (``cast.roles.*``) are left to scenario files: they must sum to 1,
so they cannot be moved one slider at a time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sim.policies.registry import REGISTRIES
from sim.scenario import LEVERS, schema_fields

#: Shown first, in this order, after each lever's policy: the brief's "cast list size",
#: "leadership priority" and the time levers that decide whether anyone can answer.
PRIMARY_FIELDS = (
    "cast.size",
    "cast.max_size",
    "leadership.priority",
    "staff_time.hours_per_week",
    "staff_time.central_hours_per_week",
    "staff_time.headspace_hours_per_month",
)
#: Fields no single control can set (see the module docstring).
LEFT_TO_FILES = ("cast.roles.",)


@dataclass(frozen=True)
class ControlSpec:
    path: str
    label: str
    widget: str  # "select", "slider", "int", "float"
    choices: tuple[str, ...] | None
    min: float | None
    max: float | None
    description: str
    primary: bool

    def parse(self, value: Any) -> Any:
        """The control's value as the schema expects it (whole numbers for counts)."""
        if self.widget == "select":
            return str(value)
        if self.widget == "int":
            return int(value)
        return float(value)

    def choice_label(self, value: Any) -> str:
        """A dropdown choice as shown: a policy's label, else the value itself."""
        lever = self.path.split(".")[0]
        if self.path.endswith(".policy") and str(value) in REGISTRIES[lever].names():
            return REGISTRIES[lever].label(str(value))
        return str(value)

    def choice_value(self, shown: str) -> str:
        """The value behind a dropdown label (the inverse of :meth:`choice_label`)."""
        for choice in self.choices or ():
            if self.choice_label(choice) == shown:
                return choice
        return shown

    def help(self, value: Any) -> str:
        """One line under the control: what the chosen policy does (from the registry)."""
        lever = self.path.split(".")[0]
        if self.path.endswith(".policy") and str(value) in REGISTRIES[lever].names():
            return REGISTRIES[lever].describe(str(value)).replace("``", "")
        return ""


def lever_words(lever: str) -> str:
    """A lever's name in words: ``staff_time`` -> ``Staff time``."""
    return lever.replace("_", " ").capitalize()


def _label(path: str, description: str) -> str:
    """A field's label: its schema description; for a policy, the lever's name. A trailing
    "(policy_name)" saying which policy reads the field becomes that policy's label."""
    lever = path.split(".")[0]
    if path.endswith(".policy"):
        return lever_words(lever)
    text = description.strip().rstrip(".") or path.split(".", 1)[1].replace("_", " ")
    marker = re.search(r"\s*\((\w+)\)$", text)
    if marker and marker.group(1) in REGISTRIES[lever].names():
        policy = REGISTRIES[lever].label(marker.group(1))
        text = f"{text[: marker.start()]} (with: {policy})"
    return text


def short_label(path: str) -> str:
    """A field's label up to its first colon or bracket, for sentences."""
    for spec in lever_controls():
        if spec.path == path:
            return re.split(r":|\s\(", spec.label)[0].strip()
    return path.split(".")[-1].replace("_", " ")


def refusal(path: str, value: Any, message: str) -> str:
    """A refused value explained in one sentence, in the controls' words.

    ``message`` is the schema's error, e.g. ``dashboard: cast: expected max_size >= size, got
    max_size 2 < size 50``; field names in it become their labels.
    """
    text = message.split(": ", 1)[1] if message.startswith("dashboard: ") else message
    section, _, rest = text.partition(": ")
    expected, _, got = rest.partition(", got ")
    expected = expected.removeprefix("expected ").strip()
    if not expected:
        return f"Not changed: {short_label(path)} cannot be {value} ({message})."
    lever = section.split(".")[0]

    fields = sorted(
        (row["path"] for row in schema_fields() if row["path"].startswith(lever + ".")),
        key=len,
        reverse=True,
    )

    def name(field: str) -> str:
        return f"‘{short_label(field).lower()}’"

    def words(part: str) -> str:
        part = part.replace(">=", "must be at least").replace("<=", "must be at most")
        for field in fields:
            part = re.sub(rf"\b{re.escape(field.split('.')[-1])}\b", name(field), part)
        return part

    if section == path:  # a bound on this field alone
        return f"Not changed: {short_label(path)} must be {expected}, not {value}."
    now = [
        f"{name(f)} is {number}"
        for key, number in re.findall(r"(\w+) (-?[\d.]+)", got)
        for f in fields
        if f.split(".")[-1] == key and f != path
    ]
    return (
        f"Not changed: {short_label(path)} cannot be {value}, because {words(expected)}"
        + (f" ({', '.join(now)})" if now else "")
        + "."
    )


def lever_controls() -> list[ControlSpec]:
    """One control per lever field, policies and primary fields first, in lever order."""
    specs = []
    for row in schema_fields():
        path = row["path"]
        if not row["lever"] or path.startswith(LEFT_TO_FILES):
            continue
        if row["kind"] == "choice":
            widget = "select"
        elif row["kind"] == "int":
            widget = "int"
        elif row["min"] is not None and row["max"] is not None:
            widget = "slider"
        else:
            widget = "float"
        specs.append(
            ControlSpec(
                path=path,
                label=_label(path, row["description"]),
                widget=widget,
                choices=tuple(map(str, row["choices"])) if row["choices"] else None,
                min=row["min"],
                max=row["max"],
                description=row["description"],
                primary=path.endswith(".policy") or path in PRIMARY_FIELDS,
            )
        )

    def order(spec: ControlSpec) -> tuple[int, int, int]:
        lever = LEVERS.index(spec.path.split(".")[0])
        if spec.path.endswith(".policy"):
            return (0, lever, 0)
        if spec.primary:
            return (1, PRIMARY_FIELDS.index(spec.path), 0)
        return (2, lever, 0)

    return sorted(specs, key=order)


def change_words(note: str) -> str:
    """An intervention's ledger note (``"note (path = value, ...)"``) in the controls' words:
    each ``path = value`` becomes ``label: value``, a policy by its registry label."""

    def words(match: re.Match) -> str:
        path, value = match.group(1), match.group(2).strip("'\"")
        lever = path.split(".")[0]
        if path.endswith(".policy") and lever in REGISTRIES:
            if value in REGISTRIES[lever].names():
                value = REGISTRIES[lever].label(value)
            return f"{lever_words(lever)}: {value}"
        return f"{short_label(path)}: {value}"

    if note.startswith("dashboard ("):  # the Classroom's note for a change made on the page
        note = "changed on this page " + note.removeprefix("dashboard ")
    return re.sub(r"\b([a-z_]+(?:\.[a-z_]+)+) = ('[^']*'|[^,()]+)", words, note)
