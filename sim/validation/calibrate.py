"""Calibrate free (assumption) parameters to a site's evidence patterns.

Method: pattern-oriented filtering of a Latin hypercube (Grimm et al. 2005, "Pattern-oriented
modeling of agent-based complex systems", *Science* 310; with ABC rejection, Beaumont et al.
2002, as its probabilistic reading: a uniform prior over declared ranges and an acceptance
rule in place of a likelihood).

1. Draw ``samples`` points from a scrambled Latin hypercube
   (:class:`scipy.stats.qmc.LatinHypercube`, seeded) over the ranges declared in a
   calibration file; integer fields are rounded.
2. Run the site's scenario with each point ``reps`` times, with the same seeds at every point
   (common random numbers, so points differ by their parameters, not their luck).
3. Accept a point when every gating pattern of the site (its band patterns in the pattern
   file) passes on those runs, exactly as `curtain validate` judges it.
4. Rank accepted points by a distance: the sum over the site's two-sided band patterns of
   ((mean - band centre) / band half-width)^2, 0 at the centre and 1 at an edge.
5. Report every accepted point, and per parameter how tightly the patterns identify it:
   the inter-quartile range of the accepted values over the prior's (half the range for a
   uniform prior): near 1 the patterns do not constrain it, near 0 they pin it down.
6. Write the accepted values' medians (the ABC point estimate; the single best-ranked point
   would carry the luck of its few runs) as a scenario that ``extends`` the site file, with
   a header stating the method, date, seed, git commit and counts, and per value its
   provenance. With no accepted point nothing is written and the command exits 1.

Only values labelled ``assumption`` in the scenario files may be fitted (a value labelled
evidence is refused), and the schema has no field that is itself a pattern's figure, so
patterns must emerge from mechanisms.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import CurtainError, ScenarioError


@dataclass(frozen=True)
class Parameter:
    path: str
    low: float
    high: float
    integer: bool

    def value(self, u: float) -> float | int:
        x = self.low + u * (self.high - self.low)
        return round(float(x)) if self.integer else float(x)


@dataclass(frozen=True)
class Calibration:
    path: Path
    scenario: Path
    site: str
    patterns: Path
    output: Path
    samples: int
    reps: int
    seed: int
    parameters: tuple[Parameter, ...]
    days: int | None = None


_KEYS = {"scenario", "site", "patterns", "output", "samples", "reps", "seed", "days", "parameters"}


def load_calibration(path: str | Path) -> Calibration:
    """Read a calibration file; one-line errors name the file and the key."""
    from sim.scenario import load_scenario, read_toml, schema_fields
    from sim.validation.patterns import DEFAULT_PATTERNS
    from sim.validation.provenance import label, value_note

    path = Path(path)
    src = str(path)
    data = read_toml(path)
    for key in data:
        if key not in _KEYS:
            raise ScenarioError(src, key, f"unknown key; expected one of {sorted(_KEYS)}")
    for key in ("scenario", "site", "output"):
        if not isinstance(data.get(key), str):
            raise ScenarioError(src, key, "expected text in quotes")
    counts = {}
    for key, default in (("samples", None), ("reps", None), ("seed", 0), ("days", None)):
        value = data.get(key, default)
        if value is None and key in ("samples", "reps"):
            raise ScenarioError(src, key, "expected a whole number >= 1")
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise ScenarioError(src, key, f"expected a whole number, got {value!r}")
        if value is not None and value < (0 if key == "seed" else 1):
            raise ScenarioError(src, key, f"expected a whole number >= 1, got {value}")
        counts[key] = value
    scenario = path.parent / data["scenario"]
    load_scenario(scenario)  # fails with its own one-line error
    patterns = path.parent / data["patterns"] if "patterns" in data else DEFAULT_PATTERNS
    fields = {row["path"]: row for row in schema_fields()}
    raw = data.get("parameters")
    if not isinstance(raw, dict) or not raw:
        raise ScenarioError(src, "parameters", "expected a table of field = [low, high]")
    parameters = []
    for name, bounds in raw.items():
        where = f"parameters.{name}"
        row = fields.get(name)
        if row is None or row["kind"] not in ("float", "int"):
            raise ScenarioError(src, where, "expected a numeric scenario field (`curtain schema`)")
        if (
            not isinstance(bounds, list)
            or len(bounds) != 2
            or not all(isinstance(b, int | float) and not isinstance(b, bool) for b in bounds)
            or not bounds[0] < bounds[1]
        ):
            raise ScenarioError(src, where, f"expected [low, high] with low < high, got {bounds!r}")
        lo, hi = row["min"], row["max"]
        if (lo is not None and bounds[0] < lo) or (hi is not None and bounds[1] > hi):
            raise ScenarioError(
                src, where, f"expected a range within the field's bounds [{lo}, {hi}]"
            )
        file, note = value_note(scenario, name)
        if label(note) not in ("assumption", "calibrated"):
            said = f"labelled {label(note)!r}" if label(note) else "not labelled an assumption"
            raise ScenarioError(
                src,
                where,
                f"only assumption values may be calibrated; {file} has it {said}: {note!r}",
            )
        parameters.append(Parameter(name, float(bounds[0]), float(bounds[1]), row["kind"] == "int"))
    return Calibration(
        path=path,
        scenario=scenario,
        site=data["site"],
        patterns=patterns,
        output=path.parent / data["output"],
        samples=counts["samples"],
        reps=counts["reps"],
        seed=counts["seed"],
        days=counts["days"],
        parameters=tuple(parameters),
    )


def distance(patterns, figures: dict[str, np.ndarray]) -> float:
    """Sum of squared standardised deviations from the centres of two-sided bands."""
    total = 0.0
    for p in patterns:
        if not p.gate or p.low is None or p.high is None or p.high == p.low:
            continue
        mean = float(np.mean(figures[p.expression.text]))
        half = (p.high - p.low) / 2
        total += ((mean - (p.low + half)) / half) ** 2
    return total


@dataclass
class Point:
    values: dict[str, float | int]
    accepted: bool
    distance: float
    means: dict[str, float]
    failed: list[str]


def calibrate(cal: Calibration, workers: int = 1, run_many=None) -> list[Point]:
    """Run every hypercube point and judge it against the site's patterns."""
    from scipy.stats import qmc

    from sim.scenario import load_scenario
    from sim.validation.patterns import load_patterns
    from sim.validation.validate import judge, replicate, replication_seeds

    run_many = run_many or replicate
    pattern_set = load_patterns(cal.patterns)
    if cal.site not in pattern_set.sites:
        raise ScenarioError(
            str(cal.path), "site", f"expected one of the sites {sorted(pattern_set.sites)}"
        )
    own = [p for p in pattern_set.patterns if p.site == cal.site and not p.is_order]
    gating = [p for p in own if p.gate]
    if not gating:
        raise ScenarioError(str(cal.path), "site", f"no gating patterns for site {cal.site}")
    texts = sorted({p.expression.text for p in own})
    base = load_scenario(cal.scenario)
    sampler = qmc.LatinHypercube(d=len(cal.parameters), seed=np.random.default_rng(cal.seed))
    unit = sampler.random(cal.samples)
    seeds = replication_seeds(cal.seed, cal.reps)
    points = []
    for row in unit:
        values = {p.path: p.value(u) for p, u in zip(cal.parameters, row, strict=True)}
        scenario = base.with_overrides(values, source=str(cal.path))
        table = run_many(scenario, seeds, texts, days=cal.days, workers=workers)
        figures = {"": {t: table[:, i] for i, t in enumerate(texts)}}
        outcomes = [judge(_on(p), figures) for p in gating]
        failed = [o.pattern.id for o in outcomes if not o.passed]
        means = {p.id: float(np.mean(figures[""][p.expression.text])) for p in own}
        points.append(Point(values, not failed, distance(own, figures[""]), means, failed))
    return points


