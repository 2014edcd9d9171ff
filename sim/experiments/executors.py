"""How tasks are run: serially, in a local process pool, or on Dask distributed.

Each executor takes task descriptions and the resolved scenarios (plain dicts) and yields
:class:`~sim.experiments.task.Outcome` objects as runs finish, in any order. All of them
call the same :func:`~sim.experiments.task.run_task` with the same seeds, so the results are
identical, run for run, whichever executor ran them. At most a few tasks per worker are in
flight at once, so memory stays bounded however long the list of tasks.

- :class:`SerialExecutor`: in this process.
- :class:`PoolExecutor`: ``concurrent.futures.ProcessPoolExecutor`` with the *fork* start
  method where the platform has it (workers inherit the imported model instead of paying
  about a second of imports each under spawn).
- :class:`DaskExecutor`: a ``distributed.Client`` connected to a scheduler address
  (``tcp://host:port``), or to a ``LocalCluster`` on the loopback interface it starts itself.
  The workers must be able to import this package (install it where they run).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any

from sim.errors import CurtainError
from sim.experiments.design import Task
from sim.experiments.task import Outcome, run_task

#: Tasks in flight per worker: enough to keep workers busy, few enough to bound memory.
IN_FLIGHT_PER_WORKER = 4


class SerialExecutor:
    name = "serial"
    workers = 1

    def __enter__(self) -> SerialExecutor:
        _ready_to_run()
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def run(self, tasks: Iterable[Task], scenarios: dict[str, dict]) -> Iterator[Outcome]:
        for task in tasks:
            yield run_task(task, scenarios[task.label])


class PoolExecutor:
    name = "process pool"

    def __init__(self, workers: int):
        self.workers = workers
        methods = multiprocessing.get_all_start_methods()
        self.context = multiprocessing.get_context("fork" if "fork" in methods else None)
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> PoolExecutor:
        _ready_to_run()  # before the workers fork, so they inherit it
        self._pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=self.context,
            initializer=_exit_with_parent,
            initargs=(os.getpid(),),
        )
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def run(self, tasks: Iterable[Task], scenarios: dict[str, dict]) -> Iterator[Outcome]:
        assert self._pool is not None, "use the executor in a with block"
        limit = self.workers * IN_FLIGHT_PER_WORKER
        pending: set[Future] = set()
        for task in tasks:
            if len(pending) >= limit:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                yield from (f.result() for f in done)
            pending.add(self._pool.submit(run_task, task, scenarios[task.label]))
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            yield from (f.result() for f in done)


def _ready_to_run() -> None:
    """Import what a run needs and freeze the heap (``sim.runner.freeze_imports``).

    A forked worker then starts with the model imported (about a second each otherwise) and
    never scans the inherited objects in its own collections.
    """
    import sim.metrics
    import sim.runner

    sim.runner.freeze_imports()


def _exit_with_parent(parent: int) -> None:
    """In a pool worker: exit when the parent is gone (killed with SIGKILL, say), instead of
    waiting forever on a queue nobody will feed."""
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="curtain-parent-watch", daemon=True).start()


class DaskExecutor:
    """Dask distributed: a given scheduler, or a loopback LocalCluster (``address="local"``)."""

    name = "dask"

    def __init__(self, address: str, workers: int, scratch: str | Path | None = None):
        self.address = address
        self.workers = workers
        self.scratch = scratch
        self._client = None
        self._cluster = None

    def __enter__(self) -> DaskExecutor:
        from distributed import Client, LocalCluster

        if self.address == "local":
            self._cluster = LocalCluster(
                n_workers=self.workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address="127.0.0.1:0",
                local_directory=str(self.scratch) if self.scratch else None,
            )
            self._client = Client(self._cluster)
        else:
            try:
                self._client = Client(self.address, timeout="10s")
            except (OSError, TimeoutError, ValueError) as exc:
                raise CurtainError(
                    f"--scheduler {self.address}: expected a reachable Dask scheduler "
                    f"(tcp://host:port), could not connect: {exc}"
                ) from None
            found = len(self._client.scheduler_info().get("workers", {}))
            self.workers = max(found, 1)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()
            if self.scratch is not None:  # the cluster's scratch space is ours to remove
                import shutil

                shutil.rmtree(self.scratch, ignore_errors=True)

    def run(self, tasks: Iterable[Task], scenarios: dict[str, dict]) -> Iterator[Outcome]:
        from distributed import as_completed

        client = self._client
        assert client is not None, "use the executor in a with block"
        limit = self.workers * IN_FLIGHT_PER_WORKER
        it = iter(tasks)
        queue = as_completed()

        def submit(task: Task) -> None:
            queue.add(client.submit(run_task, task, scenarios[task.label], pure=False))

        for task in it:
            submit(task)
            if queue.count() >= limit:
                break
        for future in queue:
            outcome: Outcome = future.result()
            future.release()
            yield outcome
            nxt = next(it, None)
            if nxt is not None:
                submit(nxt)


def make_executor(workers: int, scheduler: str | None, scratch: str | Path | None = None) -> Any:
    if scheduler:
        return DaskExecutor(scheduler, workers, scratch)
    if workers <= 1:
        return SerialExecutor()
    return PoolExecutor(workers)
