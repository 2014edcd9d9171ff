"""Where an experiment's results go: a directory that survives being killed at any moment.

Layout of the output directory::

    manifest.json      experiment hash, git commit, versions, per-run status
    parts/             while running: one small file per finished run
    runs.parquet       at the end: one row per run (scenario, replication, seed, design
                       point's fields, status, error, every end-of-run outcome)
    daily.parquet      at the end: one row per run per day (the figures' columns)

Each finished run is written as its own part files (``parts/run-NNNNNNN.arrow`` and, if it
succeeded, ``parts/daily-NNNNNNN.arrow``; Arrow IPC, which reads back far faster than many
small parquet files), each to a temporary name first and then renamed,
the daily part before the run part: a run counts as done exactly when its run part exists.
So a kill -9 loses at most the runs in flight, and ``--resume`` re-runs precisely the tasks
without a run part. At the end the parts are streamed, in task order, into
``runs.parquet`` and ``daily.parquet`` (again via temporary files): the files are the same
whether the experiment ran in one go or was killed and resumed, and memory stays bounded by
a batch of parts, not the sweep. The manifest is rewritten atomically as runs finish (at most
every couple of seconds) and at the end.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import CurtainError
from sim.experiments.design import Task
from sim.experiments.outcomes import OUTCOMES
from sim.experiments.spec import LoadedExperiment
from sim.experiments.task import FAILED, SUCCEEDED, Outcome

PENDING = "pending"
MANIFEST = "manifest.json"
RUNS = "runs.parquet"
DAILY = "daily.parquet"
PARTS = "parts"
#: Files and folders the engine owns in an output directory (a fresh start removes these).
OWNED = (MANIFEST, RUNS, DAILY, PARTS, "report.md", "figures", "tables", ".dask-scratch")
MANIFEST_EVERY_S = 2.0
BATCH_ROWS = 200_000


def _atomic_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def encode_part(table: pa.Table) -> bytes:
    """A part file's bytes: one table in the Arrow IPC file format."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def read_part(source: Path | bytes) -> pa.Table:
    """A part file (a path or its bytes) as a table."""
    if isinstance(source, bytes):
        return pa.ipc.open_file(pa.BufferReader(source)).read_all()
    with pa.memory_map(str(source)) as mapped:
        return pa.ipc.open_file(mapped).read_all()


def _param_type(values: list[Any]) -> pa.DataType:
    if all(isinstance(v, bool) for v in values):
        return pa.bool_()
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return pa.int64()
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return pa.float64()
    return pa.string()


def run_schema(experiment: LoadedExperiment, params: list[dict[str, Any]]) -> pa.Schema:
    """The columns of ``runs.parquet``; design fields keep their dotted names."""
    fields = [
        pa.field("run", pa.int64()),
        pa.field("scenario", pa.string()),
        pa.field("point", pa.int64()),
        pa.field("replication", pa.int64()),
        pa.field("seed", pa.int64()),
    ]
    for path in experiment.parameter_paths():
        fields.append(pa.field(path, _param_type([p[path] for p in params])))
    fields += [pa.field("status", pa.string()), pa.field("error", pa.string())]
    for name, (is_count, _) in OUTCOMES.items():
        fields.append(pa.field(name, pa.int64() if is_count else pa.float64()))
    return pa.schema(fields)


