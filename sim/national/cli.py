"""`curtain run` on a system file: the national runner behind the usual command."""

from __future__ import annotations

import argparse
import os
from pathlib import Path


def add_run_options(run: argparse.ArgumentParser) -> None:
    """Options of `curtain run` that only a system file reads."""
    from sim.cli import positive_count

    run.add_argument(
        "--workers",
        type=positive_count,
        help="system files only: processes running organisations (default: the CPUs, up to 2)",
    )
    run.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="system files only: run organisations on Dask: 'local' (a loopback cluster) or "
        "a scheduler's tcp://host:port",
    )


def maybe_run_system(args: argparse.Namespace) -> int | None:
    """Run ``args.scenario`` nationally if it is a system file; None if it is a scenario."""
    from sim.national.system import is_system_file

    if not is_system_file(args.scenario):
        return None
    from sim import limits
    from sim.cli import overrides
    from sim.national.runner import check_out_national, run_system, write_national
    from sim.national.system import load_system
    from sim.runner import preflight

    # the default folder is the tool's own: a previous run there is replaced
    overwrite = getattr(args, "overwrite", False) or args.out is None
    out = Path(args.out or Path("results") / f"{Path(args.scenario).stem}-seed{args.seed}")
    with limits.raised(limits.parse(getattr(args, "limit", None))):
        system = load_system(
            args.scenario, seed=args.seed, days=args.days, overrides=overrides(args.set)
        )
        for org in system.organisations:  # every organisation within the input limits
            preflight(org.scenario, system.days, source=f"{args.scenario} ({org.id})")
    check_out_national(out, overwrite)  # before the work, not after
    workers = getattr(args, "workers", None) or min(2, os.cpu_count() or 1)
    result = run_system(
        system,
        workers=workers,
        scheduler=getattr(args, "scheduler", None),
        scratch=out.parent / f".{out.name}.dask-scratch",
    )
    path = write_national(result, out, source=str(args.scenario), overwrite=overwrite)
    print(format_national(result.summary))
    print(f"\nwrote {len(result.organisations)} organisations' runs to {path}")
    return 0


def format_national(summary: dict) -> str:
    from sim.story import RESPONSE_TYPES

    lines = [
        f"{summary['scenario']}: {summary['organisations']} organisations, "
        f"{summary['days']} days, seed {summary['seed']}",
        f"  stories posted                    {summary['stories']:,}",
    ]
    for name in RESPONSE_TYPES:
        share = summary.get(f"share_{name}")
        label = "unanswered" if name == "none" else f"best reply {name}"
        lines.append(f"  share {label:<28}{share:.1%}" if share is not None else f"  {label}: -")
    per = summary.get("changes_per_story")
    lines.append(f"  changes made per story            {per:.4f}" if per is not None else "")
    lines.append("  organisations by class:")
    for name, row in summary["classes"].items():
        lines.append(f"    {name:<16}{row['count']:>5}  ({row['share']:.1%})")
    return "\n".join(line for line in lines if line)
