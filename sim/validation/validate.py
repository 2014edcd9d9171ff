"""Run the site scenarios over many seeds and check every evidence pattern.

How the runs are made is one function, :func:`replicate` (serial, or a fork-based process
pool with ``workers > 1``), so an experiment engine can take its place without touching the
checks. Each run is reduced in the worker to the few floats the patterns read, so nothing
large crosses a process boundary.

Statistics: for a pattern on one site, the simulated figure is the mean over runs with a
95% confidence interval from Student's t (mean +/- t(0.975, n-1) * sd / sqrt(n)). A band
pattern passes when the mean lies in its band (and, with ``every_run``, every run does).
An ordering "X above Y" passes when the 95% Welch interval of mean(X) - mean(Y) lies above 0.
Replication seeds come from ``numpy.random.SeedSequence(seed).spawn(reps)``; every site gets
the same seeds.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import CurtainError
from sim.scenario import Scenario, load_scenario
from sim.validation.patterns import Expression, Pattern, PatternSet


def replication_seeds(seed: int, reps: int) -> list[int]:
    """``reps`` independent run seeds from one base seed (SeedSequence.spawn)."""
    children = np.random.SeedSequence(seed).spawn(reps)
    return [int(c.generate_state(1, dtype=np.uint32)[0]) for c in children]


def _one_run(scenario: Scenario, seed: int, days: int | None, texts: tuple[str, ...]):
    from sim.runner import run

    result = run(scenario, seed=seed, days=days)
    return [Expression(t).evaluate(result) for t in texts]


def replicate(
    scenario: Scenario,
    seeds: Sequence[int],
    expressions: Sequence[str],
    days: int | None = None,
    workers: int = 1,
    pool: Executor | None = None,
) -> np.ndarray:
    """Run ``scenario`` once per seed; return a (seeds x expressions) array of figures.

    The one place runs are made. ``workers > 1`` uses a fork-based process pool (results
    come back in seed order, so the array is the same as a serial run's); ``pool`` reuses
    one already open (see :func:`shared_runs`) instead of opening one per call.
    """
    from sim.runner import freeze_imports

    freeze_imports()  # and any pool's workers fork with the model imported
    texts = tuple(expressions)
    n = len(seeds)
    if pool is not None and n > 1:
        rows = list(pool.map(_one_run, [scenario] * n, seeds, [days] * n, [texts] * n))
    elif workers <= 1 or n <= 1:
        rows = [_one_run(scenario, s, days, texts) for s in seeds]
    else:
        with _fork_pool(workers) as opened:
            rows = list(opened.map(_one_run, [scenario] * n, seeds, [days] * n, [texts] * n))
    return np.asarray(rows, dtype=float).reshape(n, len(texts))


def _fork_pool(workers: int) -> Executor:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))


@contextmanager
def shared_runs(workers: int) -> Iterator[Callable[..., np.ndarray]]:
    """A ``run_many`` for checks that make hundreds of small calls: :func:`replicate` on one
    fork-based pool kept open for all of them (serial with ``workers <= 1``)."""
    if workers <= 1:
        yield replicate
        return
    with _fork_pool(workers) as pool:
        yield partial(replicate, pool=pool)


def mean_ci(values: np.ndarray) -> tuple[float, float, float]:
    """Mean and 95% t interval (the experiment engine's); NaN when a run read NaN.

    A NaN figure means a pattern read past the end of a run, so the pattern cannot pass;
    the interval is NaN with fewer than two runs.
    """
    from sim.experiments.analysis import mean_ci as engine_mean_ci

    values = np.asarray(values, dtype=float)
    if len(values) == 0 or np.isnan(values).any():
        return math.nan, math.nan, math.nan
    _, mean, _, lo, hi = engine_mean_ci(values)
    return mean, lo, hi


def difference_ci(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """mean(x) - mean(y) with the engine's 95% Welch interval; NaN as in :func:`mean_ci`."""
    from sim.experiments.analysis import welch

    x, y = np.asarray(x, float), np.asarray(y, float)
    d = float(x.mean() - y.mean()) if len(x) and len(y) else math.nan
    if np.isnan(x).any() or np.isnan(y).any():
        return d, math.nan, math.nan
    w = welch(y, x)  # the engine's difference is b - a
    return d, w["ci_low"], w["ci_high"]


@dataclass
class Outcome:
    """One pattern's verdict."""

    pattern: Pattern
    simulated: float
    ci: tuple[float, float]
    passed: bool
    values: list[float] = field(default_factory=list)
    other: float | None = None  # an ordering's mean at the lower site

    def to_dict(self) -> dict[str, Any]:
        p = self.pattern
        return {
            "id": p.id,
            "pattern": p.name,
            "site": p.site if not p.is_order else f"{p.site}>{p.than}",
            "evidence": p.evidence,
            "source": p.source,
            "expression": p.expression.text,
            "simulated": _json_float(self.simulated),
            "ci": [_json_float(self.ci[0]), _json_float(self.ci[1])],
            "tolerance": p.tolerance(),
            "reason": p.reason,
            "kind": p.kind,
            "calibrated_by": list(p.calibrated_by),
            "gate": p.gate,
            "pass": self.passed,
            "runs": [_json_float(v) for v in self.values],
        }


def _json_float(value: float) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


def site_figures(
    patterns: PatternSet,
    scenarios: dict[str, Scenario],
    seeds: Sequence[int],
    days: int | None = None,
    workers: int = 1,
    run_many: Callable[..., np.ndarray] = replicate,
) -> dict[str, dict[str, np.ndarray]]:
    """Per site, per expression text: the figure of every run."""
    figures: dict[str, dict[str, np.ndarray]] = {}
    for site, scenario in scenarios.items():
        texts = sorted({p.expression.text for p in patterns.for_site(site)})
        if not texts:
            continue
        table = run_many(scenario, seeds, texts, days=days, workers=workers)
        figures[site] = {t: table[:, i] for i, t in enumerate(texts)}
    return figures


def judge(pattern: Pattern, figures: dict[str, dict[str, np.ndarray]]) -> Outcome:
    """The verdict on one pattern from the runs' figures."""
    text = pattern.expression.text
    values = figures[pattern.site][text]
    if pattern.is_order:
        other = figures[pattern.than][text]
        d, lo, hi = difference_ci(values, other)
        passed = not math.isnan(lo) and lo > 0
        return Outcome(pattern, d, (lo, hi), passed, values.tolist(), float(np.mean(other)))
    mean, lo, hi = mean_ci(values)
    passed = pattern.in_band(mean)
    if pattern.every_run:
        passed = passed and all(pattern.in_band(v) for v in values)
    return Outcome(pattern, mean, (lo, hi), passed, values.tolist())


def load_sites(patterns: PatternSet, replace: dict[str, str] | None = None) -> dict[str, Scenario]:
    """The pattern file's site scenarios, with ``replace`` (site -> file) swapped in."""
    replace = replace or {}
    for site in replace:
        if site not in patterns.sites:
            raise CurtainError(f"--site {site}: expected one of the sites {sorted(patterns.sites)}")
    return {site: load_scenario(replace.get(site, path)) for site, path in patterns.sites.items()}


def validate(
    patterns: PatternSet,
    reps: int,
    seed: int = 0,
    days: int | None = None,
    scenarios: dict[str, Scenario] | None = None,
    workers: int = 1,
    run_many: Callable[..., np.ndarray] = replicate,
) -> list[Outcome]:
    """Run every site ``reps`` times and judge every pattern."""
    scenarios = scenarios if scenarios is not None else load_sites(patterns)
    seeds = replication_seeds(seed, reps)
    figures = site_figures(patterns, scenarios, seeds, days, workers, run_many)
    return [judge(p, figures) for p in patterns.patterns]


def failed(outcomes: Sequence[Outcome]) -> list[Outcome]:
    """Gating patterns that failed."""
    return [o for o in outcomes if o.pattern.gate and not o.passed]


def _fmt(value: float) -> str:
    if value is None or math.isnan(value):
        return "n/a"
    if value != 0 and abs(value) < 0.01:
        return f"{value:.4f}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3f}"


def format_table(outcomes: Sequence[Outcome]) -> str:
    """The plain-text table: pattern, kind, evidence, mean [95% CI], tolerance, verdict."""
    header = ("pattern", "kind", "evidence", "simulated mean [95% CI]", "tolerance", "result")
    rows = []
    for o in outcomes:
        p = o.pattern
        sim = f"{_fmt(o.simulated)} [{_fmt(o.ci[0])}, {_fmt(o.ci[1])}]"
        if p.is_order:
            sim = f"diff {sim}"
        if p.gate:
            verdict = "pass" if o.passed else "FAIL"
        else:
            verdict = "(in band)" if o.passed else "(out of band)"
        rows.append((_clip(p.name, 60), p.kind, _clip(p.evidence, 40), sim, p.tolerance(), verdict))
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]

    def line(cells):
        return "  ".join(c[: widths[i]].ljust(widths[i]) for i, c in enumerate(cells)).rstrip()

    out = [line(header), line(["-" * w for w in widths])]
    out.extend(line(r) for r in rows)
    return "\n".join(out)


def summary_line(outcomes: Sequence[Outcome]) -> str:
    """'N structural, N calibrated, N independent; M of K gating pass' (gating rows)."""
    from sim.validation.patterns import KINDS

    gating = [o for o in outcomes if o.pattern.gate]
    counts = ", ".join(f"{sum(o.pattern.kind == k for o in gating)} {k}" for k in KINDS)
    passed = sum(o.passed for o in gating)
    return f"{counts}; {passed} of {len(gating)} gating pass"


def kind_line(outcomes: Sequence[Outcome]) -> str:
    """Gating passes by kind: only the independent ones test the model."""
    from sim.validation.patterns import KINDS

    gating = [o for o in outcomes if o.pattern.gate]
    parts = []
    for kind in KINDS:
        rows = [o for o in gating if o.pattern.kind == kind]
        parts.append(f"{kind} {sum(o.passed for o in rows)} of {len(rows)}")
    return "gating passes by kind: " + ", ".join(parts) + " (only independent ones test the model)"


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


#: Runs per site (per cell, per perturbation) when --reps is not given.
DEFAULT_REPS = {"validate": 100, "discrimination": 20, "robustness": 5}
#: Perturbations when --samples is not given.
DEFAULT_SAMPLES = 50


def run_validation(args) -> int:
    """The `curtain validate` handler."""
    import json

    from sim.validation.patterns import load_patterns

    discriminate = getattr(args, "discrimination", False)
    robust = getattr(args, "robustness", False)
    samples = getattr(args, "samples", None)
    if samples is not None and not robust:
        raise CurtainError("--samples: only with --robustness (the number of perturbations)")
    if _is_national(args.patterns):
        return _validate_national(args, discriminate or robust)
    patterns = load_patterns(args.patterns)
    replace = dict(_site_assignment(a) for a in args.site or [])
    scenarios = load_sites(patterns, replace)
    mode = "discrimination" if discriminate else "robustness" if robust else "validate"
    reps = args.reps if args.reps is not None else DEFAULT_REPS[mode]
    if discriminate:
        from sim.validation.checks import run_discrimination

        return run_discrimination(args, patterns, scenarios, reps)
    if robust:
        from sim.validation.checks import run_robustness

        if samples is None:
            args.samples = DEFAULT_SAMPLES
        files = {s: Path(replace.get(s, path)) for s, path in patterns.sites.items()}
        return run_robustness(args, patterns, scenarios, files, reps)
    started = time.perf_counter()
    outcomes = validate(patterns, reps, args.seed, args.days, scenarios, args.workers)
    elapsed = time.perf_counter() - started
    bad = failed(outcomes)
    if args.json:
        print(json.dumps([o.to_dict() for o in outcomes], indent=2))
    else:
        print(format_table(outcomes))
        print(
            f"\n{summary_line(outcomes)}; {reps} runs per site, base seed {args.seed}, "
            f"{elapsed:.1f} s"
        )
        print(kind_line(outcomes))
        for o in bad:
            print(f"FAILED {o.pattern.id}: {o.pattern.name}")
        if any(not o.pattern.gate for o in outcomes):
            print("Rows with a result in brackets are shown for comparison and never fail.")
    return 1 if bad else 0


def _is_national(path) -> bool:
    """A national pattern file: it names a system file (validation/national.toml)."""
    from pathlib import Path

    from sim.scenario import read_toml

    return "system" in read_toml(Path(path))


def _validate_national(args, check: bool) -> int:
    """`curtain validate --patterns validation/national.toml`: the national rows, each with
    its kind, read from national runs of the pattern file's system (docs/national.md)."""
    import json

    from sim.errors import CurtainError
    from sim.national.validate import format_rows, validate_national

    if check or args.site:
        raise CurtainError(
            f"--patterns {args.patterns}: a national pattern file takes neither "
            "--discrimination, --robustness nor --site"
        )
    reps = args.reps if args.reps is not None else 3
    rows = validate_national(args.patterns, reps, args.workers, days=args.days)
    print(json.dumps(rows, indent=2) if args.json else format_rows(rows))
    return 0 if all(r["passed"] for r in rows) else 1


def _site_assignment(text: str) -> tuple[str, str]:
    if "=" not in text:
        raise CurtainError(f"--site {text}: expected SITE=FILE, e.g. A=my_site_a.toml")
    site, file = (part.strip() for part in text.split("=", 1))
    return site, file
