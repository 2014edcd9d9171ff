"""Joint calibration: every assumption value of every site at once, against the calibrated
patterns only.

Method: the same pattern-oriented filtering of a Latin hypercube (ABC rejection with a
uniform prior) as :mod:`sim.validation.calibrate`, over many parameters and sites together:

1. **Parameters.** Every numeric value the site files (or ``base.toml``) label
   ``assumption`` or ``calibrated`` is a parameter, found from the files' own comments
   (:mod:`sim.validation.provenance`). A value set in a file every site shares is one shared
   parameter; a value a site file sets is that site's own. Its prior is uniform on
   ``[value x (1 - spread), value x (1 + spread)]``, clipped to the schema's bounds, unless
   the calibration file declares a range for it. Zeros, evidence and policy names stay fixed.
2. **Points.** A seeded scrambled Latin hypercube of ``samples`` points over all parameters;
   each point runs every site ``reps`` times with common seeds.
3. **Acceptance.** A point is accepted when every gating pattern of the chosen ``kinds``
   (``calibrated``, by default) passes on its runs, as `curtain validate` judges it. The
   independent patterns take no part: they stay independent.
4. **Report.** The share of the prior space accepted, the patterns that rejected points, and
   per parameter its posterior (accepted median, 95% range, IQR over the prior's).
5. **Output.** Per site, a scenario extending the site file with the accepted medians of the
   parameters that differ between its prior and posterior, each with its provenance; nothing
   is written when no point is accepted (exit 1).

The calibration file::

    sites = ["A", "B", "C"]           # sites of the pattern file
    patterns = "../validation/patterns.toml"
    kinds = ["calibrated"]
    output_dir = "../scenarios/calibrated"
    samples = 160
    reps = 2
    seed = 2026
    spread = 0.5                      # prior: each value +/- 50%
    [parameters]                      # optional explicit priors
    "stories.per_day" = { A = [0.4, 0.9], B = [0.2, 0.5], C = [0.2, 0.4] }
    "patients.p_reply.conversational" = [0.05, 0.3]
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import ScenarioError

_KEYS = {
    "sites",
    "patterns",
    "kinds",
    "output_dir",
    "samples",
    "reps",
    "seed",
    "spread",
    "days",
    "parameters",
    "fixed",
}


#: Tables whose values are shares summing to one: kept as they are unless given a prior.
SHARE_TABLES = ("cast.roles", "cast.initial_roles", "patients.motive_shares")


@dataclass(frozen=True)
class Parameter:
    """One prior: a field, the sites it applies to, and its range."""

    path: str
    sites: tuple[str, ...]
    low: float
    high: float
    integer: bool
    value: float  # the value in the files today
    source: str  # the file that sets it

    @property
    def name(self) -> str:
        return self.path if len(self.sites) != 1 else f"{self.sites[0]}:{self.path}"

    def draw(self, u: float) -> float | int:
        x = self.low + u * (self.high - self.low)
        return round(float(x)) if self.integer else float(x)


@dataclass
class Joint:
    path: Path
    sites: tuple[str, ...]
    patterns: Path
    kinds: tuple[str, ...]
    output_dir: Path
    samples: int
    reps: int
    seed: int
    spread: float
    days: int | None
    parameters: tuple[Parameter, ...] = field(default_factory=tuple)


def is_joint(data: dict[str, Any]) -> bool:
    """A calibration file for several sites at once (it names ``sites``)."""
    return "sites" in data


def load_joint(path: str | Path) -> Joint:
    """Read a joint calibration file and build every parameter's prior."""
    from sim.scenario import read_toml
    from sim.validation.patterns import KINDS, load_patterns

    path = Path(path)
    src = str(path)
    data = read_toml(path)
    for key in data:
        if key not in _KEYS:
            raise ScenarioError(src, key, f"unknown key; expected one of {sorted(_KEYS)}")
    sites = data.get("sites")
    if not isinstance(sites, list) or not sites or not all(isinstance(s, str) for s in sites):
        raise ScenarioError(src, "sites", 'expected a list of site names, e.g. ["A", "B", "C"]')
    patterns_path = path.parent / str(data.get("patterns", "../validation/patterns.toml"))
    pattern_set = load_patterns(patterns_path)
    for site in sites:
        if site not in pattern_set.sites:
            raise ScenarioError(
                src,
                "sites",
                f"expected sites of {patterns_path}: {sorted(pattern_set.sites)}, got {site!r}",
            )
    kinds = data.get("kinds", ["calibrated"])
    if not isinstance(kinds, list) or not all(k in KINDS for k in kinds):
        raise ScenarioError(src, "kinds", f"expected a list of {', '.join(KINDS)}")
    counts = {}
    for key, default, lowest in (
        ("samples", None, 1),
        ("reps", None, 1),
        ("seed", 0, 0),
        ("days", None, 1),
    ):
        value = data.get(key, default)
        if value is None and key in ("samples", "reps"):
            raise ScenarioError(src, key, "expected a whole number >= 1")
        if value is not None and (
            not isinstance(value, int) or isinstance(value, bool) or value < lowest
        ):
            raise ScenarioError(src, key, f"expected a whole number >= {lowest}, got {value!r}")
        counts[key] = value
    spread = data.get("spread", 0.5)
    if not isinstance(spread, int | float) or isinstance(spread, bool) or not 0 < spread < 1:
        raise ScenarioError(src, "spread", f"expected a number between 0 and 1, got {spread!r}")
    fixed = data.get("fixed", [])
    if not isinstance(fixed, list) or not all(isinstance(f, str) for f in fixed):
        raise ScenarioError(src, "fixed", "expected a list of dotted fields kept as they are")
    joint = Joint(
        path=path,
        sites=tuple(sites),
        patterns=patterns_path,
        kinds=tuple(kinds),
        output_dir=path.parent / str(data.get("output_dir", "../scenarios/calibrated")),
        samples=counts["samples"],
        reps=counts["reps"],
        seed=counts["seed"],
        spread=float(spread),
        days=counts["days"],
    )
    explicit = data.get("parameters", {})
    if not isinstance(explicit, dict):
        raise ScenarioError(src, "parameters", "expected a table of field = [low, high]")
    joint.parameters = tuple(
        _priors(joint, {s: pattern_set.sites[s] for s in sites}, explicit, set(fixed), src)
    )
    if not joint.parameters:
        raise ScenarioError(src, "parameters", "no assumption value found to calibrate")
    return joint


