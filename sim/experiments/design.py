"""Designs: an experiment's runs, laid out as a list of :class:`Task` descriptions.

A task says what to run (a scenario label, the design point's field values, a replication
and its seed), never holds a model, and is cheap to send to another process or machine.

Seeds. Replication ``r`` of every scenario and every design point runs with the same seed,
drawn from ``numpy.random.SeedSequence(base_seed).spawn(replications)[r]`` (common random
numbers: differences between scenarios are not blurred by different draws where the runs
coincide). Samplers that need randomness (LHS, Sobol scrambling, Morris trajectories) draw
from a separate child of the same root, ``SeedSequence(base_seed, spawn_key=(2**31,))``.

Samplers: Latin hypercube from ``scipy.stats.qmc.LatinHypercube``; Sobol sequences (Saltelli's
scheme, for Sobol indices) and Morris trajectories from SALib, so that
:mod:`sim.experiments.sensitivity` can analyse them with the matching SALib method.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.experiments.spec import LoadedExperiment, Range

#: spawn_key of the sampler's seed stream (replications use keys 0 .. replications-1).
SAMPLER_STREAM = 2**31


@dataclass(frozen=True)
class Task:
    """One run: which scenario, at which design point, which replication, with which seed."""

    index: int
    label: str
    point: int
    replication: int
    seed: int
    days: int
    params: dict[str, Any] = field(default_factory=dict)


def replication_seeds(base_seed: int, replications: int) -> list[int]:
    """One seed per replication, from ``SeedSequence(base_seed).spawn(replications)``."""
    children = np.random.SeedSequence(base_seed).spawn(replications)
    # 63 bits, so the seed fits a signed 64-bit column
    return [int(c.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for c in children]


def sampler_seed(base_seed: int) -> int:
    stream = np.random.SeedSequence(base_seed, spawn_key=(SAMPLER_STREAM,))
    return int(stream.generate_state(1, dtype=np.uint32)[0])


def salib_problem(ranges: dict[str, Range]) -> dict[str, Any]:
    """The SALib problem: log-scaled ranges are sampled in log10 units."""
    bounds = []
    for r in ranges.values():
        if r.scale == "log":
            bounds.append([math.log10(r.low), math.log10(r.high)])
        else:
            bounds.append([r.low, r.high])
    return {"num_vars": len(ranges), "names": list(ranges), "bounds": bounds}


def unit_sample(experiment: LoadedExperiment) -> np.ndarray:
    """The design's sample in [0, 1]^d along each range's scale (lhs, sobol, morris)."""
    design = experiment.spec.design
    ranges = design.parameters
    seed = sampler_seed(experiment.spec.base_seed)
    if design.kind == "lhs":
        from scipy.stats import qmc

        engine = qmc.LatinHypercube(d=len(ranges), rng=np.random.default_rng(seed))
        return engine.random(design.samples)
    problem = salib_problem(ranges)
    if design.kind == "sobol":
        from SALib.sample import sobol

        x = sobol.sample(problem, design.samples, calc_second_order=design.second_order, seed=seed)
    elif design.kind == "morris":
        from SALib.sample import morris

        x = morris.sample(problem, design.samples, num_levels=design.levels, seed=seed)
    else:
        raise ValueError(f"no sample for a {design.kind} design")
    lows = np.array([b[0] for b in problem["bounds"]])
    highs = np.array([b[1] for b in problem["bounds"]])
    return (x - lows) / (highs - lows)


def salib_sample(experiment: LoadedExperiment) -> np.ndarray:
    """The design's sample in SALib's units (log10 for log-scaled ranges), for analysis."""
    problem = salib_problem(experiment.spec.design.parameters)
    lows = np.array([b[0] for b in problem["bounds"]])
    highs = np.array([b[1] for b in problem["bounds"]])
    return lows + unit_sample(experiment) * (highs - lows)


def points(experiment: LoadedExperiment) -> list[dict[str, Any]]:
    """The design points: each a dict of dotted field -> value ({} for a comparison)."""
    design = experiment.spec.design
    if design.kind == "compare":
        return [{}]
    if design.kind == "factorial":
        axes = design.axes()
        return [dict(zip(axes, combo, strict=True)) for combo in itertools.product(*axes.values())]
    ranges = list(design.parameters.items())
    return [
        {path: r.value(float(u)) for (path, r), u in zip(ranges, row, strict=True)}
        for row in unit_sample(experiment)
    ]


def tasks(experiment: LoadedExperiment) -> list[Task]:
    """Every run of the experiment, in a fixed order: point, then scenario, then replication."""
    spec = experiment.spec
    seeds = replication_seeds(spec.base_seed, spec.replications)
    out: list[Task] = []
    for p, params in enumerate(points(experiment)):
        for label in experiment.labels:
            for r, seed in enumerate(seeds):
                out.append(Task(len(out), label, p, r, seed, spec.days, params))
    return out
