"""Upper bounds on every input, declared once.

A scenario or experiment that would take more time, memory or disk than a workstation has is
refused before any work starts, with one line naming the limit and the flag that raises it
(``--limit NAME=VALUE`` on `curtain run`, `experiment`, `compare` and `sensitivity`). The
bounds are generous: each is ten to a thousand times what the study's sites need (a Site C
year is about 6,500 stories on a cast of a few hundred), and each is about what one run or
one sweep can hold on a machine with a few GB of memory (a 100-year Site C run, about
650,000 stories, took 31 s and 2.6 GB here; see the README).

Three kinds of limit:

- **fields** (``PATHS``): the largest value a scenario field may take, by dotted path;
- **a ceiling** (``number``) on every other number the schema leaves unbounded above, so no
  field, including fields added later, can carry 1e300 into the model;
- **estimates** checked before any work: stories in a run (``stories.per_day x days``),
  runs and simulated days in an experiment, design points, samples;
- **files**: the size of a TOML file, the length of an ``extends`` chain, nesting depth.

The active values live in a context variable, so raising a limit for one command does not
leak into another (tests run many commands in one process).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from sim.errors import CurtainError


@dataclass(frozen=True)
class Limit:
    default: float
    what: str  # "days in a run", read as "at most N <what>"


#: Every limit, by the name ``--limit NAME=VALUE`` takes.
LIMITS: dict[str, Limit] = {
    "days": Limit(36_500, "days in a run (100 years)"),
    "services": Limit(10_000, "services in an organisation"),
    "cast": Limit(100_000, "staff on a cast list"),
    "per_day": Limit(10_000, "first-time stories a day"),
    "views": Limit(1_000_000, "views per story"),
    "number": Limit(1_000_000, "for any other number (a generic ceiling)"),
    "stories": Limit(1_000_000, "stories in one run (stories.per_day x days, estimated)"),
    "replications": Limit(100_000, "replications in an experiment"),
    "points": Limit(100_000, "design points in an experiment"),
    "samples": Limit(100_000, "samples of a sampled design"),
    "runs": Limit(1_000_000, "runs in an experiment (points x scenarios x replications)"),
    "run_days": Limit(100_000_000, "simulated days in an experiment (runs x days)"),
    "file_bytes": Limit(4_000_000, "bytes in a TOML file"),
    "extends": Limit(64, "files in an extends chain"),
    "depth": Limit(32, "levels of nested tables and arrays in a TOML file"),
}

#: The smallest non-zero size a number may have: below it a value underflows (a Beta shape
#: of mean x 5e-324 is 0) and means nothing a parameter could describe. Not raisable.
SMALLEST = 1e-9

#: Scenario fields capped by a named limit (every other unbounded number gets ``number``).
PATHS: dict[str, str] = {
    "days": "days",
    "organisation.services": "services",
    "cast.size": "cast",
    "cast.max_size": "cast",
    "stories.per_day": "per_day",
    "audience.views_per_story": "views",
}

_active: ContextVar[Mapping[str, float] | None] = ContextVar("curtain_limits", default=None)


def get(name: str) -> float:
    """The active value of limit ``name``."""
    return (_active.get() or {}).get(name, LIMITS[name].default)


def shown(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:g}"


@contextmanager
def raised(overrides: Mapping[str, float] | None) -> Iterator[None]:
    """Run the block with some limits set to other values."""
    token = _active.set({**(_active.get() or {}), **(overrides or {})})
    try:
        yield
    finally:
        _active.reset(token)


def parse(assignments: list[str] | None) -> dict[str, float]:
    """``--limit NAME=VALUE`` flags as a dict, each checked (one-line errors)."""
    found: dict[str, float] = {}
    for text in assignments or []:
        name, sep, raw = text.partition("=")
        name = name.strip()
        if not sep or name not in LIMITS:
            known = ", ".join(LIMITS)
            raise CurtainError(f"--limit {text}: expected NAME=VALUE with NAME one of: {known}")
        try:
            value = float(raw.replace("_", ""))
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or value < 1:
            raise CurtainError(f"--limit {text}: expected a finite number >= 1, got {raw!r}")
        found[name] = value
    return found


def refusal(name: str, got: float, where: str = "") -> str:
    """The one-line refusal for limit ``name`` exceeded by ``got``."""
    limit = LIMITS[name]
    at = f" ({where})" if where else ""
    got_text = "far more" if math.isinf(got) else shown(got)
    return (
        f"expected at most {shown(get(name))} {limit.what}, got {got_text}{at}; "
        f"raise it with --limit {name}=N if this machine can hold it"
    )


def check(name: str, got: float, where: str = "") -> None:
    """Raise a one-line :class:`CurtainError` when ``got`` exceeds limit ``name``."""
    if got > get(name):
        raise CurtainError(refusal(name, got, where))


def field_limit(path: str) -> str:
    """The limit capping the scenario field ``path`` (indices and prefixes ignored)."""
    return PATHS.get(path, "number")
