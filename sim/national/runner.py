"""Run a national system: each organisation a task, then national tables and files.

Each organisation runs as an ordinary :class:`~sim.model.CurtainModel` with its own seed
(:func:`sim.national.system.load_system`), in this process, a local process pool or on a
Dask cluster (the executors of :mod:`sim.experiments.executors`). A task is a plain dict
and returns plain frames, so the results are the same, byte for byte, whichever runs them;
they are put together in the organisations' order.

National policies (``[[policies]]``) are applied inside each organisation's task on their
day, to the organisations matching their condition: a group, a typology class measured over
the stories posted before that day, or a field's value that day.

The national run folder holds the usual files, each with an ``organisation`` column
(``daily.parquet``: one row per organisation and day; ``stories.parquet`` and
``events.parquet``, with story ids renumbered to be unique nationally), plus
``organisations.parquet`` (one row per organisation) and a national ``summary.json``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import CurtainError
from sim.national.system import LoadedSystem, Organisation, _get_dotted
from sim.national.typology import CLASSES, best_type_counts, classify
from sim.scenario import LEVERS
from sim.story import RESPONSE_TYPES

#: Files of a national run folder: a single run's files and the organisations table.
NATIONAL_FILES = (
    "daily.parquet",
    "stories.parquet",
    "events.parquet",
    "organisations.parquet",
    "manifest.json",
    "summary.json",
)
#: Per-organisation outcomes kept from each organisation's run summary.
OUTCOME_KEYS = (
    "stories",
    "response_rate",
    "share_none",
    "share_generic",
    "share_personalised",
    "share_conversational",
    "responses",
    "responses_per_story",
    "median_days_to_first_response",
    "active_responders",
    "cast_size",
    "changes_planned_total",
    "changes_made",
    "reputation_end",
    "staff_hours",
)
#: Fields shown for every organisation in organisations.parquet beside its levers' policies.
KEY_VALUES = (
    "stories.per_day",
    "cast.size",
    "cast.max_size",
    "staff.legitimacy_mean",
    "confidence.initial_mean",
    "leadership.priority",
    "staff_time.hours_per_week",
    "staff_time.central_hours_per_week",
)


# ----------------------------------------------------------------------------- one organisation


def job(system: LoadedSystem, org: Organisation, light: bool = False) -> dict[str, Any]:
    """What a worker needs to run one organisation: plain data that travels anywhere.

    ``light``: return only what the organisations table and the national summary need (no
    daily table, no ledger; of the stories, the delay to the first reply), as a policy
    experiment does."""
    return {
        "index": org.index,
        "id": org.id,
        "group": org.group,
        "seed": org.seed,
        "days": system.days,
        "scenario": org.scenario.to_dict(),
        "typology": system.system.typology.model_dump(),
        "policies": [p.model_dump(by_alias=True) for p in system.system.policies],
        "light": light,
    }


@dataclass
class OrgResult:
    index: int
    summary: dict[str, Any]
    counts: list[int]  # stories by best reply type, RESPONSE_TYPES order
    policies: dict[str, dict[str, Any]]  # policy name -> class on its day, applied or not
    daily: pd.DataFrame
    stories: pd.DataFrame
    events: pd.DataFrame
    key: Any = None  # the task's key, returned as given (a policy experiment's run)


class _Rule:
    def __init__(self, values: dict[str, float]):
        self.__dict__.update(values)


def run_organisation(task: dict[str, Any]) -> OrgResult:
    """Run one organisation's year, applying the national policies that reach it."""
    from sim.metrics import daily_table, event_table, story_table, summary
    from sim.model import CurtainModel
    from sim.runner import collector_paused
    from sim.scenario import Intervention, Scenario

    scenario = Scenario.model_validate(task["scenario"])
    rule = _Rule(task["typology"])
    due: dict[int, list[dict[str, Any]]] = {}
    for policy in task["policies"]:
        due.setdefault(policy["day"], []).append(policy)
    seen: dict[str, dict[str, Any]] = {}
    with collector_paused():
        model = CurtainModel(scenario, seed=task["seed"])
        for day in range(task["days"]):
            for policy in due.get(day, ()):
                klass = classify(best_type_counts(model.lifecycle.stories, day), rule)
                applies = _matches(policy["where"], task["group"], klass, model)
                seen[policy["name"]] = {"class": klass, "applied": applies}
                if applies:
                    note = policy["note"] or f"national policy {policy['name']}"
                    model.intervene(Intervention(day=day, set=policy["set"], note=note))
            model.step()
        model.tally_views()
    daily = daily_table(model)
    if task.get("light"):
        stories = story_table(model)[["days_to_first_response"]]
        events = pd.DataFrame()
        summary_row = summary(model, daily, stories)
        daily = pd.DataFrame()
    else:
        stories = story_table(model)
        events = event_table(model)
        summary_row = summary(model, daily, stories)
    return OrgResult(
        task["index"],
        summary_row,
        best_type_counts(model.lifecycle.stories),
        seen,
        daily,
        stories,
        events,
        task.get("key"),
    )


