"""Time the main job (an experiment file) serially and on a process pool; report the speed-up.

    python benchmarks/bench_experiment.py [--file experiments/compare_cultures.toml]
                                          [--workers 2] [--repeats 3] [--json]

Three timings, each into a fresh temporary directory:

1. ``serial``: the engine (`run_experiment`, workers=1): every run plus writing the results;
2. ``pool``: the same with ``--workers`` processes (a fork-based process pool);
3. ``command``: the whole ``curtain experiment FILE --workers N --quiet`` command in a new
   process, as a user meets it: start-up imports, the runs, the report and its figures.

The speed-up is serial / pool. The machine's speed drifts from minute to minute (these are
shared virtual machines), so serial and pool are timed in ``--repeats`` back-to-back pairs
and the speed-up of each pair is reported with their median. The result sets are checked to
be identical.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "experiments" / "compare_cultures.toml"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", default=str(DEFAULT))
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--repeats", type=int, default=3, help="serial/pool pairs (default 3)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)

    import pandas as pd

    from sim.experiments.engine import run_experiment

    serial_times, pool_times = [], []
    identical = True
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for i in range(args.repeats):
            start = time.perf_counter()
            serial = run_experiment(args.file, tmp / f"serial{i}", workers=1)
            serial_times.append(time.perf_counter() - start)

            start = time.perf_counter()
            pool = run_experiment(args.file, tmp / f"pool{i}", workers=args.workers)
            pool_times.append(time.perf_counter() - start)

            pd.testing.assert_frame_equal(serial.runs, pool.runs)
            identical &= serial.runs.equals(pool.runs) and serial.daily.equals(pool.daily)

        curtain = [sys.executable, "-m", "sim", "experiment", args.file, "--quiet"]
        start = time.perf_counter()
        subprocess.run(
            [*curtain, "--workers", str(args.workers), "--out", str(tmp / "command")],
            check=True,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        command_s = time.perf_counter() - start

    speedups = [s / p for s, p in zip(serial_times, pool_times, strict=True)]
    figures = {
        "file": str(args.file),
        "runs": serial.counts["total"],
        "workers": args.workers,
        "cpus": os.cpu_count(),
        "serial_s": [round(s, 2) for s in serial_times],
        "pool_s": [round(p, 2) for p in pool_times],
        "speedups": [round(x, 2) for x in speedups],
        "speedup_median": round(statistics.median(speedups), 2),
        "command_s": round(command_s, 2),
        "identical": identical,
    }
    if args.json:
        print(json.dumps(figures))
    else:
        print(f"{figures['file']}: {figures['runs']} runs, {args.workers} workers")
        for i, (s, p, x) in enumerate(zip(serial_times, pool_times, speedups, strict=True)):
            print(f"  pair {i + 1}: serial {s:6.2f} s, pool {p:6.2f} s, speed-up {x:.2f}x")
        print(f"  median speed-up      {figures['speedup_median']:.2f}x")
        print(f"  whole command        {command_s:7.2f} s   (imports, runs, report, figures)")
        print(f"  results identical    {identical}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
