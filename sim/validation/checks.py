"""Two checks of what `curtain validate` can tell: discrimination and robustness.

Both read the pattern file's sites and patterns (nothing here names a site or a pattern), and
both make their runs through :func:`sim.validation.validate.replicate` (or any ``run_many``
with its signature) and judge with :func:`sim.validation.validate.judge`, exactly as
`curtain validate` does.

**Discrimination** (a model that passes whatever it is given validates nothing). For every
pair of sites X, Y the scenario of X is given Y's culture: every lever section of
:data:`sim.scenario.LEVERS` and Y's interventions (the scheduled lever changes, kept at their
distance from the end of the run, since every site's history ends with the fieldwork year),
while X keeps everything else (its organisation, story volume, staff, confidence, run length
and the shared mechanism values). X's gating band patterns are judged on those runs. The
diagonal (X given its own levers) is the control; an off-diagonal cell in which no pattern
fails means X's patterns cannot tell X's culture from Y's. The levers are swapped, not the
whole scenario, because the levers are what the sites' cultures are said to differ by: a
pattern that still passes with another culture's levers is carried by the site's non-lever
values or holds by construction.

**Robustness** (do the orderings follow from the cultures or from the assumed numbers?).
Every numeric value labelled ``assumption`` (or ``calibrated``, a fitted assumption) in the
site files and the files they extend (:mod:`sim.validation.provenance`) gets one factor per
perturbation, drawn by a seeded scrambled Latin hypercube from ``[1 - spread, 1 + spread]``;
the same factor multiplies that value at every site that labels it an assumption (a value a
site labels evidence stays). Results are clipped to the schema's bounds and whole-number
fields rounded; in a nested table whose values sum to 1 (shares), the perturbed shares are
scaled back to their own total, so the table still sums to 1.
A value of 0 cannot move under a relative perturbation; values set by interventions are not
perturbed. Each perturbed set of sites is run ``reps`` times (the same seeds for every
perturbation: common random numbers), and each gating ordering pattern (``than``) is judged
as `curtain validate` judges it. Reported: per ordering, per group of orderings (those with
the same expression: changes made, response rates, reputation...) and all together, the
share of perturbations under which they hold.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import reduce
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import CurtainError, ScenarioError
from sim.scenario import LEVERS, Scenario
from sim.validation.patterns import KINDS, Pattern, PatternSet
from sim.validation.validate import Outcome, judge, replicate, replication_seeds, shared_runs

# ----------------------------------------------------------------------------- discrimination


def with_levers(own: Scenario, donor: Scenario, source: str = "discrimination") -> Scenario:
    """``own`` with every lever section and the interventions of ``donor``; the rest its own.

    The interventions keep their distance from the end of the run: every site file ends
    with the fieldwork year, so a change dated in the donor's fieldwork lands in the same
    place of the receiver's (one that would fall before the receiver's first day is dropped).
    """
    given = donor.to_dict()
    changes = {section: given[section] for section in LEVERS}
    shift = own.days - donor.days
    changes["interventions"] = [
        {**change, "day": change["day"] + shift}
        for change in given["interventions"]
        if change["day"] + shift >= 0
    ]
    return own.with_overrides(changes, source=source)


def site_patterns(patterns: PatternSet, site: str) -> list[Pattern]:
    """The gating band patterns read from ``site`` alone (orderings need two sites)."""
    return [p for p in patterns.patterns if p.site == site and not p.is_order and p.gate]


@dataclass
class Cell:
    """Site ``site``'s patterns judged on its scenario given the levers of ``levers_of``."""

    site: str
    levers_of: str
    outcomes: list[Outcome] = field(default_factory=list)
    error: str | None = None

    @property
    def failed(self) -> list[str]:
        return [o.pattern.id for o in self.outcomes if not o.passed]

    @property
    def own(self) -> bool:
        return self.site == self.levers_of

    def to_dict(self) -> dict[str, Any]:
        return {
            "patterns_of": self.site,
            "levers_of": self.levers_of,
            "gating": len(self.outcomes),
            "failed": self.failed,
            "error": self.error,
            "simulated": {o.pattern.id: _json(o.simulated) for o in self.outcomes},
        }