def _matches(where: dict[str, Any], group: str, klass: str, model) -> bool:
    if where.get("group") is not None and where["group"] != group:
        return False
    if where.get("class") is not None and where["class"] != klass:
        return False
    if where.get("field") is not None:
        value = _get_dotted(model.culture.scenario.to_dict(), where["field"])
        if value != where.get("equals"):
            return False
    return True


# ----------------------------------------------------------------------------- executors


def map_tasks(
    fn: Callable[[dict[str, Any]], Any],
    tasks: Iterable[dict[str, Any]],
    workers: int = 1,
    scheduler: str | None = None,
    scratch: str | Path | None = None,
) -> Iterator[Any]:
    """``fn`` over ``tasks`` serially, in a process pool (``workers`` > 1) or on Dask
    (``scheduler``: ``"local"`` for a loopback cluster, or ``tcp://host:port``); results in
    any order, a bounded number in flight."""
    from sim.experiments.executors import (
        IN_FLIGHT_PER_WORKER,
        DaskExecutor,
        PoolExecutor,
        make_executor,
    )

    executor = make_executor(workers, scheduler, scratch)
    with executor:
        if isinstance(executor, PoolExecutor):
            pool = executor._pool
            limit = executor.workers * IN_FLIGHT_PER_WORKER
            pending: set = set()
            for task in tasks:
                if len(pending) >= limit:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    yield from (f.result() for f in done)
                pending.add(pool.submit(fn, task))
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                yield from (f.result() for f in done)
        elif isinstance(executor, DaskExecutor):
            from distributed import as_completed

            client = executor._client
            limit = executor.workers * IN_FLIGHT_PER_WORKER
            it = iter(tasks)
            queue = as_completed()
            for task in it:
                queue.add(client.submit(fn, task, pure=False))
                if queue.count() >= limit:
                    break
            for future in queue:
                result = future.result()
                future.release()
                yield result
                nxt = next(it, None)
                if nxt is not None:
                    queue.add(client.submit(fn, nxt, pure=False))
        else:
            for task in tasks:
                yield fn(task)


# ----------------------------------------------------------------------------- the nation


@dataclass
class NationalResult:
    system: LoadedSystem
    daily: pd.DataFrame
    stories: pd.DataFrame
    events: pd.DataFrame
    organisations: pd.DataFrame
    summary: dict[str, Any]
    seconds: float

    # The interface sim.runner.write reads (a run's scenario, seed and days).
    @property
    def scenario(self) -> LoadedSystem:
        return self.system

    @property
    def seed(self) -> int:
        return self.system.seed

    @property
    def days(self) -> int:
        return self.system.days


def run_system(
    system: LoadedSystem,
    workers: int = 1,
    scheduler: str | None = None,
    scratch: str | Path | None = None,
) -> NationalResult:
    """Run every organisation of ``system`` and put the nation together."""
    start = time.perf_counter()
    tasks = (job(system, org) for org in system.organisations)
    results: list[OrgResult | None] = [None] * len(system.organisations)
    for result in map_tasks(run_organisation, tasks, workers, scheduler, scratch):
        results[result.index] = result
    done = [r for r in results if r is not None]
    if len(done) != len(results):
        raise CurtainError("national run: some organisations returned no result")
    return assemble(system, done, time.perf_counter() - start)


def assemble(system: LoadedSystem, results: list[OrgResult], seconds: float) -> NationalResult:
    """The national tables: each organisation's frames one after another, in the
    organisations' order, with an ``organisation`` column first and story ids made unique
    nationally (an organisation's stories follow the previous organisation's last id)."""
    orgs = system.organisations
    ids = [o.id for o in orgs]
    story_counts = np.array([len(r.stories) for r in results], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(story_counts)[:-1]])
    daily = _stack([r.daily for r in results], ids)
    stories = _stack([r.stories for r in results], ids)
    if "story_id" in stories:
        stories["story_id"] = stories["story_id"].to_numpy() + np.repeat(offsets, story_counts)
    event_counts = np.array([len(r.events) for r in results], dtype=np.int64)
    events = _stack([r.events for r in results], ids)
    if "story_id" in events:
        events["story_id"] = events["story_id"] + pd.array(
            np.repeat(offsets, event_counts), dtype="Int64"
        )
    organisations = organisation_table(system, results)
    summary = national_summary(system, results, organisations, stories)
    return NationalResult(system, daily, stories, events, organisations, summary, seconds)


def _stack(frames: list[pd.DataFrame], ids: list[str]) -> pd.DataFrame:
    lengths = [len(f) for f in frames]
    frame = pd.concat(frames, ignore_index=True)
    codes = np.repeat(np.arange(len(ids), dtype=np.int32), lengths)
    frame.insert(0, "organisation", pd.Categorical.from_codes(codes, categories=ids))
    return frame


