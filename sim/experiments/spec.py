"""Experiment files: what to run, how many times, and which design.

An experiment is a TOML file validated against :class:`Experiment` (unknown keys are
rejected, like scenarios)::

    name = "compare_cultures"
    description = "Sites A, B and C side by side"
    days = 365                 # per run
    replications = 100         # per scenario and design point
    base_seed = 20190301       # replication seeds: numpy SeedSequence(base_seed).spawn(n)
    outcomes = ["response_rate", "changes_made"]   # end-of-run outcomes to report

    [[scenarios]]
    file = "../scenarios/site_a.toml"   # relative to this file
    label = "A"                         # optional; default: the scenario's name
    set = { "cast.size" = 10 }          # optional overrides (dotted scenario fields)

    [design]
    kind = "compare"           # compare | factorial | lhs | sobol | morris

A ``factorial`` design lists ``[design.factors]``: each dotted field with a list of values,
or a range ``{ low, high, num, scale = "linear" | "log", integer }``. The ``lhs``, ``sobol``
and ``morris`` designs list ``[design.parameters]``: each dotted field with a range
``{ low, high, scale, integer }``, and set ``samples`` (LHS points; Sobol base sample N;
Morris trajectories). Every scenario runs at every design point.

Errors are :class:`~sim.errors.ScenarioError`: one line naming the file, the field and what
was expected.
"""

from __future__ import annotations

import hashlib
import json
import math
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from sim.errors import CurtainError, ScenarioError
from sim.experiments.outcomes import DEFAULT_OUTCOMES, OUTCOMES
from sim.scenario import Scenario, load_scenario, read_toml

DESIGNS = ("compare", "factorial", "lhs", "sobol", "morris")


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


#: Strict, finite numbers (no true/false or "3" in quotes; inf and nan refused), as in
#: scenario files; counts are capped by sim.limits when the file is loaded.
Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
Flag = Annotated[bool, Field(strict=True)]


def _count(minimum: int) -> Any:
    return Annotated[int, Field(ge=minimum, strict=True)]


#: An experiment's name names its default output folder: a plain name, never a path.
NAME_PATTERN = r"^[A-Za-z0-9_-]{1,100}$"


class ScenarioEntry(_Spec):
    file: str = Field(description="Scenario TOML file, relative to the experiment file.")
    label: str | None = Field(None, description="Name in tables and plots (default: its name).")
    set: dict[str, Any] = Field(default_factory=dict, description="Dotted field overrides.")


class Range(_Spec):
    low: Number = Field(description="Lowest value.")
    high: Number = Field(description="Highest value.")
    scale: Literal["linear", "log"] = Field("linear", description="Spacing of values.")
    integer: Flag = Field(False, description="Round values to whole numbers.")
    num: _count(2) | None = Field(None, description="Number of values (factorial designs only).")

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if not self.high > self.low:
            raise ValueError(f"expected high > low, got low {self.low:g}, high {self.high:g}")
        if self.scale == "log" and self.low <= 0:
            raise ValueError(f"expected low > 0 on a log scale, got {self.low:g}")
        return self

    def value(self, u: float) -> float | int:
        """The value at ``u`` in [0, 1] along this range's scale."""
        if self.scale == "log":
            x = math.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low)))
        else:
            x = self.low + u * (self.high - self.low)
        x = min(max(x, self.low), self.high)
        return round(x) if self.integer else float(x)

    def values(self) -> list[float | int]:
        """``num`` evenly spaced values (factorial designs), duplicates after rounding dropped."""
        out: list[float | int] = []
        for i in range(self.num or 2):
            v = self.value(i / ((self.num or 2) - 1))
            if v not in out:
                out.append(v)
        return out


