"""Count the CPU instructions of one simulated year of the full-volume benchmark (cachegrind).

    python benchmarks/instructions_year.py [--scenario FILE] [--years 2]

Timings on shared virtual machines drift by tens of percent; instruction counts do not, so
they show the effect of a change to the simulation's code exactly. The script runs
``valgrind --tool=cachegrind`` twice on a small driver: once simulating one year, once
simulating ``1 + years`` years (seeds 0, 1, ...), and reports the difference divided by
``years``: the instructions of a simulated year, imports and start-up excluded. The garbage
collector stays off between years (``sim.runner.simulate`` pauses it within a year anyway),
OpenBLAS is limited to one thread (its idle spinning would otherwise be counted) and the
hash seed is fixed.
Needs valgrind (``apt-get install valgrind``); takes about a minute per simulated year.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT = HERE / "site_c_full_volume.toml"

DRIVER = """
import gc, sys
from sim.runner import simulate
from sim.scenario import load_scenario
scenario = load_scenario(sys.argv[1])
gc.disable()
for seed in range(int(sys.argv[2])):
    simulate(scenario, seed, 365)
"""


def instructions(scenario: str, years: int) -> int:
    # A fixed hash seed: string hashing (and so dict probing) otherwise varies by ~1% a run.
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", PYTHONHASHSEED="0")
    out = subprocess.run(
        [
            "valgrind",
            "--tool=cachegrind",
            "--cache-sim=no",
            "--cachegrind-out-file=/dev/null",
            sys.executable,
            "-c",
            DRIVER,
            scenario,
            str(years),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    found = re.search(r"I\s+refs:\s+([\d,]+)", out.stderr)
    if found is None:
        raise SystemExit(f"valgrind printed no instruction count:\n{out.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=str(DEFAULT))
    parser.add_argument("--years", type=int, default=2, help="extra years in the second run")
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 2
    one = instructions(args.scenario, 1)
    more = instructions(args.scenario, 1 + args.years)
    per_year = (more - one) / args.years
    print(f"{Path(args.scenario).name}: {per_year / 1e6:.1f} M instructions per simulated year")
    print(f"  (1 year: {one:,} in all; {1 + args.years} years: {more:,})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
