"""Run one scenario with one seed and store what happened.

What is run (the model), how (here: one seeded run in this process) and where results go
(files in a directory) are kept apart so the experiment engine can reuse :func:`simulate`
and :func:`tables` and store results its own way.

Files written to the output directory, all or nothing:

- ``daily.parquet``: one row per day (see :mod:`sim.metrics` for the definitions);
- ``stories.parquet``: one row per story with its journey;
- ``events.parquet``: the event ledger;
- ``manifest.json``: the resolved scenario, its SHA-256, seed, versions, git commit;
- ``summary.json``: end-of-run figures.

The files are first written to a temporary directory beside the target and moved into
place only when every one is complete, so a failed run leaves nothing half-written.
"""

from __future__ import annotations

import gc
import json
import os
import platform
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import CurtainError
from sim.metrics import daily_table, event_table, story_table, summary
from sim.model import CurtainModel
from sim.scenario import Scenario

OUTPUT_FILES = (
    "daily.parquet",
    "stories.parquet",
    "events.parquet",
    "manifest.json",
    "summary.json",
)


@dataclass
class RunResult:
    scenario: Scenario
    seed: int
    days: int
    daily: pd.DataFrame
    stories: pd.DataFrame
    events: pd.DataFrame
    summary: dict[str, Any]


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the duration, then restore it.

    A run creates tens of thousands of long-lived objects and no cyclic garbage of its own;
    with the collector on, a full collection (which also scans every object the imports left,
    about 100k) falls inside roughly every second simulated year and costs about as much as
    a third of the year itself. Reference counting still frees everything it can meanwhile.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def freeze_imports() -> None:
    """Exempt every object alive now (mostly what the imports made) from the cyclic garbage
    collector, once per process (``gc.freeze``).

    Called when a command's imports are done and before worker processes are forked. The
    imports leave about 100k objects that live as long as the process; without this, every
    full collection scans them again (38 ms each here) and so does the collection at
    interpreter exit, and a forked worker's collections write to (and so copy) the pages it
    shares with its parent. Only the first call freezes: a later one, in a process that has
    made runs meanwhile (a test session, a notebook), would pin their cyclic garbage for good.
    """
    global _imports_frozen
    if not _imports_frozen:
        _imports_frozen = True
        gc.freeze()


#: Whether :func:`freeze_imports` has run in this process (inherited by forked workers).
#: ``gc.get_freeze_count()`` cannot tell: Python 3.12 starts with a few hundred objects frozen.
_imports_frozen = False


def simulate(scenario: Scenario, seed: int, days: int | None = None) -> CurtainModel:
    """Build the model and run it for ``days`` (default: the scenario's)."""
    days = scenario.days if days is None else days
    if not isinstance(days, int) or isinstance(days, bool) or days < 1:
        raise CurtainError(f"--days: expected a positive whole number of days, got {days!r}")
    with collector_paused():
        model = CurtainModel(scenario, seed=seed)
        model.run(days)
        model.tally_views()
    return model


def tables(model: CurtainModel) -> RunResult:
    daily = daily_table(model)
    stories = story_table(model)
    events = event_table(model)
    return RunResult(
        scenario=model.initial_scenario,
        seed=model.seed,
        days=model.day,
        daily=daily,
        stories=stories,
        events=events,
        summary=summary(model, daily, stories),
    )


def run(scenario: Scenario, seed: int, days: int | None = None) -> RunResult:
    return tables(simulate(scenario, seed, days))


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for dist in ("curtain", "mesa", "numpy", "pandas", "pyarrow", "pydantic"):
        try:
            found[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            found[dist] = "not installed"
    return found


def git_commit() -> str | None:
    """The commit of the source tree this package runs from, if it is a git checkout."""
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "-C", str(here), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = out.stdout.strip()
    if out.returncode != 0 or not commit:
        return None
    dirty = subprocess.run(
        ["git", "-C", str(here), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
        timeout=5,
        check=False,
    ).stdout.strip()
    return f"{commit}-dirty" if dirty else commit


def manifest(result: RunResult, source: str | None = None) -> dict[str, Any]:
    scenario = result.scenario
    return {
        "scenario_file": source,
        "scenario_name": scenario.name,
        "scenario_sha256": scenario.digest(),
        "scenario": scenario.to_dict(),
        "seed": result.seed,
        "days": result.days,
        "versions": versions(),
        "git_commit": git_commit(),
        "files": list(OUTPUT_FILES),
    }


def write(result: RunResult, out_dir: str | Path, source: str | None = None) -> Path:
    """Write every output file to ``out_dir``, all or nothing."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise CurtainError(f"--out: expected a directory, got the file {out}")
    parent = out.parent if str(out.parent) else Path(".")
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=parent))
    except OSError as exc:
        raise CurtainError(f"--out: cannot write to {parent}: {exc.strerror}") from None
    try:
        result.daily.to_parquet(staging / "daily.parquet", index=False)
        result.stories.to_parquet(staging / "stories.parquet", index=False)
        result.events.to_parquet(staging / "events.parquet", index=False)
        _write_json(staging / "manifest.json", manifest(result, source))
        _write_json(staging / "summary.json", result.summary)
        if not out.exists():
            os.replace(staging, out)
        else:
            for name in OUTPUT_FILES:
                os.replace(staging / name, out / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n", encoding="utf-8")