class Design(_Spec):
    kind: Literal["compare", "factorial", "lhs", "sobol", "morris"] = Field(
        description="compare, factorial, lhs, sobol or morris."
    )
    factors: dict[str, list[Any] | Range] = Field(
        default_factory=dict, description="factorial: dotted field -> values or range."
    )
    parameters: dict[str, Range] = Field(
        default_factory=dict, description="lhs, sobol, morris: dotted field -> range."
    )
    samples: _count(1) | None = Field(
        None, description="LHS points; Sobol base sample N; Morris trajectories."
    )
    levels: _count(2) = Field(4, description="Morris grid levels.")
    second_order: Flag = Field(False, description="Sobol: also estimate second-order indices.")

    @model_validator(mode="after")
    def _fits_kind(self) -> Design:
        sampled = self.kind in ("lhs", "sobol", "morris")
        if self.kind == "factorial" and not self.factors:
            raise ValueError("a factorial design expects [design.factors] with at least one field")
        if self.kind != "factorial" and self.factors:
            raise ValueError(f"a {self.kind} design takes no factors (factorial designs do)")
        if sampled and not self.parameters:
            raise ValueError(f"a {self.kind} design expects [design.parameters] with ranges")
        if not sampled and self.parameters:
            raise ValueError(f"a {self.kind} design takes no parameters (lhs/sobol/morris do)")
        if sampled and self.samples is None:
            raise ValueError(f"a {self.kind} design expects samples = N")
        if self.kind in ("sobol", "morris") and len(self.parameters) < 2:
            raise ValueError(f"a {self.kind} design expects at least two parameters")
        for path, factor in self.factors.items():
            if isinstance(factor, list) and not factor:
                raise ValueError(f"factor {path!r}: expected at least one value")
            if isinstance(factor, Range) and factor.num is None:
                raise ValueError(f"factor {path!r}: expected num = N values in its range")
        self._within_limits()
        return self

    def point_count(self) -> int:
        """Design points, computed from the counts alone (before anything is sampled)."""
        d = len(self.parameters)
        n = self.samples or 0
        if self.kind == "factorial":
            return math.prod(
                (f.num or 2) if isinstance(f, Range) else len(f) for f in self.factors.values()
            )
        if self.kind == "lhs":
            return n
        if self.kind == "sobol":
            return n * (2 * d + 2 if self.second_order else d + 2)
        if self.kind == "morris":
            return n * (d + 1)
        return 1

    def _within_limits(self) -> None:
        from sim import limits

        if self.samples is not None and self.samples > limits.get("samples"):
            raise ValueError(limits.refusal("samples", self.samples, "design.samples"))
        if self.levels > limits.get("points"):
            raise ValueError(limits.refusal("points", self.levels, "design.levels"))
        for path, factor in self.factors.items():
            if isinstance(factor, Range) and (factor.num or 0) > limits.get("points"):
                raise ValueError(limits.refusal("points", factor.num, f"factor {path!r}: num"))
        count = self.point_count()
        if count > limits.get("points"):
            raise ValueError(limits.refusal("points", count, f"a {self.kind} design"))

    def axes(self) -> dict[str, list[Any]]:
        """factorial: each factor's values."""
        return {
            path: (f.values() if isinstance(f, Range) else list(f))
            for path, f in self.factors.items()
        }


#: How reports name the run length when each scenario runs its own (``days`` unset).
OWN_DAYS = "its own"


class Experiment(_Spec):
    name: str = Field(
        pattern=NAME_PATTERN,
        description="Short plain name (letters, digits, - and _), used for the default output "
        "directory results/NAME.",
    )
    description: str = Field("", description="The question the experiment answers.")
    days: _count(1) | None = Field(
        None,
        description="Days per run (default: each scenario's own, e.g. a site's whole history).",
    )
    replications: _count(1) = Field(description="Runs per scenario and point.")
    base_seed: Annotated[int, Field(ge=0, lt=2**128, strict=True)] = Field(
        description="Root of the replication seeds."
    )
    outcomes: list[str] = Field(
        default_factory=lambda: list(DEFAULT_OUTCOMES), description="Outcomes to report."
    )
    scenarios: list[ScenarioEntry] = Field(description="Scenarios to run.", min_length=1)
    design: Design = Field(description="How the runs are laid out.")

    @field_validator("outcomes")
    @classmethod
    def _known_outcomes(cls, value: list[str]) -> list[str]:
        for name in value:
            if name not in OUTCOMES:
                known = ", ".join(OUTCOMES)
                raise ValueError(f"unknown outcome {name!r}; expected one of: {known}")
        if not value:
            raise ValueError("expected at least one outcome")
        return value