def discrimination(
    patterns: PatternSet,
    scenarios: dict[str, Scenario],
    reps: int,
    seed: int = 0,
    days: int | None = None,
    workers: int = 1,
    run_many: Callable[..., np.ndarray] = replicate,
) -> list[Cell]:
    """Every site's gating band patterns on its scenario given every site's levers."""
    seeds = replication_seeds(seed, reps)
    cells = []
    for site in patterns.sites:
        own = site_patterns(patterns, site)
        if not own:
            continue
        texts = sorted({p.expression.text for p in own})
        for donor in patterns.sites:
            cell = Cell(site, donor)
            cells.append(cell)
            try:
                scenario = (
                    scenarios[site]
                    if donor == site
                    else with_levers(scenarios[site], scenarios[donor], f"site {donor}'s levers")
                )
            except ScenarioError as exc:
                cell.error = str(exc)
                continue
            table = run_many(scenario, seeds, texts, days=days, workers=workers)
            figures = {site: {t: table[:, i] for i, t in enumerate(texts)}}
            cell.outcomes = [judge(p, figures) for p in own]
    return cells


def discrimination_summary(cells: Sequence[Cell]) -> dict[str, Any]:
    """The share of cross-assignments failing a pattern, and the patterns that never fail."""
    cross = [c for c in cells if not c.own and c.error is None]
    failing = [c for c in cross if c.failed]
    fails_under: dict[str, list[str]] = {}
    kinds: dict[str, str] = {}
    for c in cells:
        for o in c.outcomes:
            kinds[o.pattern.id] = o.pattern.kind
            fails_under.setdefault(o.pattern.id, [])
            if not c.own and not o.passed:
                fails_under[o.pattern.id].append(c.levers_of)
    by_kind = {
        kind: sum(any(not o.passed and o.pattern.kind == kind for o in c.outcomes) for c in cross)
        for kind in KINDS
    }
    return {
        "cross_assignments": len(cross),
        "failing_assignments": len(failing),
        "failing_by_kind": by_kind,
        "share_failing": len(failing) / len(cross) if cross else math.nan,
        "passing_assignments": [[c.site, c.levers_of] for c in cross if not c.failed],
        "fails_under": fails_under,
        "never_fail": [pid for pid, under in fails_under.items() if not under],
        "kinds": kinds,
    }


def format_discrimination(cells: Sequence[Cell], reps: int, seed: int) -> str:
    sites = list(dict.fromkeys(c.levers_of for c in cells))
    rows_of = list(dict.fromkeys(c.site for c in cells))
    by = {(c.site, c.levers_of): c for c in cells}
    summary = discrimination_summary(cells)
    lines = [
        "discrimination: each site's gating patterns (rows) judged on its own scenario given",
        "the levers of each site (columns): every lever section and the interventions; the",
        "rest stays the site's own. A cell counts the row's gating patterns that fail;",
        f"{reps} runs per cell, base seed {seed}; the diagonal (own levers) is the control.",
        "",
    ]
    header = ["patterns of \\ levers of", *sites]
    table = []
    for site in rows_of:
        n = max(len(by[(site, donor)].outcomes) for donor in sites)
        cells_row = []
        for donor in sites:
            c = by[(site, donor)]
            text = "refused" if c.error else f"{len(c.failed)} of {len(c.outcomes)}"
            cells_row.append(text + (" (own)" if c.own else ""))
        table.append([f"{site} ({n} gating)", *cells_row])
    widths = [max(len(r[i]) for r in (header, *table)) for i in range(len(header))]
    for r in (header, *table):
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(r)).rstrip())
    share = summary["share_failing"]
    shown = "n/a" if math.isnan(share) else f"{share:.0%}"
    lines += [
        "",
        f"cross-assignments failing at least one pattern: {summary['failing_assignments']} of "
        f"{summary['cross_assignments']} ({shown})",
    ]
    for kind, k in summary["failing_by_kind"].items():
        lines.append(
            f"  failing at least one {kind} pattern: {k} of {summary['cross_assignments']}"
        )
    for site, donor in summary["passing_assignments"]:
        lines.append(f"  PASSES EVERYTHING: site {site}'s patterns with site {donor}'s levers")
    lines += ["", "per pattern, the other sites' levers under which it fails:"]
    width = max((len(pid) for pid in summary["fails_under"]), default=0)
    for pid, under in summary["fails_under"].items():
        kind = summary["kinds"][pid]
        shown = ", ".join(under) if under else "none: passes whatever levers it is given"
        lines.append(f"  {pid:<{width}}  {kind:<11}  {shown}")
    for c in cells:
        if c.error:
            lines.append(f"refused: site {c.site} given site {c.levers_of}'s levers: {c.error}")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- robustness


