"""Run an experiment: its design's tasks, on an executor, into a result store.

from sim.experiments.engine import run_experiment
result = run_experiment("experiments/compare_cultures.toml", "results/cc", workers=2)
result.runs  # the runs.parquet frame
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiments.design import points, tasks
from sim.experiments.executors import make_executor
from sim.experiments.spec import LoadedExperiment, load_experiment
from sim.experiments.store import DAILY, RUNS, ResultStore, StoreError


@dataclass
class ExperimentResult:
    experiment: LoadedExperiment
    out: Path
    counts: dict[str, int]
    ran: int  # runs executed by this call (the rest were already done)
    seconds: float

    @property
    def runs(self) -> pd.DataFrame:
        return pd.read_parquet(self.out / RUNS)

    @property
    def daily(self) -> pd.DataFrame:
        return pd.read_parquet(self.out / DAILY)


def run_experiment(
    experiment: str | Path | LoadedExperiment,
    out: str | Path,
    workers: int = 1,
    scheduler: str | None = None,
    resume: bool = False,
    progress: bool = False,
) -> ExperimentResult:
    """Run every task not yet done and consolidate the results in ``out``."""
    from sim.runner import git_commit, versions

    exp = experiment if isinstance(experiment, LoadedExperiment) else load_experiment(experiment)
    design_points = points(exp)
    all_tasks = tasks(exp)
    store = ResultStore(out, exp, all_tasks, design_points)
    executor = make_executor(workers, scheduler, scratch=Path(out) / ".dask-scratch")
    info: dict[str, Any] = {
        "git_commit": git_commit(),
        "versions": {**versions(), **_more_versions()},
    }
    todo = store.open(resume, info)
    scenarios = {label: s.to_dict() for label, s in exp.scenarios.items()}
    start = time.perf_counter()
    if todo:
        with executor:
            bar = _bar(len(all_tasks), len(all_tasks) - len(todo), exp.spec.name, progress)
            try:
                for outcome in executor.run(todo, scenarios):
                    store.record(outcome)
                    if bar is not None:
                        bar.update(1)
            except OSError as exc:  # disk full, read-only: say what is kept and what to do
                _keep_counts(store)
                raise StoreError(
                    f"--out {out}: cannot write {exc.filename or out}: {exc.strerror or exc}; "
                    "the runs written so far are kept: make room, then run again with --resume"
                ) from None
            finally:
                if bar is not None:
                    bar.close()
    store.consolidate()
    return ExperimentResult(exp, Path(out), store.counts(), len(todo), time.perf_counter() - start)


def _keep_counts(store: ResultStore) -> None:
    """Best effort: the manifest's counts as they are (it may not fit on a full disk)."""
    try:
        store.write_manifest(force=True)
    except OSError:
        pass


def _bar(total: int, done: int, name: str, enabled: bool):
    if not enabled:
        return None
    from tqdm import tqdm

    tqdm.monitor_interval = 0  # no monitor thread (the pool forks after this)
    interactive = sys.stderr.isatty()
    return tqdm(
        total=total,
        initial=done,
        desc=name,
        unit="run",
        file=sys.stderr,
        dynamic_ncols=True,
        mininterval=0.2 if interactive else 10.0,  # a log file gets a line every 10 s
    )


def _more_versions() -> dict[str, str]:
    from importlib import metadata

    found = {}
    for dist in ("scipy", "SALib", "distributed", "matplotlib"):
        try:
            found[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            found[dist] = "not installed"
    return found
