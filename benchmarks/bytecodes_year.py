"""Count the Python bytecodes one simulated year executes, function by function.

    python benchmarks/bytecodes_year.py [--scenario FILE] [--days 365] [--seed 1] [--top 25]

Where ``instructions_year.py`` counts CPU instructions (valgrind, a minute or two), this
counts the interpreter's bytecodes with ``sys.monitoring`` (about 20 s, no
other tool): exact and repeatable for a given seed, and attributed to the functions that
execute them, so it shows which rule a change made cheaper or dearer. CPU instructions per
bytecode depend on the interpreter's build (about 65 on this machine's pyenv 3.12, built
without profile-guided optimisation); bytecodes per story depend only on the code.
The run being counted is about 100 times slower than a plain one: time it with
``bench_year.py``.
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT = HERE / "site_c_full_volume.toml"
TOOL = 5  # a sys.monitoring tool id free for this script (0-5 are for tools)


def count(scenario, seed: int, days: int) -> tuple[collections.Counter, object]:
    """Bytecodes executed by ``simulate(scenario, seed, days)``, per code object."""
    from sim.runner import simulate

    counts: collections.Counter = collections.Counter()
    monitoring = sys.monitoring
    monitoring.use_tool_id(TOOL, "curtain-bytecodes")
    try:

        def on_instruction(code, offset):
            counts[code] += 1

        monitoring.register_callback(TOOL, monitoring.events.INSTRUCTION, on_instruction)
        monitoring.set_events(TOOL, monitoring.events.INSTRUCTION)
        try:
            model = simulate(scenario, seed, days)
        finally:
            monitoring.set_events(TOOL, 0)
    finally:
        monitoring.free_tool_id(TOOL)
    return counts, model


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=str(DEFAULT))
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--top", type=int, default=25, help="functions to list")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    from sim.runner import simulate
    from sim.scenario import load_scenario

    scenario = load_scenario(args.scenario)
    simulate(scenario, args.seed + 1, 30)  # warm: first calls specialise the bytecode
    counts, model = count(scenario, args.seed, args.days)
    total = sum(counts.values())
    stories = len(model.lifecycle.stories)
    top = [
        {
            "function": code.co_qualname,
            "where": f"{Path(code.co_filename).name}:{code.co_firstlineno}",
            "bytecodes": n,
        }
        for code, n in counts.most_common(args.top)
    ]
    report = {
        "scenario": scenario.name,
        "days": args.days,
        "seed": args.seed,
        "stories": stories,
        "bytecodes": total,
        "bytecodes_per_story": round(total / stories) if stories else None,
        "top": top,
    }
    if args.json:
        print(json.dumps(report))
        return 0
    print(f"{scenario.name}: {args.days} days, seed {args.seed}, {stories:,} stories")
    print(f"  bytecodes executed   {total:,} ({report['bytecodes_per_story']:,} per story)")
    for row in top:
        share = 100 * row["bytecodes"] / total
        print(f"  {share:5.1f}%  {row['bytecodes']:>10,}  {row['function']}  ({row['where']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