@dataclass(frozen=True)
class Assumption:
    """A numeric scenario field some site labels an assumption, and where it does."""

    path: str
    integer: bool
    low: float | None
    high: float | None
    sites: tuple[str, ...]


def find_assumptions(site_files: dict[str, Path]) -> list[Assumption]:
    """Numeric fields labelled assumption (or calibrated) in each site's file chain; the run
    length (``days``, on which dated patterns depend) is not one of them."""
    from sim.scenario import schema_fields
    from sim.validation.provenance import label, value_note

    found = []
    for row in schema_fields():
        if row["kind"] not in ("float", "int") or "." not in row["path"]:
            continue  # top-level fields (days) say how long to run, not how the world works
        sites = tuple(
            site
            for site, path in site_files.items()
            if label(value_note(path, row["path"])[1]) in ("assumption", "calibrated")
        )
        if sites:
            found.append(
                Assumption(row["path"], row["kind"] == "int", row["min"], row["max"], sites)
            )
    return found


def factors(n_values: int, samples: int, spread: float, seed: int) -> np.ndarray:
    """A (samples x values) seeded scrambled Latin hypercube on [1 - spread, 1 + spread]."""
    from scipy.stats import qmc

    unit = qmc.LatinHypercube(d=n_values, seed=np.random.default_rng(seed)).random(samples)
    return 1.0 + spread * (2.0 * unit - 1.0)


def _get(scenario: Scenario, path: str) -> Any:
    return reduce(getattr, path.split("."), scenario)


def perturb(
    scenario: Scenario,
    site: str,
    assumptions: Sequence[Assumption],
    row: Sequence[float],
    source: str = "robustness",
) -> Scenario:
    """``scenario`` with each of ``site``'s assumption values times its factor (see module)."""
    values: dict[str, float | int] = {}
    for a, factor in zip(assumptions, row, strict=True):
        if site not in a.sites:
            continue
        value = float(_get(scenario, a.path)) * float(factor)
        if a.low is not None:
            value = max(value, a.low)
        if a.high is not None:
            value = min(value, a.high)
        values[a.path] = round(value) if a.integer else value
    for table, leaves in _share_tables(scenario, values).items():
        paths = [f"{table}.{leaf}" for leaf in leaves]
        before = sum(float(_get(scenario, p)) for p in paths)
        after = sum(values[p] for p in paths)
        if after > 0:
            for p in paths:
                values[p] *= before / after
    return scenario.with_overrides(values, source=source)


def _share_tables(scenario: Scenario, values: dict[str, float | int]) -> dict[str, list[str]]:
    """Nested tables (below a section) whose values sum to 1, with their perturbed leaves:
    those are scaled back to their own total, so the shares still sum to 1 and a share
    labelled evidence keeps its value."""
    tables: dict[str, list[str]] = {}
    for path in values:
        parts = path.split(".")
        if len(parts) >= 3:
            tables.setdefault(".".join(parts[:-1]), []).append(parts[-1])
    shares = {}
    for table, leaves in tables.items():
        node = _get(scenario, table)
        if abs(sum(getattr(node, k) for k in type(node).model_fields) - 1) < 1e-6:
            shares[table] = leaves
    return shares