def _on(pattern):
    """The pattern read from the single site being calibrated (keyed '')."""
    from dataclasses import replace

    return replace(pattern, site="")


def summarise(values, low: float, high: float) -> dict[str, float]:
    """One parameter's accepted values: median, 2.5-97.5% range, and IQR over the prior's
    (half the range of a uniform prior); NaN where there are too few values to say."""
    values = np.asarray(values, dtype=float)
    if len(values) == 0:
        return dict(median=math.nan, lo=math.nan, hi=math.nan, iqr_ratio=math.nan)
    q25, q75 = np.percentile(values, [25, 75])
    return dict(
        median=float(np.median(values)),
        lo=float(np.percentile(values, 2.5)),
        hi=float(np.percentile(values, 97.5)),
        # fewer than four accepted values say nothing about spread
        iqr_ratio=float((q75 - q25) / ((high - low) / 2)) if len(values) >= 4 else math.nan,
    )


def identification(cal: Calibration, points: list[Point]) -> dict[str, dict[str, float]]:
    """Per parameter: accepted median, 2.5-97.5% range, and IQR relative to the prior's."""
    accepted = [p for p in points if p.accepted]
    return {
        par.path: summarise([p.values[par.path] for p in accepted], par.low, par.high)
        for par in cal.parameters
    }


def report(cal: Calibration, points: list[Point], ident: dict) -> str:
    accepted = sorted((p for p in points if p.accepted), key=lambda p: p.distance)
    lines = [
        f"calibration {cal.path}: site {cal.site}, {cal.samples} Latin hypercube points x "
        f"{cal.reps} runs, seed {cal.seed}",
        f"accepted {len(accepted)} of {len(points)} (every gating site-{cal.site} pattern passes)",
    ]
    rejected = [p for p in points if not p.accepted]
    if rejected:
        counts: dict[str, int] = {}
        for p in rejected:
            for pid in p.failed:
                counts[pid] = counts.get(pid, 0) + 1
        lines.append(
            "rejections by pattern: "
            + ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))
        )
    lines += ["", "identification (IQR of accepted values / prior IQR; 1 = not identified):"]
    width = max(len(p.path) for p in cal.parameters)
    for par in cal.parameters:
        s = ident[par.path]
        lines.append(
            f"  {par.path:<{width}}  prior [{par.low:g}, {par.high:g}]  accepted median "
            f"{s['median']:.3g}, 95% [{s['lo']:.3g}, {s['hi']:.3g}], IQR ratio {s['iqr_ratio']:.2f}"
        )
    if accepted:
        names = [p.path for p in cal.parameters]
        lines += ["", "accepted points (best first):", "  distance  " + "  ".join(names)]
        for p in accepted:
            cells = "  ".join(f"{p.values[n]:>{len(n)}.4g}" for n in names)
            lines.append(f"  {p.distance:8.3f}  {cells}")
    return "\n".join(lines)