def _flat(data: dict, prefix: str = "") -> dict[str, Any]:
    out = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _range(bounds, where: str, src: str, lo: float | None, hi: float | None) -> tuple[float, float]:
    if (
        not isinstance(bounds, list)
        or len(bounds) != 2
        or not all(isinstance(b, int | float) and not isinstance(b, bool) for b in bounds)
        or not bounds[0] < bounds[1]
    ):
        raise ScenarioError(src, where, f"expected [low, high] with low < high, got {bounds!r}")
    if (lo is not None and bounds[0] < lo) or (hi is not None and bounds[1] > hi):
        raise ScenarioError(src, where, f"expected a range within the field's bounds [{lo}, {hi}]")
    return float(bounds[0]), float(bounds[1])


def _priors(joint: Joint, files: dict[str, Path], explicit: dict, fixed: set[str], src: str):
    """Every assumption value of the sites, shared or per site, with its prior."""
    from sim.scenario import load_scenario, schema_fields
    from sim.validation.provenance import label, value_note

    fields = {row["path"]: row for row in schema_fields()}
    for name in explicit:
        if name not in fields or fields[name]["kind"] not in ("float", "int"):
            raise ScenarioError(src, f"parameters.{name}", "expected a numeric scenario field")
    values = {site: _flat(load_scenario(file).to_dict()) for site, file in files.items()}
    # (field) -> {source file: [sites]}: a value set in one file shared by several sites is
    # one parameter.
    found: dict[str, dict[Path, list[str]]] = {}
    for site, file in files.items():
        for path, row in fields.items():
            if row["kind"] not in ("float", "int") or path in fixed or "." not in path:
                continue  # the run's calendar (days, fieldwork_start_day) is not an assumption
            if path.rsplit(".", 1)[0] in SHARE_TABLES and path not in explicit:
                continue  # parts of a whole: varying one alone breaks the sum
            source, note = value_note(file, path)
            if source is None or label(note) not in ("assumption", "calibrated"):
                continue
            found.setdefault(path, {}).setdefault(source.resolve(), []).append(site)
    for path in sorted(found):
        row = fields[path]
        for source, sites in sorted(found[path].items()):
            value = float(values[sites[0]][path])
            given = explicit.get(path)
            if isinstance(given, dict):
                ranges = {s: given[s] for s in sites if s in given}
                if not ranges:
                    continue
                for site in sites:
                    if site in ranges:
                        lo, hi = _range(
                            ranges[site], f"parameters.{path}.{site}", src, row["min"], row["max"]
                        )
                        yield Parameter(
                            path,
                            (site,),
                            lo,
                            hi,
                            row["kind"] == "int",
                            float(values[site][path]),
                            str(source),
                        )
                continue
            if given is not None:
                lo, hi = _range(given, f"parameters.{path}", src, row["min"], row["max"])
            else:
                if value == 0:
                    continue
                lo, hi = sorted((value * (1 - joint.spread), value * (1 + joint.spread)))
                if row["min"] is not None:
                    lo = max(lo, row["min"])
                if row["max"] is not None:
                    hi = min(hi, row["max"])
                if row["kind"] == "int" and round(hi) - round(lo) < 1:
                    continue
            yield Parameter(path, tuple(sites), lo, hi, row["kind"] == "int", value, str(source))