@dataclass
class Robustness:
    orderings: list[Pattern]
    assumptions: list[Assumption]
    factors: np.ndarray  # samples x assumptions
    spread: float
    reps: int
    seed: int
    baseline: dict[str, Outcome]
    held: list[dict[str, bool] | None]  # per perturbation; None when refused
    difference: list[dict[str, float] | None]
    refused: list[str]
    pinned: list[str]  # assumptions at 0 wherever labelled so: a factor cannot move them

    @property
    def evaluated(self) -> list[int]:
        return [i for i, h in enumerate(self.held) if h is not None]

    def count(self, ids: Sequence[str]) -> tuple[int, int]:
        """(perturbations under which every ordering in ``ids`` holds, its mean difference > 0)."""
        ok = sum(all(self.held[i][pid] for pid in ids) for i in self.evaluated)
        sign = sum(all(self.difference[i][pid] > 0 for pid in ids) for i in self.evaluated)
        return ok, sign

    def groups(self) -> dict[str, list[str]]:
        """Orderings grouped by the figure they compare."""
        out: dict[str, list[str]] = {}
        for p in self.orderings:
            out.setdefault(p.expression.text, []).append(p.id)
        return out

    def correlates(self, pid: str, top: int = 3) -> list[tuple[str, float]]:
        """The assumptions whose factor ranks most with the ordering's difference (Spearman)."""
        idx = self.evaluated
        if len(idx) < 5:
            return []
        diff = _ranks(np.array([self.difference[i][pid] for i in idx]))
        if np.std(diff) == 0:
            return []
        out = []
        for j, a in enumerate(self.assumptions):
            f = _ranks(self.factors[idx, j])
            if np.std(f) == 0:
                continue
            out.append((a.path, float(np.corrcoef(f, diff)[0, 1])))
        out.sort(key=lambda kv: -abs(kv[1]))
        return out[:top]

    def to_dict(self) -> dict[str, Any]:
        n = len(self.evaluated)
        groups = {}
        for text, ids in self.groups().items():
            ok, sign = self.count(ids)
            groups[text] = {"orderings": ids, "held": ok, "direction": sign, "share": _share(ok, n)}
        ok, sign = self.count([p.id for p in self.orderings])
        return {
            "check": "robustness",
            "samples": len(self.held),
            "evaluated": n,
            "spread": self.spread,
            "reps": self.reps,
            "seed": self.seed,
            "assumptions": [{"path": a.path, "sites": list(a.sites)} for a in self.assumptions],
            "unperturbed": {pid: o.passed for pid, o in self.baseline.items()},
            "orderings": [
                {
                    "id": p.id,
                    "name": p.name,
                    "kind": p.kind,
                    "expression": p.expression.text,
                    "held": self.count([p.id])[0],
                    "direction": self.count([p.id])[1],
                    "share": _share(self.count([p.id])[0], n),
                    "min_difference": _json(self._min_difference(p.id)),
                    "correlates": [[k, v] for k, v in self.correlates(p.id)],
                }
                for p in self.orderings
            ],
            "groups": groups,
            "all": {"held": ok, "direction": sign, "share": _share(ok, n)},
            "refused": self.refused,
            "pinned": self.pinned,
            "per_sample": [
                {
                    "factors": {
                        a.path: float(f) for a, f in zip(self.assumptions, row, strict=True)
                    },
                    "held": held,
                    "difference": (
                        {k: _json(v) for k, v in diff.items()} if diff is not None else None
                    ),
                }
                for row, held, diff in zip(self.factors, self.held, self.difference, strict=True)
            ],
        }

    def _min_difference(self, pid: str) -> float:
        values = [self.difference[i][pid] for i in self.evaluated]
        return min(values) if values else math.nan


