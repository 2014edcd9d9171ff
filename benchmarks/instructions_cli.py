"""Count the CPU instructions of `curtain --help` and of a one-year `curtain run` (cachegrind).

    python benchmarks/instructions_cli.py [--scenario FILE] [--days 365] [--imports]

The noise-free companion of ``bench_cli.py``: wall times on a shared machine swing two- or
three-fold with the other work on it, instruction counts repeat to within a fraction of a
percent, so they show what a change to start-up did. Each command runs once, as a whole
process (interpreter start, imports, the work, exit), under ``valgrind --tool=cachegrind``;
the run also runs with ``-X importtime`` and without valgrind, to list the slowest imports.
``--imports`` also counts the run's imports group by group (numpy, pandas, ...), which shows
where start-up goes without a timer's noise. Needs valgrind (``apt-get install valgrind``);
takes about a minute, three with ``--imports``.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT = ROOT / "scenarios" / "site_c.toml"


def instructions(command: list[str]) -> int:
    # A fixed hash seed and one OpenBLAS thread, as in instructions_year.py.
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", PYTHONHASHSEED="0")
    valgrind = ["valgrind", "--tool=cachegrind", "--cache-sim=no"]
    valgrind += ["--cachegrind-out-file=/dev/null", "--trace-children=no"]
    out = subprocess.run(
        [*valgrind, *command],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=True,
    )
    found = re.search(r"I\s+refs:\s+([\d,]+)", out.stderr)
    if found is None:
        raise SystemExit(f"valgrind printed no instruction count:\n{out.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def slowest_imports(command: list[str], top: int) -> list[tuple[int, str]]:
    """The ``top`` top-level imports by cumulative microseconds (one run, ``-X importtime``)."""
    out = subprocess.run(
        [command[0], "-X", "importtime", *command[1:]],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    found = []
    for line in out.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \| ( *)(\S+)", line)
        if match and len(match.group(2)) <= 2:  # a top-level import or one level down
            found.append((int(match.group(1)), match.group(2) + match.group(3)))
    return sorted(found, reverse=True)[:top]


#: ``--imports``: a run's imports added one group at a time (each line includes those above).
IMPORT_STEPS = (
    ("numpy", "import numpy"),
    ("+ pandas (with pyarrow)", "import pandas"),
    ("+ pydantic", "import pydantic"),
    ("+ sim.scenario (its schema)", "import sim.scenario"),
    ("+ mesa.agent, mesa.model (core)", "import mesa.agent, mesa.model"),
    ("+ sim.model", "import sim.model"),
    ("+ sim.runner, pyarrow.parquet", "import sim.runner, pyarrow.parquet"),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=str(DEFAULT))
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--top", type=int, default=12, help="slowest imports to list")
    parser.add_argument(
        "--imports", action="store_true", help="also count a run's imports group by group"
    )
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 2
    python = [sys.executable, "-m", "sim"]
    out = Path(tempfile.mkdtemp(prefix="instructions-cli-"))
    try:
        run = [*python, "run", args.scenario, "--days", str(args.days), "--overwrite"]
        run += ["--out", str(out / "r")]
        counts = {
            "python -c pass": instructions([sys.executable, "-c", "pass"]),
            "curtain --help": instructions([*python, "--help"]),
            "a run's imports only": instructions(
                [sys.executable, "-c", "import sim.runner, sim.scenario, pyarrow.parquet"]
            ),
            f"curtain run ... --days {args.days}": instructions(run),
        }
        imports = slowest_imports(run, args.top)
        steps = {}
        if args.imports:
            code = "import sim"
            for label, line in IMPORT_STEPS:
                code += f"; {line}"
                steps[label] = instructions([sys.executable, "-c", code])
    finally:
        shutil.rmtree(out, ignore_errors=True)
    print("instructions of the whole process (valgrind cachegrind, one run each)")
    for label, count in counts.items():
        print(f"  {label:<32} {count / 1e6:10,.0f} M")
    if steps:
        print("a run's imports, cumulative (each line includes the ones above)")
        for label, count in steps.items():
            print(f"  {label:<32} {count / 1e6:10,.0f} M")
    print(f"slowest imports of the run (-X importtime, cumulative ms, one run, {args.top} shown)")
    for micros, name in imports:
        print(f"  {micros / 1e3:8.1f}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