@dataclass
class JointPoint:
    values: dict[str, float | int]  # by Parameter.name
    accepted: bool
    failed: list[str]
    means: dict[str, float]


def _overrides(joint: Joint, site: str, point: dict[str, float | int]) -> dict[str, Any]:
    return {p.path: point[p.name] for p in joint.parameters if site in p.sites}


def calibrate_jointly(joint: Joint, workers: int = 1, run_many=None) -> list[JointPoint]:
    """Run every hypercube point at every site and judge it by the chosen patterns."""
    from scipy.stats import qmc

    from sim.scenario import load_scenario
    from sim.validation.patterns import load_patterns
    from sim.validation.validate import judge, replicate, replication_seeds

    run_many = run_many or replicate
    pattern_set = load_patterns(joint.patterns)
    judged = [
        p
        for p in pattern_set.patterns
        if p.gate
        and p.kind in joint.kinds
        and p.site in joint.sites
        and (p.than is None or p.than in joint.sites)
    ]
    if not judged:
        raise ScenarioError(str(joint.path), "kinds", "no gating pattern of these kinds")
    bases = {site: load_scenario(pattern_set.sites[site]) for site in joint.sites}
    texts = {
        site: sorted({p.expression.text for p in judged if site in (p.site, p.than)})
        for site in joint.sites
    }
    sampler = qmc.LatinHypercube(d=len(joint.parameters), seed=np.random.default_rng(joint.seed))
    unit = sampler.random(joint.samples)
    seeds = replication_seeds(joint.seed, joint.reps)
    points = []
    for row in unit:
        values = {p.name: p.draw(u) for p, u in zip(joint.parameters, row, strict=True)}
        figures: dict[str, dict[str, np.ndarray]] = {}
        for site, base in bases.items():
            if not texts[site]:
                continue
            scenario = base.with_overrides(_overrides(joint, site, values), source=str(joint.path))
            table = run_many(scenario, seeds, texts[site], days=joint.days, workers=workers)
            figures[site] = {t: table[:, i] for i, t in enumerate(texts[site])}
        outcomes = [judge(p, figures) for p in judged]
        failed = [o.pattern.id for o in outcomes if not o.passed]
        means = {o.pattern.id: float(o.simulated) for o in outcomes}
        points.append(JointPoint(values, not failed, failed, means))
    return points


def posterior(joint: Joint, points: list[JointPoint]) -> dict[str, dict[str, float]]:
    """Per parameter: accepted median, 2.5-97.5% range, IQR over the prior's."""
    from sim.validation.calibrate import summarise

    accepted = [p for p in points if p.accepted]
    return {
        par.name: summarise([p.values[par.name] for p in accepted], par.low, par.high)
        for par in joint.parameters
    }


def report(joint: Joint, points: list[JointPoint], post: dict) -> str:
    accepted = [p for p in points if p.accepted]
    share = len(accepted) / len(points) if points else math.nan
    lines = [
        f"joint calibration {joint.path}: sites {', '.join(joint.sites)}; "
        f"{len(joint.parameters)} parameters; {joint.samples} Latin hypercube points x "
        f"{joint.reps} runs per site, seed {joint.seed}",
        f"accepted {len(accepted)} of {len(points)} ({share:.1%} of the prior space): every "
        f"gating {'/'.join(joint.kinds)} pattern passes",
    ]
    counts: dict[str, int] = {}
    for p in points:
        for pid in p.failed:
            counts[pid] = counts.get(pid, 0) + 1
    if counts:
        lines.append(
            "rejections by pattern: "
            + ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))
        )
    lines += [
        "",
        "posterior (IQR of accepted values / prior IQR: near 1 the patterns do not "
        "constrain it, near 0 they pin it down), most constrained first:",
    ]
    width = max(len(p.name) for p in joint.parameters)
    ranked = sorted(
        joint.parameters,
        key=lambda p: (
            math.inf if math.isnan(post[p.name]["iqr_ratio"]) else post[p.name]["iqr_ratio"]
        ),
    )
    for par in ranked:
        s = post[par.name]
        lines.append(
            f"  {par.name:<{width}}  now {par.value:<8.4g} prior [{par.low:.4g}, {par.high:.4g}]"
            f"  median {s['median']:.4g}, 95% [{s['lo']:.4g}, {s['hi']:.4g}], "
            f"IQR ratio {s['iqr_ratio']:.2f}"
        )
    return "\n".join(lines)


