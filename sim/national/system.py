"""System files: a platform, the organisations on it, the typology rule and national policies.

A system file is a TOML file with ``[platform]``, ``[typology]``, ``[[groups]]`` (and/or an
explicit ``[[organisations]]`` list) and optional ``[[policies]]`` (docs/national.md). It is
validated with pydantic like a scenario file, and every mistake is one
:class:`~sim.errors.ScenarioError` naming the file, the dotted field and what was expected.

Each organisation's scenario is an ordinary :class:`sim.scenario.Scenario`: its group's
culture file (``extends``, relative to the system file), with the group's values drawn, the
platform's shared fields, ``--set`` overrides, and the national run's calendar (``days``,
``fieldwork_start_day = 0`` and no interventions of the culture file's history: a national run
simulates a year of organisations as they stand, not each one's history), validated by
:meth:`Scenario.with_overrides`, so every rule of a scenario file applies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sim.errors import ScenarioError
from sim.national.sampling import as_distribution
from sim.national.typology import CLASSES
from sim.scenario import (
    Scenario,
    _expectation,
    at_least_one_change,
    load_scenario,
    read_toml,
)

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
#: Keys that make a TOML file a system file rather than a scenario.
SYSTEM_KEYS = ("platform", "groups", "organisations")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Platform(_Section):
    stories_per_year: Annotated[float, Field(gt=0.0, allow_inf_nan=False)] | None = Field(
        None,
        description="National first-time stories a year at the start of the run, summed over "
        "organisations: each organisation's drawn stories.per_day is scaled so they add up "
        "to this (absent: no scaling).",
    )
    shared: dict[str, Any] = Field(
        default_factory=dict,
        description="Dotted scenario fields every organisation shares: the one public "
        "audience (audience.*) and patients (patients.*) of the platform.",
    )


class Typology(_Section):
    non_responder_below: Probability = Field(
        description="Response rate under which an organisation is a non-responder."
    )
    generic_at_least: Probability = Field(
        description="Share of answered stories whose best reply is generic from which an "
        "organisation is a generic responder."
    )
    conversational_at_least: Probability = Field(
        description="Share of answered stories with a conversational reply from which an "
        "organisation is a conversational responder."
    )


class Group(_Section):
    name: str = Field(
        pattern=r"^[A-Za-z0-9_\-]+$", description="Group name (letters, digits, _ -)."
    )
    extends: str = Field(description="Culture file, relative to the system file.")
    count: Annotated[int, Field(ge=1, le=5000)] = Field(description="Organisations in the group.")
    description: str = ""
    values: dict[str, Any] = Field(
        default_factory=dict,
        description="Dotted scenario fields: a plain value, or a distribution table.",
    )


class Listed(_Section):
    """One organisation given explicitly."""

    id: str = Field(pattern=r"^[A-Za-z0-9_\-]+$")
    extends: str
    group: str = "listed"
    values: dict[str, Any] = Field(default_factory=dict)


class Condition(_Section):
    group: str | None = Field(None, description="Only organisations of this group.")
    typology_class: str | None = Field(
        None,
        alias="class",
        description="Only organisations of this class, measured over their stories posted "
        "before the policy's day.",
    )
    field: str | None = Field(None, description="Only organisations whose dotted field ...")
    equals: Any = Field(None, description="... has this value on the policy's day.")

    @field_validator("typology_class")
    @classmethod
    def _known_class(cls, v: str | None) -> str | None:
        if v is not None and v not in CLASSES:
            raise ValueError(f"expected one of {', '.join(map(repr, CLASSES))}, got {v!r}")
        return v


class Policy(_Section):
    name: str = Field(pattern=r"^[A-Za-z0-9_\-]+$")
    day: Annotated[int, Field(ge=0)] = Field(description="Day the policy applies (from 0).")
    set: dict[str, Any] = Field(description="Dotted scenario fields and their new values.")
    note: str = ""
    where: Condition = Field(default_factory=Condition, description="Who it applies to.")

    _changes = field_validator("set")(at_least_one_change)


class System(_Section):
    name: str
    description: str = ""
    days: Annotated[int, Field(ge=1)] = 365
    platform: Platform = Field(default_factory=Platform)
    typology: Typology
    groups: list[Group] = Field(default_factory=list)
    organisations: list[Listed] = Field(default_factory=list)
    policies: list[Policy] = Field(default_factory=list)


@dataclass
class Organisation:
    index: int
    id: str
    group: str
    seed: int
    scenario: Scenario
    values: dict[str, Any] = field(default_factory=dict)  # drawn values, by dotted field


@dataclass
class LoadedSystem:
    path: Path
    system: System
    data: dict[str, Any]  # the file as read
    organisations: list[Organisation]
    seed: int
    days: int

    @property
    def name(self) -> str:
        return self.system.name

    def to_dict(self) -> dict[str, Any]:
        """The resolved system: the file and each organisation's drawn values and seed."""
        return {
            "system": self.system.model_dump(mode="json", by_alias=True),
            "organisations": [
                {"id": o.id, "group": o.group, "seed": o.seed, "values": o.values}
                for o in self.organisations
            ],
        }

    def digest(self) -> str:
        import hashlib
        import json

        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()


