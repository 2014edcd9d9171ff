"""One run of one task: the work an executor sends to a process or a Dask worker.

:func:`run_task` takes a task and its resolved scenario (a plain dict, so it travels to any
worker), runs :func:`sim.runner.simulate`, and returns a :class:`Outcome`: the run's row of
end-of-run outcomes (named as :func:`sim.metrics.summary` names them) and a compact per-day
frame of the columns the figures need, already encoded as the run's ``daily.parquet`` part
where the run ran (so the process collecting results only writes bytes: with a pool or a
cluster, the encoding is done in parallel too). The story and event tables are not built: an
experiment keeps what it reports. Any exception inside the run is caught and returned as a
failed outcome carrying the error, so one bad run never stops a sweep.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pandas as pd
import pyarrow as pa

from sim.experiments.design import Task
from sim.experiments.outcomes import DAILY_COLUMNS, OUTCOMES

#: Columns naming the run at the front of every ``daily.parquet`` row.
RUN_COLUMNS = ("run", "scenario", "point", "replication")

SUCCEEDED = "succeeded"
FAILED = "failed"


@dataclass
class Outcome:
    index: int
    status: str
    error: str | None
    values: dict[str, Any]  # outcome name -> value (None when failed)
    daily_part: bytes | None  # RUN_COLUMNS + day + DAILY_COLUMNS, a part file (None when failed)

    @property
    def daily(self) -> pd.DataFrame | None:
        """The run's per-day frame (day and DAILY_COLUMNS), decoded from its part."""
        if self.daily_part is None:
            return None
        from sim.experiments.store import read_part

        frame = read_part(self.daily_part).to_pandas()
        return frame.drop(columns=list(RUN_COLUMNS))


@lru_cache(maxsize=64)
def _scenario(text: str):
    import json

    from sim.scenario import Scenario

    return Scenario.model_validate(json.loads(text))


def resolve(task: Task, scenario: dict[str, Any]):
    """The scenario a task runs: its resolved scenario with the design point applied."""
    import json

    base = _scenario(json.dumps(scenario, sort_keys=True))
    return base.with_overrides(task.params, source="design") if task.params else base


def run_task(task: Task, scenario: dict[str, Any]) -> Outcome:
    """Run one task; never raises for a failure inside the run."""
    try:
        return _run(task, scenario)
    except Exception as exc:  # a failed run is recorded and the sweep goes on
        message = f"{type(exc).__name__}: {exc}".splitlines()[0]
        return Outcome(task.index, FAILED, message, dict.fromkeys(OUTCOMES), None)


def _run(task: Task, scenario: dict[str, Any]) -> Outcome:
    from sim.metrics import daily_table, summary
    from sim.runner import simulate

    model = simulate(resolve(task, scenario), seed=task.seed, days=task.days)
    daily = daily_table(model)
    values = summary(model, daily)
    row = {name: values[name] for name in OUTCOMES}
    return Outcome(task.index, SUCCEEDED, None, row, _daily_part(task, daily))


def _daily_part(task: Task, daily: pd.DataFrame) -> bytes:
    kept = daily[["day", *DAILY_COLUMNS]]
    front = pd.DataFrame(
        dict(zip(RUN_COLUMNS, (task.index, task.label, task.point, task.replication), strict=True)),
        index=kept.index,
    )
    table = pa.Table.from_pandas(pd.concat([front, kept], axis=1), preserve_index=False)
    from sim.experiments.store import encode_part

    return encode_part(table)
