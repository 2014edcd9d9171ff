"""Whole-process wall time of `curtain --help` and of a one-year `curtain run`.

    python benchmarks/bench_cli.py [--repeats 7] [--scenario FILE] [--days 365] [--json]

The run is of ``benchmarks/site_c_full_volume.toml`` unless ``--scenario`` says otherwise
(e.g. ``--scenario scenarios/site_c.toml``). Each command is started as a fresh process
(``subprocess``), as a user starts it, so the figures include the interpreter's start, every
import and the process's exit. One untimed start of each comes first (it fills the operating
system's file cache), then
``--repeats`` timed starts; the minimum and the median are reported, the minimum being the
best estimate of the cost on a quiet machine. A fixed pure-Python workload (the one
``bench_year.py`` uses) is timed before each start to show how fast the machine ran.

Then the same run is timed in stages inside one child process (``--no-stages`` skips this):
interpreter start, imports, loading the scenario, simulating, building the tables, writing
the files and exiting, so a change in the wall time can be traced to its stage. The child
freezes the heap after its imports as `curtain run` does; ``--no-freeze`` leaves that out,
to show what it saves (mostly at exit). The child exits as a Python program normally does:
`curtain run` itself ends at once after writing (``sim.cli.console``), so its "exit" stage
is nearly nothing.
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
#: The issue's figure: a year of Site C at the evidence's full volume (about 6,500 stories).
DEFAULT = HERE / "site_c_full_volume.toml"

sys.path.insert(0, str(HERE))
from bench_year import reference_work  # noqa: E402

#: Run inside the child for --stages: prints time.time() at each stage's end as JSON.
STAGES = """
import json, sys, time
marks = {"started": time.time()}
from sim.runner import freeze_imports, run, write
from sim.scenario import load_scenario
if sys.argv[4] == "freeze":  # as `curtain run` does
    freeze_imports()
marks["imports"] = time.time()
scenario = load_scenario(sys.argv[1])
marks["load"] = time.time()
from sim.runner import simulate, tables
model = simulate(scenario, 1, int(sys.argv[2]))
marks["simulate"] = time.time()
result = tables(model)
marks["tables"] = time.time()
write(result, sys.argv[3], source=sys.argv[1], overwrite=True)
marks["write"] = time.time()
print(json.dumps(marks))
"""


def curtain() -> list[str]:
    """The installed `curtain` script beside this interpreter, else ``python -m sim``."""
    script = Path(sys.executable).parent / "curtain"
    return [str(script)] if script.exists() else [sys.executable, "-m", "sim"]


def wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - start


def timed(command: list[str], repeats: int) -> dict[str, float]:
    wall(command)  # untimed: fills the file cache
    times, reference = [], []
    for _ in range(repeats):
        reference.append(reference_work())
        times.append(wall(command))
    return {
        "min_s": round(min(times), 3),
        "median_s": round(statistics.median(times), 3),
        "max_s": round(max(times), 3),
        "reference_ms_median": round(statistics.median(reference) * 1e3, 1),
    }


def stages(
    scenario: str, days: int, out: Path, repeats: int, freeze: bool = True
) -> dict[str, dict[str, float]]:
    order = ("start", "imports", "load", "simulate", "tables", "write", "exit")
    found: dict[str, list[float]] = {name: [] for name in (*order, "total")}
    mode = "freeze" if freeze else "no-freeze"
    for _ in range(repeats):
        spawned = time.time()
        child = subprocess.run(
            [sys.executable, "-c", STAGES, scenario, str(days), str(out), mode],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        ended = time.time()
        marks = json.loads(child.stdout)
        points = [spawned, marks["started"], marks["imports"], marks["load"]]
        points += [marks["simulate"], marks["tables"], marks["write"], ended]
        for name, (a, b) in zip(order, itertools.pairwise(points), strict=True):
            found[name].append(b - a)
        found["total"].append(ended - spawned)
    return {
        name: {"min_ms": round(min(v) * 1e3), "median_ms": round(statistics.median(v) * 1e3)}
        for name, v in found.items()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--scenario", default=str(DEFAULT))
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--no-stages", dest="stages", action="store_false")
    parser.add_argument(
        "--no-freeze",
        dest="freeze",
        action="store_false",
        help="time the stages without gc.freeze after the imports (to see what it saves)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)

    out = Path(tempfile.mkdtemp(prefix="bench-cli-"))
    try:
        run = [*curtain(), "run", args.scenario, "--days", str(args.days), "--overwrite"]
        run += ["--out", str(out / "run")]
        report = {
            "repeats": args.repeats,
            "help": timed([*curtain(), "--help"], args.repeats),
            "run": timed(run, args.repeats),
            "run_command": " ".join(["curtain", *run[len(curtain()) :]]),
            "python": sys.version.split()[0],
        }
        if args.stages:
            report["stages"] = stages(
                args.scenario, args.days, out / "s", args.repeats, args.freeze
            )
    finally:
        shutil.rmtree(out, ignore_errors=True)

    if args.json:
        print(json.dumps(report))
        return 0
    print(f"whole-process wall time, {args.repeats} starts after one untimed (min / median / max)")
    for key, label in (("help", "curtain --help"), ("run", f"curtain run ... --days {args.days}")):
        r = report[key]
        print(
            f"  {label:<32} {r['min_s']:.3f} / {r['median_s']:.3f} / {r['max_s']:.3f} s"
            f"   (reference workload {r['reference_ms_median']} ms; ~20 ms at full speed)"
        )
    if args.stages:
        frozen = "gc.freeze after imports" if args.freeze else "no gc.freeze"
        print(f"stages of the run in one process ({frozen}), ms (min / median of {args.repeats})")
        for name, s in report["stages"].items():
            print(f"  {name:<10} {s['min_ms']:>6} / {s['median_ms']:>6}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
