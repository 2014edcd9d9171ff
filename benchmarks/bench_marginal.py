"""The marginal cost of a simulated year in `curtain run`, beside the cost of simulating one.

    python benchmarks/bench_marginal.py [--repeats 5] [--scenario FILE] [--years 10] [--json]

`curtain run` is started as a fresh process (as a user starts it) for one year
(``--days 365``) and for ``--years`` years (``--days 3650`` by default), ``--repeats`` times
each, alternating, after one untimed start of each (it fills the operating system's file
cache). The marginal cost of a year is (long run - one-year run) / (years - 1): everything
a run pays once (the interpreter, the imports, loading the scenario, the manifest) cancels,
and what is left is what each further year costs: simulating it, building its share of the
tables, writing it, and freeing it at exit. It is computed from the minimum of each (the
best estimate on a quiet machine) and from the median.

For comparison, one year is simulated in this process as ``bench_year.py`` times it
(``sim.runner.simulate`` after a warm-up), once after each pair of starts, so the machine's
drift touches both alike; the ratio marginal / simulate is reported from the minima and from
the medians: the issue's goal is 1.5 or less. A fixed pure-Python
workload (the one ``bench_year.py`` uses) is timed before each start, to show how fast the
machine ran.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT = HERE / "site_c_full_volume.toml"

sys.path.insert(0, str(HERE))
from bench_cli import curtain, wall  # noqa: E402
from bench_year import reference_work  # noqa: E402


class SimulateYear:
    """One year of ``sim.runner.simulate`` in this process, as ``bench_year.py`` times it:
    after a two-second warm-up, from a clean heap."""

    def __init__(self, scenario_file: str):
        from sim.runner import simulate
        from sim.scenario import load_scenario

        self.simulate = simulate
        self.scenario = load_scenario(scenario_file)
        self.seed = 10_000
        warm_until = time.perf_counter() + 2.0
        while time.perf_counter() < warm_until:
            self.time()

    def time(self) -> float:
        import gc

        gc.collect()
        self.seed += 1
        start = time.perf_counter()
        self.simulate(self.scenario, self.seed, 365)
        return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--scenario", default=str(DEFAULT))
    parser.add_argument("--years", type=int, default=10, help="length of the long run")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if args.years < 2:
        parser.error("--years: expected 2 or more")

    out = Path(tempfile.mkdtemp(prefix="bench-marginal-"))
    commands = {}
    for years in (1, args.years):
        commands[years] = [*curtain(), "run", args.scenario, "--days", str(365 * years)]
        commands[years] += ["--out", str(out / f"y{years}"), "--overwrite"]
    walls: dict[int, list[float]] = {1: [], args.years: []}
    reference: list[float] = []
    simulate: list[float] = []
    year = SimulateYear(args.scenario)
    try:
        for command in commands.values():
            wall(command)  # untimed: fills the file cache
        for _ in range(args.repeats):  # interleaved, so a drift of the machine's speed
            for years, command in commands.items():  # touches both sides alike
                reference.append(reference_work())
                walls[years].append(wall(command))
            simulate.append(year.time())
    finally:
        shutil.rmtree(out, ignore_errors=True)

    def per_year(pick) -> float:
        return (pick(walls[args.years]) - pick(walls[1])) / (args.years - 1)

    marginal_min, marginal_median = per_year(min), per_year(statistics.median)
    report = {
        "scenario": args.scenario,
        "repeats": args.repeats,
        "years": args.years,
        "run_1_year_s": {
            "min": round(min(walls[1]), 3),
            "median": round(statistics.median(walls[1]), 3),
        },
        f"run_{args.years}_years_s": {
            "min": round(min(walls[args.years]), 3),
            "median": round(statistics.median(walls[args.years]), 3),
        },
        "marginal_year_ms": {
            "min": round(marginal_min * 1e3, 1),
            "median": round(marginal_median * 1e3, 1),
        },
        "simulate_year_ms": {
            "min": round(min(simulate) * 1e3, 1),
            "median": round(statistics.median(simulate) * 1e3, 1),
        },
        "marginal_per_simulate": {
            "min": round(marginal_min / min(simulate), 2),
            "median": round(marginal_median / statistics.median(simulate), 2),
        },
        "reference_ms_median": round(statistics.median(reference) * 1e3, 1),
        "command": " ".join(["curtain", *commands[args.years][len(curtain()) :]]),
        "python": sys.version.split()[0],
    }
    if args.json:
        print(json.dumps(report))
        return 0
    long = f"run_{args.years}_years_s"
    m, s, q = (report[k] for k in ("marginal_year_ms", "simulate_year_ms", "marginal_per_simulate"))
    one, many = report["run_1_year_s"], report[long]
    print(f"{args.scenario}: `curtain run`, {args.repeats} starts of each after one untimed")
    print(f"{'':22}{'min':>9} / median")
    print(f"  {'1-year run':<20}{one['min']:9.3f} / {one['median']:.3f} s")
    print(f"  {f'{args.years}-year run':<20}{many['min']:9.3f} / {many['median']:.3f} s")
    print(
        f"  {'marginal year':<20}{m['min']:9.1f} / {m['median']:.1f} ms   "
        f"({args.years}-year minus 1-year, over {args.years - 1})"
    )
    print(
        f"  {'simulate one year':<20}{s['min']:9.1f} / {s['median']:.1f} ms   "
        "(in process, as bench_year.py)"
    )
    print(
        f"  {'marginal / simulate':<20}{q['min']:9.2f} / {q['median']:.2f}      (goal: 1.5 or less)"
    )
    print(
        f"  reference workload, median {report['reference_ms_median']} ms "
        "(about 20 ms when this machine runs at full speed)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
