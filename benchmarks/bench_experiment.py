"""Time the main job (an experiment file) serially and on a process pool; report the speed-up.

    python benchmarks/bench_experiment.py [--file experiments/compare_cultures.toml]
                                          [--workers 2] [--json]

Three timings, each into a fresh temporary directory:

1. ``serial``: the engine (`run_experiment`, workers=1): every run plus writing the results;
2. ``pool``: the same with ``--workers`` processes (a fork-based process pool);
3. ``command``: the whole ``curtain experiment FILE --workers N --quiet`` command in a new
   process, as a user meets it: start-up imports, the runs, the report and its figures.

The speed-up is serial / pool. The two result sets are checked to be identical. These are
shared virtual machines: expect noise, and compare figures taken in one session.
"""

from __future__ import annotations

import argparse
import json
import os
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
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)

    import pandas as pd

    from sim.experiments.engine import run_experiment

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        start = time.perf_counter()
        serial = run_experiment(args.file, tmp / "serial", workers=1)
        serial_s = time.perf_counter() - start

        start = time.perf_counter()
        pool = run_experiment(args.file, tmp / "pool", workers=args.workers)
        pool_s = time.perf_counter() - start

        identical = serial.runs.equals(pool.runs) and serial.daily.equals(pool.daily)
        pd.testing.assert_frame_equal(serial.runs, pool.runs)

        curtain = [sys.executable, "-m", "sim", "experiment", args.file, "--quiet"]
        start = time.perf_counter()
        subprocess.run(
            [*curtain, "--workers", str(args.workers), "--out", str(tmp / "command")],
            check=True,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        command_s = time.perf_counter() - start

    figures = {
        "file": str(args.file),
        "runs": serial.counts["total"],
        "workers": args.workers,
        "cpus": os.cpu_count(),
        "serial_s": round(serial_s, 2),
        "pool_s": round(pool_s, 2),
        "speedup": round(serial_s / pool_s, 2),
        "command_s": round(command_s, 2),
        "identical": identical,
    }
    if args.json:
        print(json.dumps(figures))
    else:
        print(f"{figures['file']}: {figures['runs']} runs, {args.workers} workers")
        print(f"  serial engine        {serial_s:7.2f} s")
        print(f"  pool engine          {pool_s:7.2f} s   speed-up {serial_s / pool_s:.2f}x")
        print(f"  whole command        {command_s:7.2f} s   (imports, runs, report, figures)")
        print(f"  results identical    {identical}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