def write_scenario(cal: Calibration, points: list[Point], ident: dict, command: str) -> Path:
    """The best accepted point as a scenario extending the site file, with provenance."""
    from sim.runner import git_commit
    from sim.scenario import load_scenario

    accepted = [p for p in points if p.accepted]
    out = cal.output
    parent = Path(_relative(cal.scenario, out.parent))
    today = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"# {load_scenario(cal.scenario).name}, calibrated: written by `{command}`.",
        "# Do not edit by hand; rerun the command (see docs/validation.md).",
        "#",
        "# method: pattern-oriented filtering of a Latin hypercube (ABC rejection with a uniform",
        f"#   prior): {cal.samples} points x {cal.reps} runs; a point is accepted when every",
        f"#   gating site-{cal.site} pattern of {_relative(cal.patterns, out.parent)} passes;",
        "#   each value below is the median of the accepted values (the ABC point estimate;",
        "#   the single best-ranked point would carry the luck of its few runs).",
        f"# date: {today}",
        f"# seed: {cal.seed}",
        f"# git commit: {git_commit() or 'unknown'}",
        f"# calibration file: {_relative(cal.path, out.parent)}",
        f"# accepted: {len(accepted)} of {len(points)}",
        "",
        f'extends = "{parent.as_posix()}"',
        f'name = "{load_scenario(cal.scenario).name} (calibrated)"',
    ]
    by_section: dict[str, list[tuple[str, Any, str]]] = {}
    for par in cal.parameters:
        section, key = par.path.rsplit(".", 1)
        s = ident[par.path]
        value = round(s["median"]) if par.integer else s["median"]
        note = (
            f"calibrated (assumption): prior [{par.low:g}, {par.high:g}], accepted median "
            f"{s['median']:.3g}, 95% [{s['lo']:.3g}, {s['hi']:.3g}], IQR ratio "
            f"{s['iqr_ratio']:.2f}"
        )
        by_section.setdefault(section, []).append((key, value, note))
    for section, rows in by_section.items():
        if "." in section:
            raise CurtainError(f"{cal.path}: nested field {section} cannot be written yet")
        lines += ["", f"[{section}]"]
        for key, value, note in rows:
            shown = f"{value}" if isinstance(value, int) else f"{value:.4g}"
            lines.append(f"{key} = {shown}".ljust(40) + f" # {note}")
    text = "\n".join(lines) + "\n"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".toml.partial")
    tmp.write_text(text, encoding="utf-8")
    load_scenario(tmp)  # the file must load before it replaces the old one
    tmp.replace(out)
    return out


def _relative(target: Path, start: Path) -> str:
    import os

    return os.path.relpath(Path(target).resolve(), Path(start).resolve())


def run_calibration(args) -> int:
    import json
    import os
    import time

    from sim.scenario import read_toml
    from sim.validation.joint import is_joint, run_joint

    if is_joint(read_toml(Path(args.file))):
        return run_joint(args)
    cal = load_calibration(args.file)
    if args.samples:
        cal = _replace(cal, samples=args.samples)
    if args.reps:
        cal = _replace(cal, reps=args.reps)
    if args.output:
        cal = _replace(cal, output=Path(args.output))
    started = time.perf_counter()
    points = calibrate(cal, workers=args.workers)
    ident = identification(cal, points)
    elapsed = time.perf_counter() - started
    if args.json:
        print(
            json.dumps(
                {
                    "accepted": [
                        {"values": p.values, "distance": p.distance, "means": p.means}
                        for p in points
                        if p.accepted
                    ],
                    "samples": len(points),
                    "identification": ident,
                },
                indent=2,
            )
        )
    else:
        print(report(cal, points, ident))
        print(f"\n{elapsed:.1f} s")
    if not any(p.accepted for p in points):
        print("no point accepted: nothing written", flush=True)
        return 1
    command = " ".join(["curtain calibrate", str(args.file), *_flags(args)])
    out = write_scenario(cal, points, ident, command)
    if not args.json:
        print(f"wrote {os.path.normpath(out)}")
    return 0


def _flags(args) -> list[str]:
    flags = []
    for name in ("samples", "reps", "output"):
        value = getattr(args, name)
        if value:
            flags += [f"--{name}", str(value)]
    return flags


def _replace(cal: Calibration, **changes) -> Calibration:
    from dataclasses import replace

    return replace(cal, **changes)
