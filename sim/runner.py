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

The files are first written to a temporary directory on the target's filesystem and moved
into place only when every one is complete, so a failed or killed run leaves nothing
half-written and a folder never mixes two runs (see :func:`write`). An existing folder is
replaced only when asked (``--overwrite``) and only if it holds nothing but a run's files.
"""

from __future__ import annotations

import gc
import glob
import json
import math
import os
import platform
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.columnar import Columns, to_arrow, to_frame
from sim.errors import CurtainError
from sim.metrics import (
    DAILY_STORY_FIELDS,
    STORY_FIELDS,
    Reads,
    daily_columns,
    event_columns,
    story_columns,
    summary,
)
from sim.model import CurtainModel
from sim.scenario import Scenario

if TYPE_CHECKING:
    import pandas as pd

OUTPUT_FILES = (
    "daily.parquet",
    "stories.parquet",
    "events.parquet",
    "manifest.json",
    "summary.json",
)


class RunResult:
    """One run's tables and end-of-run summary.

    ``daily``, ``stories`` and ``events`` are DataFrames. :func:`tables` keeps each as
    columns (:mod:`sim.columnar`) and makes the DataFrame the first time it is asked for, so
    `curtain run`, which only writes the files, never imports pandas; a result can also be
    made from DataFrames directly.
    """

    TABLES = ("daily", "stories", "events")

    def __init__(
        self,
        scenario: Scenario,
        seed: int,
        days: int,
        daily: pd.DataFrame | None = None,
        stories: pd.DataFrame | None = None,
        events: pd.DataFrame | None = None,
        summary: dict[str, Any] | None = None,
        columns: dict[str, Columns] | None = None,
    ):
        self.scenario = scenario
        self.seed = seed
        self.days = days
        self.summary = summary if summary is not None else {}
        self.columns = columns or {}
        self._frames = {
            name: frame
            for name, frame in zip(self.TABLES, (daily, stories, events), strict=True)
            if frame is not None
        }
        missing = [t for t in self.TABLES if t not in self._frames and t not in self.columns]
        if missing:
            raise ValueError(f"RunResult: no {', '.join(missing)} table")

    def frame(self, name: str) -> pd.DataFrame:
        if name not in self._frames:
            self._frames[name] = to_frame(self.columns[name])
        return self._frames[name]

    @property
    def daily(self) -> pd.DataFrame:
        return self.frame("daily")

    @property
    def stories(self) -> pd.DataFrame:
        return self.frame("stories")

    @property
    def events(self) -> pd.DataFrame:
        return self.frame("events")

    def __repr__(self) -> str:
        return f"RunResult({self.scenario.name!r}, seed={self.seed}, days={self.days})"


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


def preflight(scenario: Scenario, days: int | None = None, source: str = "") -> int:
    """Check a run fits before any work: its length and estimated stories within the limits
    (:mod:`sim.limits`). Returns the days to run."""
    from sim import limits

    days = scenario.days if days is None else days
    if not isinstance(days, int) or isinstance(days, bool) or days < 1:
        raise CurtainError(f"--days: expected a positive whole number of days, got {days!r}")
    where = f"{source}: " if source else ""
    if days > limits.get("days"):
        raise CurtainError(f"{where}days: {limits.refusal('days', days)}")
    per_day = max(
        [scenario.stories.per_day]
        + [
            float(i.set["stories.per_day"])
            for i in scenario.interventions
            if isinstance(i.set.get("stories.per_day"), int | float)
        ]
    )
    # The most the volume can reach: its growth over the run and the public's sense of worth
    # at its fullest (sim.model.CurtainModel.story_rate); the estimate is the mean rate.
    rules = scenario.stories
    years = days / 365.0
    growth = rules.growth_per_year
    if growth > 0:
        growth_factor = math.expm1(min(years * math.log1p(growth), 700.0)) / (
            years * math.log1p(growth)
        )
    else:
        growth_factor = 1.0
    per_day *= growth_factor * (1.0 + rules.worth_effect)
    stories = per_day * days
    if stories > limits.get("stories"):
        raise CurtainError(
            where + limits.refusal("stories", round(stories), f"{per_day:g} a day x {days} days")
        )
    return days


def outside_the_run(scenario: Scenario, days: int | None = None, source: str = "") -> list[str]:
    """One-line warnings for interventions on a day the run does not reach (they never
    apply: a short run of a site with a later intervention is legitimate, so not an error)."""
    days = scenario.days if days is None else days
    where = f"{source}: " if source else ""
    return [
        f"{where}interventions[{i}] on day {intervention.day} falls after the run's last day "
        f"({days - 1}); it does not apply (run longer with --days to see it)"
        for i, intervention in enumerate(scenario.interventions)
        if intervention.day >= days
    ]


def simulate(scenario: Scenario, seed: int, days: int | None = None) -> CurtainModel:
    """Build the model and run it for ``days`` (default: the scenario's)."""
    days = preflight(scenario, days)
    with collector_paused():
        model = CurtainModel(scenario, seed=seed)
        model.run(days)
        model.tally_views()
    return model


def tables(model: CurtainModel) -> RunResult:
    """The run's tables, from one columnar read of its ledger and stories
    (:class:`sim.metrics.Reads`), with the cyclic garbage collector paused: the tables make
    no cyclic garbage, and a collection now would walk every object of the run."""
    with collector_paused():
        reads = Reads(model)
        reads.read_stories(DAILY_STORY_FIELDS + STORY_FIELDS)
        columns = {
            "daily": daily_columns(model, reads),
            "stories": story_columns(model, reads),
            "events": event_columns(model, reads),
        }
        return RunResult(
            scenario=model.initial_scenario,
            seed=model.seed,
            days=model.day,
            summary=summary(model, columns["daily"], reads=reads),
            columns=columns,
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
    """The commit of the source tree this package runs from, if it is a git checkout
    (``-dirty`` when tracked files have changed). Answered by the lookup
    :func:`start_git_commit` started, if any, else looked up now."""
    global _git_lookup
    lookup, _git_lookup = _git_lookup, None
    return (lookup or _GitLookup()).commit()


def start_git_commit() -> None:
    """Start looking up :func:`git_commit` in the background: `curtain run` starts it before
    simulating, so git's two processes run beside the simulation, not after it."""
    global _git_lookup
    if _git_lookup is None:
        _git_lookup = _GitLookup()


class _GitLookup:
    """``git rev-parse HEAD`` and ``git status`` of the source tree, run side by side."""

    def __init__(self) -> None:
        here = str(Path(__file__).resolve().parent)
        self.processes = []
        try:
            for args in (["rev-parse", "HEAD"], ["status", "--porcelain", "--untracked-files=no"]):
                self.processes.append(
                    subprocess.Popen(
                        ["git", "-C", here, *args],
                        stdout=subprocess.PIPE,
                        stderr=subprocess.DEVNULL,
                        text=True,
                    )
                )
        except (OSError, subprocess.SubprocessError):
            self.close()
            self.processes = []

    def commit(self) -> str | None:
        if len(self.processes) != 2:
            return None
        answers = []
        try:
            for process in self.processes:
                out, _ = process.communicate(timeout=5)
                answers.append((process.returncode, out.strip()))
        except (OSError, subprocess.SubprocessError):
            self.close()
            return None
        (code, commit), (_, dirty) = answers
        if code != 0 or not commit:
            return None
        return f"{commit}-dirty" if dirty else commit

    def close(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
            process.wait()


#: The lookup :func:`start_git_commit` started and :func:`git_commit` has not answered yet.
_git_lookup: _GitLookup | None = None


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


class OutputError(CurtainError):
    """The output folder cannot be written (disk full, read-only, permission denied, locked):
    an operating failure, exit status 1."""

    exit_code = 1


#: Marks a run folder's temporary siblings: ``.NAME.partial-PID-XXXX`` (being written) and
#: ``.NAME.old-PID-XXXX`` (the run being replaced).
PARTIAL, OLD = "partial", "old"
LOCK_SUFFIX = ".lock"
#: Prefix of the lock and temporary folder kept inside a target that is a mount point.
INSIDE_PREFIX = ".run"
#: How long a writer waits for another writer of the same folder (writing takes seconds).
LOCK_WAIT_S = 120.0


def check_out(out_dir: str | Path, overwrite: bool) -> Path:
    """Refuse an output folder before any work: ``/``, a file, a folder of someone else's
    files, or a previous run without ``overwrite``."""
    out = Path(out_dir)
    resolved = out.resolve()
    if resolved in (Path(resolved.anchor), Path.home().resolve(), Path.cwd().resolve()):
        raise CurtainError(
            f"--out {out}: expected a folder of its own, got {resolved} (the root, home or "
            "current folder)"
        )
    if out.exists() and not out.is_dir():
        raise CurtainError(f"--out: expected a directory, got the file {out}")
    if out.is_dir():
        try:
            names = sorted(_visible(out))
        except OSError as exc:
            raise OutputError(f"--out {out}: cannot read: {exc.strerror}") from None
        foreign = [n for n in names if n not in OUTPUT_FILES]
        if foreign:
            raise CurtainError(
                f"--out {out}: holds files that are not a run's ({', '.join(foreign[:3])}"
                f"{', ...' if len(foreign) > 3 else ''}); choose a new or empty folder"
            )
        if names and not overwrite:
            raise CurtainError(
                f"--out {out}: already holds a run; pass --overwrite to replace it, "
                "or choose another folder"
            )
    return out


def _visible(folder: Path) -> list[str]:
    """Names in ``folder`` apart from the lock and temporary folders a write inside a mount
    point keeps there (``.run.lock``, ``.run.partial-*``); any other name counts."""
    own = f"{INSIDE_PREFIX}{LOCK_SUFFIX}"
    return [
        n
        for n in os.listdir(folder)
        if n != own and not n.startswith(f"{INSIDE_PREFIX}.{PARTIAL}-")
    ]


def write(
    result: RunResult, out_dir: str | Path, source: str | None = None, overwrite: bool = False
) -> Path:
    """Write every output file to ``out_dir``, all or nothing, and never a mix of two runs.

    The files are written to a temporary folder on the target's own filesystem and put in
    place only when all are complete: beside the target (renamed into place; a previous run
    is renamed aside first and removed after), or, when the target is a mount point (its
    parent is another filesystem), inside it (``manifest.json`` removed first and put last,
    so a folder without it is never a complete run). A lock file serialises writers to one
    target; temporary folders of dead processes are removed (or a previous run restored).
    An existing folder is replaced only with ``overwrite`` and only if it holds nothing but
    a run's files.
    """
    check_out(out_dir, overwrite)
    out = Path(os.path.abspath(out_dir))  # a real name and parent, whatever was typed
    parent = out.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"--out {out}: cannot create {parent}: {exc.strerror}") from None
    inside = _is_mount_point(out)
    home = out if inside else parent
    prefix = INSIDE_PREFIX if inside else f".{out.name}"
    try:
        with _locked(home / f"{prefix}{LOCK_SUFFIX}", out):
            _clean_stale(home, prefix, out)
            check_out(out, overwrite)  # again, now that no other writer can change it
            staging = _make_dir(home, f"{prefix}.{PARTIAL}-{os.getpid()}")
            try:
                _write_files(result, staging, source)
                if inside:
                    _replace_contents(staging, out)
                else:
                    _replace_folder(staging, out, home, prefix)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
    except OSError as exc:
        where = exc.filename or out
        raise OutputError(
            f"--out {out}: cannot write {where}: {exc.strerror or exc}; nothing was written "
            "(free some space, or choose a writable --out)"
        ) from None
    return out


def _is_mount_point(out: Path) -> bool:
    """True when ``out`` exists on another filesystem than its parent (a mounted volume)."""
    try:
        return out.is_dir() and (os.path.ismount(out) or _device(out) != _device(out.parent))
    except OSError:
        return False


def _device(path: Path) -> int:
    return os.stat(path).st_dev


def _make_dir(home: Path, stem: str) -> Path:
    """A new folder ``stem-XXXXXXXX`` in ``home`` with the usual permissions (not 0700)."""
    for _ in range(100):
        path = home / f"{stem}-{os.urandom(4).hex()}"
        try:
            path.mkdir()
            return path
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name in {home}")


def _write_files(result: RunResult, staging: Path, source: str | None) -> None:
    columns = getattr(result, "columns", {})
    for name in ("daily", "stories", "events"):
        path = staging / f"{name}.parquet"
        if name in columns:  # straight from the columns: no pandas
            _write_arrow(to_arrow(columns[name]), path)
        else:
            _write_parquet(getattr(result, name), path)
    _write_json(staging / "summary.json", result.summary)
    _write_json(staging / "manifest.json", manifest(result, source))
    for name in OUTPUT_FILES:
        _fsync(staging / name)


#: Columns whose statistics (min, max, nulls) the files keep: the day, by which a reader
#: filters. Statistics of every column cost a quarter of the writing, and with one row group
#: a file they cannot skip anything.
STATISTICS = ("day", "day_posted")


def _parquet_options(names, categorical: list[str]) -> dict[str, Any]:
    """Snappy; dictionary encoding only for the categorical columns (they already are
    dictionaries, while building one for every number column, pyarrow's default, costs more
    than it saves on files this size); statistics only of :data:`STATISTICS`."""
    kept = [n for n in STATISTICS if n in names]
    return {
        "compression": "snappy",
        "use_dictionary": categorical or False,
        "write_statistics": kept or False,
    }


def _write_arrow(table, path: Path) -> None:
    """One table as Parquet, as :func:`_write_parquet` writes a DataFrame."""
    import pyarrow.parquet as pq

    categorical = [f.name for f in table.schema if str(f.type).startswith("dictionary")]
    pq.write_table(table, path, **_parquet_options(table.column_names, categorical))


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """One table (a DataFrame) as Parquet, with the options of :func:`_parquet_options`."""
    import pandas as pd

    categorical = [c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]
    frame.to_parquet(path, index=False, **_parquet_options(list(frame.columns), categorical))


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _replace_folder(staging: Path, out: Path, home: Path, prefix: str) -> None:
    """Rename the staged folder into place; a previous run is renamed aside, then removed."""
    old = None
    if out.exists():
        old = home / f"{prefix}.{OLD}-{os.getpid()}-{os.urandom(4).hex()}"
        os.rename(out, old)
    os.rename(staging, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _replace_contents(staging: Path, out: Path) -> None:
    """Inside a mount point: no manifest (not a complete run) until every file is in place."""
    (out / "manifest.json").unlink(missing_ok=True)
    for name in OUTPUT_FILES:
        if name != "manifest.json":
            (out / name).unlink(missing_ok=True)
    for name in OUTPUT_FILES:
        if name != "manifest.json":
            os.replace(staging / name, out / name)
    os.replace(staging / "manifest.json", out / "manifest.json")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _clean_stale(home: Path, prefix: str, out: Path) -> None:
    """Remove temporary folders left by killed writers; restore a previous run a killed
    writer had renamed aside but not yet replaced."""
    for path in home.glob(f"{glob.escape(prefix)}.*-*-*"):
        kind, _, rest = path.name[len(prefix) + 1 :].partition("-")
        pid = rest.split("-")[0]
        if kind not in (PARTIAL, OLD) or not pid.isdigit() or _alive(int(pid)):
            continue
        if kind == OLD and not out.exists():
            os.rename(path, out)
        else:
            shutil.rmtree(path, ignore_errors=True)


@contextmanager
def _locked(lock: Path, out: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``lock`` (a file beside or inside the target)."""
    import fcntl

    deadline = time.monotonic() + LOCK_WAIT_S
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            if time.monotonic() > deadline:
                raise OutputError(
                    f"--out {out}: another curtain run has been writing it for over "
                    f"{LOCK_WAIT_S:.0f} s ({lock} is locked); wait for it, or choose another "
                    "folder"
                ) from None
            time.sleep(0.05)
            continue
        try:
            same = os.fstat(fd).st_ino == os.stat(lock).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)  # the file was removed by the previous holder: lock the new one
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)
        os.close(fd)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n", encoding="utf-8")
