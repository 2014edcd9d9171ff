"""Wall time and peak memory of one simulated national year of the shipped system file.

    python benchmarks/bench_national.py [--file scenarios/national/england.toml]
        [--days 365] [--seed 1] [--workers 2] [--scheduler local] [--json]

Runs `curtain run FILE --days D --seed S --out TMP --workers W` as a child process (imports,
the organisations' runs, the national tables and every output file included) and prints its
wall time and peak memory. Peak memory is reported per process (the main process and the
largest worker, from ``getrusage``) and as their bound for the whole run: main + workers x
largest worker (the workers run at the same time). Goal (issue 10): at most 60 s wall on the
2-core machine, under 4 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT = ROOT / "scenarios" / "national" / "england.toml"

CHILD = """
import resource, sys, json, time
start = time.perf_counter()
from sim.cli import main
status = main(sys.argv[1:])
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print("BENCH " + json.dumps({"status": status, "main_kb": own, "worker_kb": kids,
                             "inside_s": time.perf_counter() - start}))
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", default=str(DEFAULT))
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scheduler", default=None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    out = Path(tempfile.mkdtemp(prefix="bench-national-")) / "run"
    cmd = [
        "run",
        args.file,
        "--days",
        str(args.days),
        "--seed",
        str(args.seed),
        "--out",
        str(out),
        "--workers",
        str(args.workers),
    ]
    if args.scheduler:
        cmd += ["--scheduler", args.scheduler]
    try:
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, *cmd],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=False,
        )
        wall = time.perf_counter() - start
        line = next((x for x in proc.stdout.splitlines() if x.startswith("BENCH ")), None)
        if proc.returncode != 0 or line is None:
            sys.stderr.write(proc.stdout + proc.stderr)
            return 1
        got = json.loads(line[6:])
        files = sorted(os.listdir(out))
        size = sum((out / f).stat().st_size for f in files)
        summary = json.loads((out / "summary.json").read_text())
    finally:
        shutil.rmtree(out.parent, ignore_errors=True)
    main_mb, worker_mb = got["main_kb"] / 1024, got["worker_kb"] / 1024
    workers = 1 if args.workers <= 1 and not args.scheduler else args.workers
    bound = main_mb + (workers * worker_mb if workers > 1 or args.scheduler else 0.0)
    result = {
        "file": args.file,
        "days": args.days,
        "organisations": summary["organisations"],
        "stories": summary["stories"],
        "workers": args.workers,
        "scheduler": args.scheduler,
        "wall_s": round(wall, 2),
        "peak_main_mb": round(main_mb, 1),
        "peak_largest_worker_mb": round(worker_mb, 1),
        "peak_bound_mb": round(bound, 1),
        "output_mb": round(size / 1e6, 1),
        "files": files,
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(
            f"{result['organisations']} organisations, {result['stories']:,} stories, "
            f"{args.days} days, workers {args.workers}"
            + (f", scheduler {args.scheduler}" if args.scheduler else "")
        )
        print(f"wall time (curtain run, outputs included): {wall:.1f} s  (goal: <= 60 s)")
        print(
            f"peak memory: main {main_mb:.0f} MB, largest worker {worker_mb:.0f} MB, "
            f"bound for the run {bound:.0f} MB  (goal: < 4096 MB)"
        )
        print(f"outputs: {result['output_mb']} MB in {', '.join(files)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