def is_system_file(path: str | Path) -> bool:
    """True when the TOML file at ``path`` describes a system (not one scenario)."""
    data = read_toml(Path(path))
    return any(key in data for key in SYSTEM_KEYS)


def _error(exc: ValidationError, source: str) -> ScenarioError:
    err = exc.errors(include_url=False)[0]
    dotted = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in err["loc"])
    return ScenarioError(source, dotted.replace(".[", "[") or None, _expected(err))


def _expected(err: dict[str, Any]) -> str:
    """What was expected, in words; bounds from the error itself (not the scenario schema)."""
    ctx = err.get("ctx") or {}
    got = err.get("input")
    words = {"ge": "at least", "gt": "above", "le": "at most", "lt": "below"}
    for key, word in words.items():
        if key in ctx and err["type"] in (
            "greater_than_equal",
            "greater_than",
            "less_than_equal",
            "less_than",
        ):
            return f"expected a number {word} {ctx[key]}, got {got!r}"
    return _expectation(err)


def load_system(
    path: str | Path,
    seed: int = 1,
    days: int | None = None,
    overrides: dict[str, Any] | None = None,
    policies: list[dict[str, Any]] | None = None,
) -> LoadedSystem:
    """Read, validate and draw a system: every organisation's scenario and run seed.

    Seeds: ``numpy.random.SeedSequence(seed).spawn(n + 1)``; child ``i`` seeds organisation
    ``i``'s run and the last child the draws of the organisations' values, so each
    organisation's run is the same whichever process runs it, and the same organisations
    (values and seeds) are drawn whatever ``policies`` are added: arms of a policy
    experiment are paired.
    """
    path = Path(path)
    source = str(path)
    data = read_toml(path)
    if policies:  # an experiment's arm adds its policies to the file's own
        data = {**data, "policies": list(data.get("policies", [])) + list(policies)}
    try:
        system = System.model_validate(data)
    except ValidationError as exc:
        raise _error(exc, source) from None
    days = system.days if days is None else days
    plan: list[tuple[str, str, str, dict[str, Any], str]] = []  # id, group, extends, values, where
    for g, group in enumerate(system.groups):
        width = max(3, len(str(group.count)))
        for k in range(group.count):
            plan.append(
                (
                    f"{group.name}-{k + 1:0{width}d}",
                    group.name,
                    group.extends,
                    group.values,
                    f"groups[{g}]",
                )
            )
    for i, listed in enumerate(system.organisations):
        plan.append((listed.id, listed.group, listed.extends, listed.values, f"organisations[{i}]"))
    if not plan:
        raise ScenarioError(source, "groups", "expected at least one group or organisation")
    ids = [p[0] for p in plan]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise ScenarioError(source, "organisations", f"expected unique ids, got {dup!r} twice")
    group_names = {p[1] for p in plan}
    for i, policy in enumerate(system.policies):
        if policy.where.group is not None and policy.where.group not in group_names:
            raise ScenarioError(
                source,
                f"policies[{i}].where.group",
                f"expected one of {', '.join(sorted(group_names))}, got {policy.where.group!r}",
            )
    children = np.random.SeedSequence(seed).spawn(len(plan) + 1)
    rng = np.random.default_rng(children[-1])
    cultures: dict[str, Scenario] = {}
    calendar = {"days": days, "fieldwork_start_day": 0, "interventions": []}
    drawn_all: list[dict[str, Any]] = []
    for _id, _group, extends, values, where in plan:
        culture_path = path.parent / extends
        if extends not in cultures:
            if not culture_path.exists():
                raise ScenarioError(source, f"{where}.extends", f"file not found: {culture_path}")
            cultures[extends] = load_scenario(culture_path)
        culture = cultures[extends].to_dict()
        drawn: dict[str, Any] = {}
        for key, spec in values.items():
            try:
                dist = as_distribution(spec)
            except ValidationError as exc:
                err = _error(exc, source)
                raise ScenarioError(source, f"{where}.values.{key}", err.expected) from None
            current = _get_dotted(culture, key)
            whole = isinstance(current, int) and not isinstance(current, bool)
            drawn[key] = dist.draw(rng, whole)
        drawn_all.append(drawn)
    # The platform's national volume: scale each organisation's rate to the total.
    if system.platform.stories_per_year is not None:
        rates = [
            d.get("stories.per_day", _get_dotted(cultures[p[2]].to_dict(), "stories.per_day"))
            for p, d in zip(plan, drawn_all, strict=True)
        ]
        total = sum(rates) * 365.0
        if total <= 0.0:
            raise ScenarioError(
                source,
                "platform.stories_per_year",
                "expected organisations with some stories to scale, got none",
            )
        factor = system.platform.stories_per_year / total
        for d, rate in zip(drawn_all, rates, strict=True):
            d["stories.per_day"] = rate * factor
    organisations = []
    for i, ((org_id, group, extends, _values, where), drawn) in enumerate(
        zip(plan, drawn_all, strict=True)
    ):
        changes = {**drawn, **system.platform.shared, **(overrides or {}), **calendar}
        changes["name"] = org_id
        try:
            scenario = cultures[extends].with_overrides(changes, source=f"{source} ({where})")
        except ScenarioError as err:
            raise ScenarioError(f"{source} ({where}, {org_id})", err.field, err.expected) from None
        run_seed = int(children[i].generate_state(1)[0])
        organisations.append(Organisation(i, org_id, group, run_seed, scenario, drawn))
    _check_policies(system, organisations, source)
    return LoadedSystem(path, system, data, organisations, seed, days)


def _check_policies(system: System, organisations: list[Organisation], source: str) -> None:
    """Each policy's fields must be ones an intervention may change, with valid values, for
    every organisation it could reach (checked against each group's first organisation)."""
    first: dict[str, Organisation] = {}
    for org in organisations:
        first.setdefault(org.group, org)
    for i, policy in enumerate(system.policies):
        for org in first.values():
            if policy.where.group is not None and org.group != policy.where.group:
                continue
            entry = {"day": policy.day, "set": policy.set, "note": policy.note}
            try:
                org.scenario.with_overrides({"interventions": [entry]}, source=source)
            except ScenarioError as err:
                what = (err.field or "").replace("interventions[0].", "", 1)
                raise ScenarioError(source, f"policies[{i}].{what}", err.expected) from None


def _get_dotted(data: dict[str, Any], key: str) -> Any:
    node: Any = data
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node
