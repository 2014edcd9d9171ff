"""Time one simulated year of the full-volume Site C benchmark, in one process.

    python benchmarks/bench_year.py [--repeats 5] [--scenario FILE] [--json]

What is timed: `sim.runner.simulate`, the path every run takes: building the model and
running it for 365 days (with the garbage collector paused, as the runner does). Building the
output tables afterwards (``sim.runner.tables``, the columns `curtain run` writes, then the
three DataFrames made from them, as the experiment engine and notebooks ask) is timed
separately and reported too. The machine's
speed drifts (these are shared virtual machines), so the script first warms up for about two
seconds, then reports the median and the minimum of the repeats and the peak resident memory
of the process. A fixed pure-Python workload is timed before each repeat; the ratio of the
two is comparable between sessions even when the machine's speed is not.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT = HERE / "site_c_full_volume.toml"


def reference_work() -> float:
    """A fixed pure-Python workload, timed beside each run to show the machine's speed."""
    start = time.perf_counter()
    total = 0
    for i in range(300_000):
        total += i * i % 7
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--scenario", default=str(DEFAULT))
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)

    from sim.runner import simulate as simulate_year
    from sim.runner import tables
    from sim.scenario import load_scenario

    scenario = load_scenario(args.scenario)

    warm_until = time.perf_counter() + 2.0
    seed = 10_000
    while time.perf_counter() < warm_until:
        simulate_year(scenario, seed, args.days)
        seed += 1

    simulate, tabulate, frames, stories, responders, reference = [], [], [], [], [], []
    model = None
    for i in range(args.repeats):
        model = None
        gc.collect()  # each repeat starts from a clean heap (outside the timed region)
        reference.append(reference_work())
        start = time.perf_counter()
        model = simulate_year(scenario, i, args.days)
        simulate.append(time.perf_counter() - start)
        start = time.perf_counter()
        result = tables(model)
        columns_done = time.perf_counter()
        daily, _, _ = result.daily, result.stories, result.events
        tabulate.append(columns_done - start)
        frames.append(time.perf_counter() - columns_done)
        stories.append(int(daily["stories"].iloc[-1]))
        responders.append(len(model.castlist))

    ratios = [s / r for s, r in zip(simulate, reference, strict=True)]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report = {
        "scenario": scenario.name,
        "days": args.days,
        "repeats": args.repeats,
        "simulate_ms_median": round(statistics.median(simulate) * 1e3, 1),
        "simulate_ms_min": round(min(simulate) * 1e3, 1),
        "tables_ms_median": round(statistics.median(tabulate) * 1e3, 1),
        "frames_ms_median": round(statistics.median(frames) * 1e3, 1),
        "reference_ms_median": round(statistics.median(reference) * 1e3, 1),
        "simulate_per_reference": round(statistics.median(ratios), 2),
        "simulate_per_reference_min": round(min(ratios), 2),
        "stories_mean": round(statistics.mean(stories)),
        "responders_mean": round(statistics.mean(responders)),
        "peak_rss_mb": round(peak_mb, 1),
        "python": sys.version.split()[0],
    }
    if args.json:
        print(json.dumps(report))
    else:
        print(f"{report['scenario']}: {args.days} days, {args.repeats} repeats after warm-up")
        print(f"  stories per run (mean)      {report['stories_mean']:,}")
        print(f"  responders on the cast      {report['responders_mean']:,}")
        print(f"  simulate, median            {report['simulate_ms_median']} ms")
        print(f"  simulate, min               {report['simulate_ms_min']} ms")
        print(f"  build tables, median        {report['tables_ms_median']} ms (columns)")
        print(f"  as DataFrames, median       {report['frames_ms_median']} ms more")
        print(
            f"  reference workload, median  {report['reference_ms_median']} ms "
            "(about 20 ms when this machine runs at full speed)"
        )
        print(
            f"  simulate / reference        {report['simulate_per_reference']} median, "
            f"{report['simulate_per_reference_min']} min (each repeat over the reference "
            "timed just before it: comparable between sessions)"
        )
        print(f"  peak resident memory        {report['peak_rss_mb']} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
