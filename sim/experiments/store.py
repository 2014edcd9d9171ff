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
import re
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
#: The engine's own file names: found in a folder without an experiment's manifest, they
#: are someone else's, and the experiment refuses the folder rather than replace them.
OWN_NAMES = (MANIFEST, RUNS, DAILY, PARTS)
#: What a manifest written before the ``written`` list existed stands for.
LEGACY_WRITTEN = (MANIFEST, RUNS, DAILY, PARTS, "report.md")
PART_NAME = re.compile(r"(run|daily)-(\d{7})\.arrow")
MANIFEST_EVERY_S = 2.0
BATCH_ROWS = 200_000


class StoreError(CurtainError):
    """The output folder cannot be written (disk full, read-only): exit status 1."""

    exit_code = 1


def _atomic_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


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
        self.written: list[str] = [MANIFEST, PARTS]  # what a fresh start may remove again
        self.complete = False
        self._last_manifest = 0.0

    # ------------------------------------------------------------------ opening
    def open(self, resume: bool, info: dict[str, Any]) -> list[Task]:
        """Prepare the directory; return the tasks still to run."""
        self.info = info
        resolved = self.out.resolve()
        if resolved in (Path(resolved.anchor), Path.home().resolve()):
            raise CurtainError(
                f"--out {self.out}: expected a folder of its own, got {resolved} (the root or "
                "home folder)"
            )
        if self.out.exists() and not self.out.is_dir():
            raise CurtainError(f"--out: expected a directory, got the file {self.out}")
        try:
            self.out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CurtainError(f"--out: cannot write to {self.out}: {exc.strerror}") from None
        manifest = self._read_manifest()
        if manifest is not None:
            self.written = _written(manifest)
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
                self.complete = True
                # a kill while the parts were being removed may leave some behind
                self._remove_parts()
                return []
        elif not resume:
            self._clear(manifest)
        if manifest is None:
            self._refuse_foreign()
        self.parts.mkdir(exist_ok=True)
        for folder in (self.out, self.parts):  # temporary files of a killed writer
            for stale in folder.glob(".*.tmp-*"):
                stale.unlink(missing_ok=True)
        self.status = self._scan_parts()
        self.write_manifest(force=True)
        return [t for t in self.tasks if t.index not in self.status]

    def _read_manifest(self) -> dict[str, Any] | None:
        """The folder's experiment manifest; None if there is none (a manifest.json that is
        not an experiment's is refused: it is someone else's file)."""
        path = self.out / MANIFEST
        if not path.exists():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = None
        if not isinstance(data, dict) or "experiment_sha256" not in data:
            raise CurtainError(
                f"--out {self.out}: holds a {MANIFEST} that is not an experiment's; "
                "choose another folder (an experiment never replaces files it did not write)"
            )
        return data

    def _refuse_foreign(self) -> None:
        """Without a manifest, the engine's own names in the folder are someone else's."""
        found = [n for n in OWN_NAMES if (self.out / n).exists()]
        if found:
            raise CurtainError(
                f"--out {self.out}: holds {', '.join(found)} not written by an experiment "
                "(no experiment manifest); choose another folder"
            )

    def _clear(self, manifest: dict[str, Any] | None) -> None:
        """A fresh start: remove what the previous experiment here wrote (its manifest lists
        it), nothing else. Folders are removed only when that leaves them empty."""
        if manifest is None:
            return
        folders = []
        for rel in sorted(self.written, key=lambda r: -r.count("/")):
            target = self.out / rel
            if not _inside(target, self.out):
                continue
            if target.is_dir() and not target.is_symlink():
                folders.append(target)
            else:
                target.unlink(missing_ok=True)
        for folder in folders:
            if folder == self.parts:
                self._remove_parts()
            else:
                _rmdir_if_empty(folder)
        (self.out / MANIFEST).unlink(missing_ok=True)
        self.written = [MANIFEST, PARTS]

    def _remove_parts(self) -> None:
        """Remove the part files (and their temporaries); parts/ itself only if empty."""
        if not self.parts.is_dir():
            return
        for path in self.parts.iterdir():
            if PART_NAME.fullmatch(path.name) or ".tmp-" in path.name:
                path.unlink(missing_ok=True)
        _rmdir_if_empty(self.parts)

    def _scan_parts(self) -> dict[int, tuple[str, str | None]]:
        found: dict[int, tuple[str, str | None]] = {}
        n = len(self.tasks)
        for part in self.parts.glob("run-*.arrow"):
            match = PART_NAME.fullmatch(part.name)
            if match is None:  # not a part this engine writes: left alone, never read
                continue
            index = int(match.group(2))
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

    def write_manifest(self, force: bool = False, complete: bool | None = None) -> None:
        if complete is not None:
            self.complete = complete
        complete = self.complete
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
            "written": self.written,
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
        """Stream the parts, in task order, into runs.parquet and daily.parquet.

        Both files are written in full to temporary names before either is put in place, and
        the manifest says complete only after both are: a disk that fills meanwhile leaves
        the parts, the previous files and an incomplete manifest with true counts, and
        ``--resume`` finishes the job once there is room."""
        if self.complete or not self.parts.exists():  # already consolidated
            return
        self.write_manifest(force=True)  # counts as they are now, whatever happens next
        temporaries = [self._tmp(RUNS), self._tmp(DAILY)]
        try:
            self._stream(temporaries[0], "run", self.schema)
            self._stream(temporaries[1], "daily", None)
            self.written = list(dict.fromkeys([*self.written, RUNS, DAILY]))
            os.replace(temporaries[1], self.out / DAILY)
            os.replace(temporaries[0], self.out / RUNS)
            self.write_manifest(force=True, complete=True)
        except OSError as exc:
            raise StoreError(
                f"--out {self.out}: cannot write the results: {exc.strerror or exc}; every "
                "finished run is kept in parts/: make room, then run again with --resume"
            ) from None
        finally:
            for tmp in temporaries:
                tmp.unlink(missing_ok=True)
        self._remove_parts()

    def _tmp(self, name: str) -> Path:
        return self.out / f".{name}.tmp-{os.getpid()}"

    def _stream(self, tmp: Path, prefix: str, schema: pa.Schema | None) -> None:
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
                writer = None
        finally:
            if writer is not None:
                writer.close()