class LoadedExperiment:
    """A validated experiment file with its scenarios resolved."""

    def __init__(
        self,
        path: Path,
        spec: Experiment,
        scenarios: dict[str, Scenario],
        warnings: list[str] | None = None,
    ):
        self.path = path
        self.spec = spec
        self.scenarios = scenarios  # label -> resolved scenario (overrides applied)
        self.warnings = warnings or []  # one line each (interventions the runs never reach)

    @property
    def labels(self) -> list[str]:
        return list(self.scenarios)

    def parameter_paths(self) -> list[str]:
        design = self.spec.design
        return list(design.factors) if design.kind == "factorial" else list(design.parameters)

    @cached_property
    def digest(self) -> str:
        """SHA-256 of the experiment and every resolved scenario: equal digests, equal runs."""
        data = {
            "experiment": self.spec.model_dump(mode="json"),
            "scenarios": {label: s.digest() for label, s in self.scenarios.items()},
        }
        text = json.dumps(data, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


def load_experiment(path: str | Path) -> LoadedExperiment:
    """Read, validate and resolve an experiment file (scenarios and design ranges included)."""
    path = Path(path)
    source = str(path)
    data = read_toml(path)
    try:
        spec = Experiment.model_validate(data)
    except ValidationError as exc:
        raise _error(exc, source) from None

    scenarios: dict[str, Scenario] = {}
    for i, entry in enumerate(spec.scenarios):
        scenario = _load_entry(path, i, entry)
        label = entry.label or scenario.name
        if label in scenarios:
            raise ScenarioError(
                source, f"scenarios[{i}].label", f"expected a label not used before, got {label!r}"
            )
        scenarios[label] = scenario
    warnings = _check_size(source, spec, scenarios)
    _check_design(source, spec, scenarios)
    return LoadedExperiment(path, spec, scenarios, warnings)


def _check_size(source: str, spec: Experiment, scenarios: dict[str, Scenario]) -> list[str]:
    """Refuse a sweep too large for the limits before anything runs; warn (one line each)
    about interventions after the last day."""
    from sim import limits
    from sim.runner import outside_the_run

    def refuse(field: str, name: str, got: float, where: str = "") -> None:
        if got > limits.get(name):
            raise ScenarioError(source, field, limits.refusal(name, got, where))

    # Without days of its own, each scenario runs its own length: bound by the longest.
    days = spec.days or max(scenario.days for scenario in scenarios.values())
    refuse("days", "days", days)
    refuse("replications", "replications", spec.replications)
    runs = spec.design.point_count() * len(scenarios) * spec.replications
    refuse("design", "runs", runs, "points x scenarios x replications")
    refuse("days", "run_days", runs * days, f"{runs:,} runs x {days} days")
    warnings = []
    for label, scenario in scenarios.items():
        warnings += outside_the_run(scenario, spec.days, f"{source}: {label}")
    return warnings


def _load_entry(path: Path, i: int, entry: ScenarioEntry) -> Scenario:
    file = path.parent / entry.file
    if not file.exists():
        raise ScenarioError(str(path), f"scenarios[{i}].file", f"file not found: {file}")
    scenario = load_scenario(file)  # errors inside the scenario file name that file
    try:
        return scenario.with_overrides(entry.set, source=str(path))
    except ScenarioError as err:
        raise ScenarioError(str(path), f"scenarios[{i}].set.{err.field}", err.expected) from None


def _check_design(source: str, spec: Experiment, scenarios: dict[str, Scenario]) -> None:
    """Every design field must exist and accept its extreme values in every scenario."""
    from sim.runner import preflight

    for label, scenario in scenarios.items():
        try:
            preflight(scenario, spec.days)
        except CurtainError as err:
            raise ScenarioError(source, f"scenarios ({label})", str(err)) from None
    design = spec.design
    table = "factors" if design.kind == "factorial" else "parameters"
    fields: dict[str, list[Any]] = {}
    for path, factor in design.factors.items():
        fields[path] = factor.values() if isinstance(factor, Range) else list(factor)
    for path, rng in design.parameters.items():
        fields[path] = [rng.value(0.0), rng.value(1.0)]
    for path, values in fields.items():
        for value in values:
            for scenario in scenarios.values():
                try:
                    changed = scenario.with_overrides({path: value}, source=source)
                    preflight(changed, spec.days)
                except CurtainError as err:
                    expected = getattr(err, "expected", str(err))
                    raise ScenarioError(
                        source, f"design.{table}.{path}", f"{expected} (value {value!r})"
                    ) from None


def _error(exc: ValidationError, source: str) -> ScenarioError:
    errors = exc.errors(include_url=False)
    err = errors[0]
    if "list[any]" in err["loc"] and isinstance(err.get("input"), dict):
        # a factor given as a table is a range: its own error says more than "expected a list"
        err = next((e for e in errors if any("Range" in str(p) for p in e["loc"])), err)
    loc = [f"[{p}]" if isinstance(p, int) else str(p) for p in err["loc"]]
    # pydantic names union members tried (e.g. "list[any]", "Range"): drop those
    loc = [p for p in loc if p != "list[any]" and "Range" not in p]
    field = ".".join(loc).replace(".[", "[") or None
    kind = err["type"]
    got = err.get("input")
    shown = f", got {got!r}" if not isinstance(got, dict | list) else ""
    if kind == "missing":
        expected = "required field is missing"
    elif kind == "extra_forbidden":
        expected = "unknown key (see the experiment file format in docs/experiments.md)"
    elif kind in ("int_type", "int_parsing", "int_from_float"):
        expected = f"expected a whole number{shown}"
    elif kind in ("float_type", "float_parsing"):
        expected = f"expected a number{shown}"
    elif kind == "finite_number":
        expected = f"expected a finite number{shown}"
    elif kind == "string_pattern_mismatch":
        expected = f"expected a plain name (letters, digits, - and _; not a path){shown}"
    elif kind == "less_than":
        expected = f"expected a number below {err['ctx']['lt']}{shown}"
    elif kind == "string_type":
        expected = f"expected text in quotes{shown}"
    elif kind == "bool_type" or kind == "bool_parsing":
        expected = f"expected true or false{shown}"
    elif kind in ("list_type",):
        expected = f"expected a list{shown}"
    elif kind in ("dict_type", "model_type"):
        expected = f"expected a table{shown}"
    elif kind == "literal_error":
        expected = f"expected one of {err.get('ctx', {}).get('expected', '')}{shown}"
    elif kind == "greater_than_equal":
        expected = f"expected a number at least {err['ctx']['ge']}{shown}"
    elif kind == "too_short":
        expected = "expected at least one entry"
    elif kind == "value_error":
        expected = str(err["msg"]).removeprefix("Value error, ")
    else:
        expected = f"{err['msg']}{shown}"
    return ScenarioError(source, field, expected)