def _ranks(x: np.ndarray) -> np.ndarray:
    from scipy.stats import rankdata

    return rankdata(x)


def orderings_of(patterns: PatternSet) -> list[Pattern]:
    orders = [p for p in patterns.patterns if p.is_order and p.gate]
    if not orders:
        raise CurtainError(
            f"{patterns.path}: no gating ordering patterns (with `than`) to check robustness on"
        )
    return orders


def _judge_orderings(orders, scenarios, seeds, days, workers, run_many) -> dict[str, Outcome]:
    texts: dict[str, set[str]] = {}
    for p in orders:
        for site in (p.site, p.than):
            texts.setdefault(site, set()).add(p.expression.text)
    figures = {}
    for site, wanted in texts.items():
        ordered = sorted(wanted)
        table = run_many(scenarios[site], seeds, ordered, days=days, workers=workers)
        figures[site] = {t: table[:, i] for i, t in enumerate(ordered)}
    return {p.id: judge(p, figures) for p in orders}


def robustness(
    patterns: PatternSet,
    scenarios: dict[str, Scenario],
    site_files: dict[str, Path],
    samples: int,
    reps: int,
    seed: int = 0,
    days: int | None = None,
    workers: int = 1,
    spread: float = 0.2,
    run_many: Callable[..., np.ndarray] = replicate,
) -> Robustness:
    """Judge every gating ordering under ``samples`` perturbations of the assumption values."""
    orders = orderings_of(patterns)
    needed = sorted({s for p in orders for s in (p.site, p.than)})
    assumptions = find_assumptions({s: site_files[s] for s in needed})
    if not assumptions:
        raise CurtainError("no numeric value labelled assumption in the sites' files to perturb")
    grid = factors(len(assumptions), samples, spread, seed)
    seeds = replication_seeds(seed, reps)
    base = {s: scenarios[s] for s in needed}
    baseline = _judge_orderings(orders, base, seeds, days, workers, run_many)
    held: list[dict[str, bool] | None] = []
    difference: list[dict[str, float] | None] = []
    refused = []
    for i, row in enumerate(grid):
        try:
            perturbed = {
                s: perturb(scenarios[s], s, assumptions, row, f"perturbation {i} of site {s}")
                for s in needed
            }
        except ScenarioError as exc:
            held.append(None)
            difference.append(None)
            refused.append(f"perturbation {i}: {exc}")
            continue
        outcomes = _judge_orderings(orders, perturbed, seeds, days, workers, run_many)
        held.append({pid: o.passed for pid, o in outcomes.items()})
        difference.append({pid: float(o.simulated) for pid, o in outcomes.items()})
    pinned = [a.path for a in assumptions if not _movable(a, scenarios, spread)]
    return Robustness(
        orders, assumptions, grid, spread, reps, seed, baseline, held, difference, refused, pinned
    )


def _movable(a: Assumption, scenarios: dict[str, Scenario], spread: float) -> bool:
    """Whether some factor in range moves the value at some site (0 and small whole numbers
    rounded back to themselves cannot move)."""
    for site in a.sites:
        value = float(_get(scenarios[site], a.path))
        if value == 0.0:
            continue
        if not a.integer or round(value * (1 - spread)) != round(value * (1 + spread)):
            return True
    return False