def _inside(path: Path, folder: Path) -> bool:
    """True when ``path`` lies inside ``folder`` (a manifest cannot point elsewhere)."""
    try:
        return (
            path.resolve().is_relative_to(folder.resolve()) and path.resolve() != folder.resolve()
        )
    except OSError:
        return False


def _rmdir_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass  # not empty (someone else's files), or already gone


def _written(manifest: dict[str, Any]) -> list[str]:
    written = manifest.get("written")
    if not isinstance(written, list) or not all(isinstance(w, str) for w in written):
        return list(LEGACY_WRITTEN)
    return list(written)


def snapshot(out: Path) -> dict[str, tuple[int, int, int]]:
    """Every file and folder under ``out`` (but parts/) with its inode, size and mtime."""
    found: dict[str, tuple[int, int, int]] = {}
    if not out.is_dir():
        return found
    for root, dirs, files in os.walk(out):
        dirs[:] = [d for d in dirs if not (root == str(out) and d == PARTS)]
        for name in (*dirs, *files):
            path = Path(root) / name
            try:
                info = path.lstat()
            except OSError:
                continue
            found[path.relative_to(out).as_posix()] = (info.st_ino, info.st_size, info.st_mtime_ns)
    return found


def record_written(out: Path, before: dict[str, tuple[int, int, int]]) -> list[str]:
    """Add what appeared or changed under ``out`` since ``before`` (the report's files and
    folders) to the manifest's ``written`` list, so a fresh start removes exactly those."""
    path = out / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    now = snapshot(out)
    new = [rel for rel, stamp in now.items() if before.get(rel) != stamp and rel != MANIFEST]
    created_folders = [rel for rel in new if rel not in before and (out / rel).is_dir()]
    changed = [rel for rel in new if not (out / rel).is_dir()]
    manifest["written"] = list(dict.fromkeys([*_written(manifest), *changed, *created_folders]))
    _atomic_bytes(path, (json.dumps(manifest, indent=1) + "\n").encode())
    return manifest["written"]
