"""Time the main job (an experiment file) serially and on a process pool; report the speed-up.

    python benchmarks/bench_experiment.py [--file experiments/compare_cultures.toml]
                                          [--workers 2] [--repeats 3] [--json]

Three timings, each into a fresh temporary directory:

1. ``serial``: the engine (`run_experiment`, workers=1): every run plus writing the results;
2. ``pool``: the same with ``--workers`` processes (a fork-based process pool);
3. ``command``: the whole ``curtain experiment FILE --workers N --quiet`` command in a new
   process, as a user meets it: start-up imports, the runs, the report and its figures;
4. ``stages`` (``--stages N`` times, default 1): the same command's steps timed inside one new
   process: interpreter start, the command's imports, loading the file, the runs (including
   the pool's start), importing matplotlib, the report and figures, and the interpreter's
   exit. The runs' share that is simulation is the pool's CPU time; the rest of the
   command is start-up and reporting.

The speed-up is serial / pool. The machine's speed drifts from minute to minute (these are
shared virtual machines), so serial and pool are timed in ``--repeats`` back-to-back pairs
and the speed-up of each pair is reported with their median. The result sets are checked to
be identical.
"""

from __future__ import annotations

import argparse
import itertools
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

#: The steps of `curtain experiment FILE --workers N --quiet`, with time.time() after each.
STAGES = """
import json, sys, time
marks = {"started": time.time()}
from sim.experiments.engine import run_experiment
from sim.experiments.report import write_report
from sim.experiments.spec import load_experiment
marks["imports"] = time.time()
experiment = load_experiment(sys.argv[1])
marks["load"] = time.time()
result = run_experiment(experiment, sys.argv[2], workers=int(sys.argv[3]), progress=False)
marks["runs"] = time.time()
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot
marks["matplotlib"] = time.time()
write_report(result)
marks["report"] = time.time()
print(json.dumps(marks))
"""
STAGE_NAMES = ("start", "imports", "load", "runs", "matplotlib", "report", "exit")


def stages(file: str, out: Path, workers: int, repeats: int) -> dict[str, list[float]]:
    """Seconds per step of the command, one list per step (see STAGES)."""
    found: dict[str, list[float]] = {name: [] for name in (*STAGE_NAMES, "total")}
    for i in range(repeats):
        spawned = time.time()
        child = subprocess.run(
            [sys.executable, "-c", STAGES, file, str(out / f"stages{i}"), str(workers)],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        ended = time.time()
        marks = json.loads(child.stdout)
        points = [spawned, *(marks[k] for k in marks), ended]
        for name, (a, b) in zip(STAGE_NAMES, itertools.pairwise(points), strict=True):
            found[name].append(b - a)
        found["total"].append(ended - spawned)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", default=str(DEFAULT))
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--repeats", type=int, default=3, help="serial/pool pairs (default 3)")
    parser.add_argument(
        "--no-freeze",
        dest="freeze",
        action="store_false",
        help="serial and pool timings without gc.freeze (sim.runner.freeze_imports)",
    )
    parser.add_argument("--stages", type=int, default=1, help="staged timings (default 1)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)

    import pandas as pd

    from sim.experiments.engine import run_experiment

    if not args.freeze:
        import sim.runner

        sim.runner.freeze_imports = lambda: None

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
        steps = stages(args.file, tmp, args.workers, args.stages) if args.stages else {}

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
        "freeze": args.freeze,
        "stages_s": {k: [round(x, 3) for x in v] for k, v in steps.items()},
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
        if steps:
            print(f"  the command in steps, s (min / median of {args.stages}):")
            for name, values in steps.items():
                print(f"    {name:<11} {min(values):6.2f} / {statistics.median(values):6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