#: IQR ratio below which a parameter counts as constrained by the patterns. With 13 accepted
#: points, the ratio of an unconstrained (uniform) parameter has mean 0.86 and standard
#: deviation 0.26 (simulated), and falls below 0.4 about one time in thirty: so about one in
#: thirty of the values written may be there by chance.
CONSTRAINED = 0.4


def write_scenarios(joint: Joint, points, post, command: str, constrained: float = CONSTRAINED):
    """Per site, a scenario extending the site file with the accepted medians of the
    parameters the patterns constrain (IQR ratio below ``constrained``)."""
    from sim.runner import git_commit
    from sim.scenario import load_scenario
    from sim.validation.calibrate import _relative
    from sim.validation.patterns import load_patterns

    pattern_set = load_patterns(joint.patterns)
    accepted = [p for p in points if p.accepted]
    today = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    written = []
    out_dir = joint.output_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    for site in joint.sites:
        site_file = pattern_set.sites[site]
        base = load_scenario(site_file)
        rows: dict[str, list[tuple[str, float | int, str]]] = {}
        for par in joint.parameters:
            s = post[par.name]
            if site not in par.sites or math.isnan(s["iqr_ratio"]) or s["iqr_ratio"] >= constrained:
                continue
            section, key = par.path.rsplit(".", 1)
            value = round(s["median"]) if par.integer else s["median"]
            note = (
                f"calibrated (joint, was {par.value:g} in {Path(par.source).name}): prior "
                f"[{par.low:.4g}, {par.high:.4g}], accepted median {s['median']:.4g}, 95% "
                f"[{s['lo']:.4g}, {s['hi']:.4g}], IQR ratio {s['iqr_ratio']:.2f}"
            )
            rows.setdefault(section, []).append((key, value, note))
        out = out_dir / f"{Path(site_file).stem}.toml"
        lines = [
            f"# {base.name}, calibrated jointly with sites {', '.join(joint.sites)}: written by",
            f"# `{command}`. Do not edit by hand; rerun the command (docs/validation.md).",
            "#",
            "# method: pattern-oriented filtering of a Latin hypercube (ABC rejection with a",
            f"#   uniform prior) over {len(joint.parameters)} assumption values: {joint.samples}"
            f" points x {joint.reps} runs",
            f"#   per site; a point is accepted when every gating {'/'.join(joint.kinds)} pattern",
            "#   passes. Only values the patterns constrain (IQR ratio below "
            f"{constrained:g}) are written,",
            "#   as the median of the accepted values; the rest stay as the site files set them.",
            f"# date: {today}",
            f"# seed: {joint.seed}",
            f"# git commit: {git_commit() or 'unknown'}",
            f"# calibration file: {_relative(joint.path, out.parent)}",
            f"# accepted: {len(accepted)} of {len(points)}",
            "",
            f'extends = "{Path(_relative(site_file, out.parent)).as_posix()}"',
            f'name = "{base.name} (calibrated)"',
        ]
        for section, entries in rows.items():
            lines += ["", f"[{section}]"]
            for key, value, note in entries:
                shown = f"{value}" if isinstance(value, int) else f"{value:.4g}"
                lines.append(f"{key} = {shown}".ljust(40) + f" # {note}")
        tmp = out.with_suffix(".toml.partial")
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
        load_scenario(tmp)  # must load before it replaces the old one
        tmp.replace(out)
        written.append(out)
    return written


def run_joint(args) -> int:
    """`curtain calibrate FILE` for a joint calibration file."""
    import json
    import os
    import time

    joint = load_joint(args.file)
    if args.samples:
        joint.samples = args.samples
    if args.reps:
        joint.reps = args.reps
    if args.output:
        joint.output_dir = Path(args.output)
    started = time.perf_counter()
    points = calibrate_jointly(joint, workers=args.workers)
    post = posterior(joint, points)
    elapsed = time.perf_counter() - started
    if args.json:
        print(
            json.dumps(
                {
                    "samples": len(points),
                    "accepted": sum(p.accepted for p in points),
                    "parameters": {
                        p.name: {"prior": [p.low, p.high], "now": p.value, **post[p.name]}
                        for p in joint.parameters
                    },
                },
                indent=2,
            )
        )
    else:
        print(report(joint, points, post))
        print(f"\n{elapsed:.1f} s")
    if not any(p.accepted for p in points):
        print("no point accepted: nothing written", flush=True)
        return 1
    flags = []
    for name in ("samples", "reps", "output"):
        value = getattr(args, name)
        if value:
            flags += [f"--{name}", str(value)]
    command = " ".join(["curtain calibrate", str(args.file), *flags])
    for out in write_scenarios(joint, points, post, command):
        if not args.json:
            print(f"wrote {os.path.normpath(out)}")
    return 0
