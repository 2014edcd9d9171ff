"""Peak memory of a long `curtain run`: by default 20 simulated years of Site C.

    python benchmarks/bench_memory.py [--years 20] [--scenario FILE] [--repeats 3] [--json]

Each repeat starts `curtain run SCENARIO --days 365*years --out TMP` as a fresh process and
reads its peak resident set size from the operating system when it ends
(``resource.getrusage(RUSAGE_CHILDREN)`` after each child, which reports the largest child
so far, so each repeat runs in its own short-lived measuring process). Peak memory is
close to deterministic for a given seed, so a few repeats suffice; the wall time is shown
too. ``--years 1`` next to ``--years 20`` shows how memory grows with the horizon: it
should grow in proportion to the stories and events kept, never with responders x days.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT = ROOT / "scenarios" / "site_c.toml"

#: Run in a fresh measuring process: start the run, wait, print the child's peak RSS.
MEASURE = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
wall = time.perf_counter() - start
peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"peak_mb": peak_kb / 1024, "wall_s": wall}))
"""


def curtain() -> list[str]:
    """The installed `curtain` script beside this interpreter, else ``python -m sim``."""
    script = Path(sys.executable).parent / "curtain"
    return [str(script)] if script.exists() else [sys.executable, "-m", "sim"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=20)
    parser.add_argument("--scenario", default=str(DEFAULT))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)

    days = 365 * args.years
    out = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    peaks, walls = [], []
    try:
        command = [*curtain(), "run", args.scenario, "--days", str(days)]
        command += ["--seed", str(args.seed), "--out", str(out / "run"), "--overwrite"]
        for _ in range(args.repeats):
            child = subprocess.run(
                [sys.executable, "-c", MEASURE, *command],
                check=True,
                capture_output=True,
                text=True,
                cwd=ROOT,
            )
            found = json.loads(child.stdout)
            peaks.append(found["peak_mb"])
            walls.append(found["wall_s"])
        summary = json.loads((out / "run" / "summary.json").read_text())
        events = _rows(out / "run" / "events.parquet")
    finally:
        shutil.rmtree(out, ignore_errors=True)

    report = {
        "scenario": Path(args.scenario).name,
        "years": args.years,
        "repeats": args.repeats,
        "peak_rss_mb_min": round(min(peaks), 1),
        "peak_rss_mb_median": round(statistics.median(peaks), 1),
        "peak_rss_mb_max": round(max(peaks), 1),
        "wall_s_min": round(min(walls), 2),
        "wall_s_median": round(statistics.median(walls), 2),
        "stories": summary.get("stories"),
        "events": events,
        "active_responders": summary.get("active_responders"),
    }
    if args.json:
        print(json.dumps(report))
        return 0
    print(f"{report['scenario']}: {args.years} simulated years ({days} days), seed {args.seed}")
    print(f"  stories / events kept      {report['stories']:,} / {events:,}")
    print(
        f"  peak resident memory, MB   {report['peak_rss_mb_min']} / "
        f"{report['peak_rss_mb_median']} / {report['peak_rss_mb_max']} "
        f"(min / median / max of {args.repeats})"
    )
    print(f"  wall time, s               {report['wall_s_min']} / {report['wall_s_median']}")
    return 0


def _rows(path: Path) -> int:
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).metadata.num_rows


if __name__ == "__main__":
    sys.exit(main())