class ResultStore:
    """An experiment's output directory: parts as runs finish, then the consolidated files."""

    def __init__(
        self,
        out: str | Path,
        experiment: LoadedExperiment,
        tasks: list[Task],
        points: list[dict[str, Any]],
    ):
        self.out = Path(out)
        self.parts = self.out / PARTS
        self.experiment = experiment
        self.tasks = tasks
        self.schema = run_schema(experiment, points)
        self.status: dict[int, tuple[str, str | None]] = {}
        self.info: dict[str, Any] = {}
        self._last_manifest = 0.0

    # ------------------------------------------------------------------ opening
    def open(self, resume: bool, info: dict[str, Any]) -> list[Task]:
        """Prepare the directory; return the tasks still to run."""
        self.info = info
        if self.out.exists() and not self.out.is_dir():
            raise CurtainError(f"--out: expected a directory, got the file {self.out}")
        try:
            self.out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CurtainError(f"--out: cannot write to {self.out}: {exc.strerror}") from None
        manifest = self._read_manifest()
        if resume and manifest is not None:
            if manifest.get("experiment_sha256") != self.experiment.digest:
                raise CurtainError(
                    f"--resume: {self.out} holds results of a different experiment "
                    f"(sha256 {str(manifest.get('experiment_sha256'))[:12]}..., this one "
                    f"{self.experiment.digest[:12]}...); run without --resume to start afresh"
                )
            if manifest.get("complete") and (self.out / RUNS).exists():
                for entry in manifest.get("status", []):
                    self.status[entry["run"]] = (entry["status"], entry.get("error"))
                # a kill while the parts were being removed may leave some behind
                shutil.rmtree(self.parts, ignore_errors=True)
                return []
        elif not resume:
            self._clear()
        self.parts.mkdir(exist_ok=True)
        for folder in (self.out, self.parts):  # temporary files of a killed writer
            for stale in folder.glob(".*.tmp-*"):
                stale.unlink(missing_ok=True)
        self.status = self._scan_parts()
        self.write_manifest(force=True)
        return [t for t in self.tasks if t.index not in self.status]

    def _read_manifest(self) -> dict[str, Any] | None:
        try:
            return json.loads((self.out / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def _clear(self) -> None:
        for name in OWNED:
            target = self.out / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()

    def _scan_parts(self) -> dict[int, tuple[str, str | None]]:
        found: dict[int, tuple[str, str | None]] = {}
        n = len(self.tasks)
        for part in self.parts.glob("run-*.arrow"):
            index = int(part.stem.split("-")[1])
            if index >= n:
                continue
            try:
                table = read_part(part)
            except (OSError, pa.ArrowInvalid):  # not a whole part: the run is done again
                part.unlink(missing_ok=True)
                continue
            found[index] = (table["status"][0].as_py(), table["error"][0].as_py())
        return found

    # ------------------------------------------------------------------ recording
    def record(self, outcome: Outcome) -> None:
        """Write one finished run's parts (daily first), then note its status."""
        task = self.tasks[outcome.index]
        name = f"{task.index:07d}.arrow"
        if outcome.daily_part is not None:
            _atomic_bytes(self.parts / f"daily-{name}", outcome.daily_part)
        row: dict[str, Any] = {
            "run": task.index,
            "scenario": task.label,
            "point": task.point,
            "replication": task.replication,
            "seed": task.seed,
            **task.params,
            "status": outcome.status,
            "error": outcome.error,
            **outcome.values,
        }
        table = pa.Table.from_pylist([row], schema=self.schema)
        _atomic_bytes(self.parts / f"run-{name}", encode_part(table))
        self.status[task.index] = (outcome.status, outcome.error)
        self.write_manifest()

    def counts(self) -> dict[str, int]:
        succeeded = sum(1 for s, _ in self.status.values() if s == SUCCEEDED)
        failed = sum(1 for s, _ in self.status.values() if s == FAILED)
        return {
            "total": len(self.tasks),
            "succeeded": succeeded,
            "failed": failed,
            "pending": len(self.tasks) - succeeded - failed,
        }

    def write_manifest(self, force: bool = False, complete: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_manifest < MANIFEST_EVERY_S:
            return
        self._last_manifest = now
        exp = self.experiment
        spec = exp.spec
        data = {
            "experiment": spec.name,
            "experiment_file": str(exp.path),
            "experiment_sha256": exp.digest,
            "design": spec.design.kind,
            "days": spec.days,
            "replications": spec.replications,
            "base_seed": spec.base_seed,
            "outcomes": list(spec.outcomes),
            "scenarios": {
                label: {"name": s.name, "sha256": s.digest()} for label, s in exp.scenarios.items()
            },
            **self.info,
            "complete": complete,
            "runs": self.counts(),
            "files": [RUNS, DAILY] if complete else [],
            "status": [
                {
                    "run": t.index,
                    "scenario": t.label,
                    "point": t.point,
                    "replication": t.replication,
                    "seed": t.seed,
                    "status": self.status.get(t.index, (PENDING, None))[0],
                    "error": self.status.get(t.index, (PENDING, None))[1],
                }
                for t in self.tasks
            ],
        }
        _atomic_bytes(self.out / MANIFEST, (json.dumps(data, indent=1) + "\n").encode())

    # ------------------------------------------------------------------ finishing
    def consolidate(self) -> None:
        """Stream the parts, in task order, into runs.parquet and daily.parquet."""
        if not self.parts.exists():  # already consolidated
            return
        self._stream(RUNS, "run", self.schema)
        self._stream(DAILY, "daily", None)
        self.write_manifest(force=True, complete=True)
        shutil.rmtree(self.parts, ignore_errors=True)

    def _stream(self, name: str, prefix: str, schema: pa.Schema | None) -> None:
        target = self.out / name
        tmp = target.with_name(f".{name}.tmp-{os.getpid()}")
        writer: pq.ParquetWriter | None = None
        batch: list[pa.Table] = []
        rows = 0

        def flush() -> None:
            nonlocal writer, batch, rows
            if not batch:
                return
            table = pa.concat_tables(batch)
            if writer is None:
                writer = pq.ParquetWriter(tmp, table.schema)
            writer.write_table(table)
            batch, rows = [], 0

        try:
            for task in self.tasks:
                part = self.parts / f"{prefix}-{task.index:07d}.arrow"
                if not part.exists():
                    continue
                table = read_part(part)
                if schema is None:
                    schema = table.schema
                batch.append(table.cast(schema))
                rows += table.num_rows
                if rows >= BATCH_ROWS:
                    flush()
            flush()
            if writer is None:  # nothing at all (every run failed): an empty file
                empty = schema if schema is not None else pa.schema([pa.field("run", pa.int64())])
                pq.write_table(empty.empty_table(), tmp)
            else:
                writer.close()
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