def format_robustness(result: Robustness) -> str:
    n = len(result.evaluated)
    pinned = result.pinned
    lines = [
        f"robustness: {len(result.held)} perturbations (seeded Latin hypercube, seed "
        f"{result.seed}) of the {len(result.assumptions)} numeric",
        "values labelled assumption in the sites' files, each times a factor in "
        f"[{1 - result.spread:g}, {1 + result.spread:g}],",
        "the same at every site that labels it an assumption, clipped to the schema's bounds;",
        f"{result.reps} runs per site per perturbation, the same seeds for every perturbation.",
    ]
    if pinned:
        lines.append(
            f"{len(pinned)} of them cannot move (0, or a small whole number that rounds back): "
            + ", ".join(pinned)
        )
    if result.refused:
        lines.append(f"{len(result.refused)} perturbations refused by the schema (see below)")
    unperturbed = sum(o.passed for o in result.baseline.values())
    lines += [f"unperturbed: {unperturbed} of {len(result.baseline)} orderings hold", ""]
    header = ("ordering", "kind", "holds (95% CI > 0)", "mean difference > 0", "smallest diff")
    rows = []
    for p in result.orderings:
        ok, sign = result.count([p.id])
        rows.append((p.id, p.kind, _of(ok, n), _of(sign, n), _fmt(result._min_difference(p.id))))
    for text, ids in result.groups().items():
        ok, sign = result.count(ids)
        rows.append((f"all of {text}", "", _of(ok, n), _of(sign, n), ""))
    ok, sign = result.count([p.id for p in result.orderings])
    rows.append(("all orderings together", "", _of(ok, n), _of(sign, n), ""))
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    for r in (header, tuple("-" * w for w in widths), *rows):
        lines.append("  ".join(c.ljust(widths[i]) for i, c in enumerate(r)).rstrip())
    weak = [p for p in result.orderings if result.count([p.id])[0] < n]
    if weak:
        lines += [
            "",
            f"assumptions ranking most with the difference (Spearman, {n} perturbations):",
        ]
        for p in weak:
            pairs = ", ".join(f"{k} {v:+.2f}" for k, v in result.correlates(p.id))
            lines.append(f"  {p.id}: {pairs or 'too few perturbations'}")
    lines.extend(f"refused: {r}" for r in result.refused)
    return "\n".join(lines)


# ----------------------------------------------------------------------------- helpers


def _share(k: int, n: int) -> float | None:
    return k / n if n else None


def _of(k: int, n: int) -> str:
    return f"{k} of {n} ({k / n:.0%})" if n else "n/a"


def _fmt(value: float) -> str:
    if value is None or math.isnan(value):
        return "n/a"
    return f"{value:.4g}"


def _json(value: float) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


# ----------------------------------------------------------------------------- commands


def run_discrimination(
    args, patterns: PatternSet, scenarios: dict[str, Scenario], reps: int
) -> int:
    """`curtain validate --discrimination`: exit 1 when a cross-assignment passes everything."""
    import json

    started = time.perf_counter()
    with shared_runs(args.workers) as run_many:
        cells = discrimination(
            patterns, scenarios, reps, args.seed, args.days, args.workers, run_many
        )
    elapsed = time.perf_counter() - started
    summary = discrimination_summary(cells)
    if args.json:
        out = {
            "check": "discrimination",
            "reps": reps,
            "seed": args.seed,
            "cells": [c.to_dict() for c in cells],
            **{k: v for k, v in summary.items() if k != "kinds"},
        }
        out["share_failing"] = _json(out["share_failing"])
        print(json.dumps(out, indent=2))
    else:
        print(format_discrimination(cells, reps, args.seed))
        print(f"\n{elapsed:.1f} s")
    return 1 if summary["passing_assignments"] else 0


def run_robustness(
    args,
    patterns: PatternSet,
    scenarios: dict[str, Scenario],
    site_files: dict[str, Path],
    reps: int,
) -> int:
    """`curtain validate --robustness`: a measurement; exit 0 unless the input is wrong."""
    import json

    if not 0 < args.spread < 1:
        raise CurtainError(f"--spread {args.spread:g}: expected a fraction between 0 and 1")
    started = time.perf_counter()
    with shared_runs(args.workers) as run_many:
        result = robustness(
            patterns,
            scenarios,
            site_files,
            args.samples,
            reps,
            args.seed,
            args.days,
            args.workers,
            args.spread,
            run_many,
        )
    elapsed = time.perf_counter() - started
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print(format_robustness(result))
        print(f"\n{elapsed:.1f} s")
    return 0
