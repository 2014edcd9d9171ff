"""The dashboard's lever controls, generated from the scenario schema (no Solara here).

Every control comes from :func:`sim.scenario.schema_fields`: a policy name becomes a dropdown
of the names in the lever's policy registry, a field bounded on both sides a slider with the
schema's bounds, any other number a number input with its lower bound. No default lives here:
a control shows the value in force in the running model. The only choice made here is which
controls are shown first (the levers the brief names) and which are folded away.

The role shares of the cast (``cast.roles.*``) are left to scenario files: they must sum to 1,
so they cannot be moved one slider at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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


def _label(path: str) -> str:
    lever, _, name = path.partition(".")
    return f"{lever.replace('_', ' ')}: {name.replace('_', ' ').replace('.', ' ')}"


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
                label=_label(path),
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