def organisation_table(system: LoadedSystem, results: list[OrgResult]) -> pd.DataFrame:
    rule = system.system.typology
    varied = sorted({k for o in system.organisations for k in o.values} | set(KEY_VALUES))
    rows = []
    for org, result in zip(system.organisations, results, strict=True):
        scenario = org.scenario.to_dict()
        row: dict[str, Any] = {"organisation": org.id, "group": org.group, "seed": org.seed}
        for lever in LEVERS:
            row[f"{lever}.policy"] = scenario[lever]["policy"]
        for key in varied:
            value = _get_dotted(scenario, key)
            row[key] = float(value) if isinstance(value, int | float) else value
        for key in OUTCOME_KEYS:
            value = result.summary.get(key)
            row[key] = np.nan if value is None else float(value)
        for name, count in zip(RESPONSE_TYPES, result.counts, strict=True):
            row[f"stories_{name}"] = count
        row["changes_per_story"] = (
            result.summary["changes_made"] / result.summary["stories"]
            if result.summary.get("stories")
            else np.nan
        )
        row["class"] = classify(result.counts, rule)
        for policy in system.system.policies:
            got = result.policies.get(policy.name, {})
            row[f"policy.{policy.name}.class_on_day"] = got.get("class")
            row[f"policy.{policy.name}.applied"] = bool(got.get("applied", False))
        rows.append(row)
    frame = pd.DataFrame(rows)
    frame["class"] = pd.Categorical(frame["class"], categories=list(CLASSES))
    return frame


def national_summary(
    system: LoadedSystem,
    results: list[OrgResult],
    organisations: pd.DataFrame,
    stories: pd.DataFrame,
) -> dict[str, Any]:
    counts = np.sum([r.counts for r in results], axis=0)
    total = int(counts.sum())
    responses = int(sum(r.summary.get("responses") or 0 for r in results))
    answered = total - int(counts[0])
    changes_made = int(sum(r.summary.get("changes_made") or 0 for r in results))
    planned = int(sum(r.summary.get("changes_planned_total") or 0 for r in results))
    delays = stories["days_to_first_response"].dropna()
    n = len(organisations)
    classes = organisations["class"].value_counts().reindex(list(CLASSES), fill_value=0)
    out: dict[str, Any] = {
        "scenario": system.name,
        "system": True,
        "seed": system.seed,
        "days": system.days,
        "organisations": n,
        "stories": total,
        "response_rate": answered / total if total else None,
    }
    for name, count in zip(RESPONSE_TYPES, counts, strict=True):
        out[f"share_{name}"] = float(count) / total if total else None
    out.update(
        {
            "responses": responses,
            "responses_per_story": responses / answered if answered else None,
            "median_days_to_first_response": float(delays.median()) if len(delays) else None,
            "changes_planned_total": planned,
            "changes_made": changes_made,
            "changes_per_story": changes_made / total if total else None,
            "classes": {
                k: {"count": int(v), "share": int(v) / n if n else None} for k, v in classes.items()
            },
        }
    )
    groups = {}
    for group, part in organisations.groupby("group", sort=False, observed=True):
        groups[str(group)] = {
            "organisations": len(part),
            "stories": int(part["stories"].sum()),
            "classes": {k: int(v) for k, v in part["class"].value_counts().items() if v},
        }
    out["groups"] = groups
    return out


# ----------------------------------------------------------------------------- files


def check_out_national(out_dir: str | Path, overwrite: bool = False) -> Path:
    """Refuse an output folder before any work: a file, a folder of other files, or a
    previous national run without ``overwrite``."""
    out = Path(os.path.abspath(out_dir))
    if out.exists() and not out.is_dir():
        raise CurtainError(f"--out: expected a directory, got the file {out}")
    if out.is_dir():
        foreign = sorted(set(os.listdir(out)) - set(NATIONAL_FILES))
        if foreign:
            raise CurtainError(
                f"--out {out}: holds files that are not a national run's "
                f"({', '.join(foreign[:3])}); choose a new or empty folder"
            )
        if os.listdir(out) and not overwrite:
            raise CurtainError(
                f"--out {out}: already holds a run; pass --overwrite to replace it, "
                "or choose another folder"
            )
    return out


def write_national(
    result: NationalResult,
    out_dir: str | Path,
    source: str | None = None,
    overwrite: bool = False,
) -> Path:
    """Write a national run folder, all or nothing.

    :func:`sim.runner.write` writes the run files (daily, stories, events, manifest,
    summary) into a fresh folder inside a temporary one beside the target;
    ``organisations.parquet`` is added there, and the complete folder is then renamed into
    place (a previous national run there is replaced; any other folder is refused).
    """
    from sim.runner import write

    out = check_out_national(out_dir, overwrite)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.national-", dir=out.parent))
    except OSError as exc:
        raise CurtainError(f"--out: cannot write to {out.parent}: {exc.strerror}") from None
    try:
        folder = write(result, staging / "run", source=source)  # type: ignore[arg-type]
        result.organisations.to_parquet(folder / "organisations.parquet", index=False)
        _add_to_manifest(folder / "manifest.json")
        old = None
        if out.exists():
            old = staging / "old"
            os.rename(out, old)
        os.rename(folder, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out


def _add_to_manifest(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    files = list(data.get("files", []))
    if "organisations.parquet" not in files:
        files.append("organisations.parquet")
    data["files"] = files
    data["kind"] = "national system"
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
