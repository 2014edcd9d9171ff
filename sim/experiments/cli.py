"""Commands: ``curtain experiment``, ``compare``, ``sensitivity`` and ``discover``."""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from pathlib import Path

from sim.cli import limit_flag, positive_count, positive_days, seed
from sim.errors import CurtainError


def _execution_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workers",
        type=positive_count,
        default=os.cpu_count() or 1,
        help="worker processes (default: the CPU count; 1 runs serially)",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on Dask distributed: a scheduler address (tcp://host:port), or 'local' for "
        "a loopback LocalCluster of --workers processes",
    )
    parser.add_argument("--out", metavar="DIR", help="output directory (default: results/NAME)")
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue an interrupted experiment in DIR: runs already written are kept",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar, only the result")
    limit_flag(parser)
    parser.add_argument(
        "--figure-format",
        metavar="FORMATS",
        default="png,svg",
        help="figure files to write, comma-separated from png, svg, pdf (default: png,svg)",
    )


def register(sub) -> None:
    exp = sub.add_parser(
        "experiment",
        help="run an experiment file: replicated comparisons, sweeps; tidy results, report",
    )
    exp.add_argument("file", help="experiment TOML file, e.g. experiments/compare_cultures.toml")
    _execution_flags(exp)
    exp.set_defaults(handler=cmd_experiment)

    cmp = sub.add_parser("compare", help="compare scenarios over replicated runs (a shortcut)")
    cmp.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="scenario TOML files")
    cmp.add_argument("--reps", type=positive_count, default=20, help="replications (default 20)")
    cmp.add_argument("--days", type=positive_days, default=365, help="days (default 365)")
    cmp.add_argument("--seed", type=seed, default=1, help="base seed (default 1)")
    _execution_flags(cmp)
    cmp.set_defaults(handler=cmd_compare)

    sens = sub.add_parser(
        "sensitivity",
        help="global sensitivity (SALib Morris or Sobol) of an experiment file's outcomes",
    )
    sens.add_argument("file", help="experiment TOML file with a morris or sobol design")
    _execution_flags(sens)
    sens.set_defaults(handler=cmd_sensitivity)

    d = sub.add_parser(
        "discover",
        help="scenario discovery (PRIM): which lever ranges lead to an outcome you want",
        description="Run PRIM (EMA Workbench) over a finished sweep's runs: find the box of "
        "design inputs where the condition --where holds in most runs. Writes discovery/ in "
        "RESULTS_DIR and a section in its report.md.",
    )
    d.add_argument("results", metavar="RESULTS_DIR", help="a `curtain experiment` output folder")
    d.add_argument(
        "--where",
        required=True,
        metavar="EXPRESSION",
        help="the condition on each run over its outcomes and design fields, e.g. "
        '"changes_made / stories > 0.02 and response_rate > 0.8"',
    )
    d.add_argument("--out", metavar="DIR", help="output folder (default: RESULTS_DIR/discovery)")
    d.add_argument(
        "--density",
        type=_share,
        default=0.8,
        help="report the widest box with at least this density (default 0.8)",
    )
    d.add_argument("--boxes", type=positive_count, default=1, help="boxes to find (default 1)")
    d.add_argument(
        "--figure-format",
        metavar="FORMATS",
        default="png,svg",
        help="figure files, comma-separated from png, svg, pdf (default: png,svg)",
    )
    d.set_defaults(handler=cmd_discover)


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1], got {text!r}") from None
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1], got {value:g}")
    return value


def cmd_discover(args: argparse.Namespace) -> int:
    from sim.experiments.discover import discover
    from sim.experiments.figures import parse_formats

    formats = parse_formats(args.figure_format)
    path = discover(
        Path(args.results),
        args.where,
        Path(args.out) if args.out else None,
        density=args.density,
        boxes=args.boxes,
        formats=formats,
    )
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith(("- Box", "- PRIM")):
            print(line[2:])
    print(f"discovery: {path}")
    return 0


def cmd_experiment(args: argparse.Namespace, require: tuple[str, ...] = ()) -> int:
    from sim import limits

    with limits.raised(limits.parse(args.limit)):  # --limit holds for the whole command
        return _experiment(args, require)


def _experiment(args: argparse.Namespace, require: tuple[str, ...]) -> int:
    if not require and _is_national(args.file):
        return _national_experiment(args)
    from sim.experiments.engine import run_experiment
    from sim.experiments.figures import parse_formats
    from sim.experiments.report import write_report
    from sim.experiments.spec import load_experiment
    from sim.experiments.store import record_written, snapshot

    formats = parse_formats(args.figure_format)
    experiment = load_experiment(args.file)
    for warning in experiment.warnings:
        print(f"curtain: warning: {warning}", file=sys.stderr)
    if require and experiment.spec.design.kind not in require:
        raise CurtainError(
            f"{args.file}: design.kind: expected one of {', '.join(require)} for "
            f"`curtain sensitivity`, got {experiment.spec.design.kind!r}"
        )
    out = Path(args.out) if args.out else Path("results") / experiment.spec.name
    if not args.quiet:
        print(
            f"{experiment.spec.name}: {_run_count(experiment)}, "
            + (
                f"{experiment.spec.days} days each, "
                if experiment.spec.days
                else "each over its own length (a site: its whole history), "
            )
            + (
                f"Dask {args.scheduler}"
                if args.scheduler
                else f"{args.workers} worker{'s' if args.workers > 1 else ''}"
            ),
            flush=True,
        )
    result = run_experiment(
        experiment,
        out,
        workers=args.workers,
        scheduler=args.scheduler,
        resume=args.resume,
        progress=not args.quiet,
    )
    before = snapshot(out)
    try:
        report = write_report(result, formats)
    finally:  # the report's files are the experiment's: a fresh start may remove them
        record_written(out, before)
    counts = result.counts
    failed = f", {counts['failed']} failed" if counts["failed"] else ""
    print(
        f"{counts['succeeded']} runs succeeded{failed} ({result.ran} of them run in "
        f"{result.seconds:.1f} s, the rest earlier); results in {out}"
        if result.ran < counts["total"]
        else f"{counts['succeeded']} runs succeeded{failed} in {result.seconds:.1f} s; "
        f"results in {out}"
    )
    print(f"report: {report}")
    return 0


def _run_count(experiment) -> str:
    """ "300 runs (3 scenarios x 100 replications)", with design points when there are many."""
    from sim.experiments.design import points

    spec = experiment.spec
    scenarios = len(experiment.labels)
    n_points = len(points(experiment))
    parts = [f"{scenarios} scenario{'s' if scenarios != 1 else ''}"]
    if n_points > 1:
        parts.append(f"{n_points} {spec.design.kind} design points")
    parts.append(f"{spec.replications} replication{'s' if spec.replications != 1 else ''}")
    total = scenarios * n_points * spec.replications
    return f"{total:,} runs ({' x '.join(parts)})"


def cmd_compare(args: argparse.Namespace) -> int:
    """Write a temporary experiment file for the scenarios and run it."""
    import json

    from sim.scenario import load_scenario

    seen: set[Path] = set()
    for s in args.scenarios:
        if Path(s).resolve() in seen:
            raise CurtainError(f"compare: {s} given twice; expected different scenario files")
        seen.add(Path(s).resolve())
    names = [Path(s).stem for s in args.scenarios]
    labels = [load_scenario(s).name for s in args.scenarios]  # errors name the scenario file
    if len(set(labels)) < len(labels):  # two scenarios of one name: tell them by their files
        labels = [str(Path(s)) for s in args.scenarios]
    lines = [
        f"name = {json.dumps(re.sub(r'[^A-Za-z0-9_-]', '_', 'compare_' + '_'.join(names))[:100])}",
        f"days = {args.days}",
        f"replications = {args.reps}",
        f"base_seed = {args.seed}",
    ]
    for s, label in zip(args.scenarios, labels, strict=True):
        lines += [
            "[[scenarios]]",
            f"file = {json.dumps(str(Path(s).resolve()))}",
            f"label = {json.dumps(label)}",
        ]
    lines += ["[design]", 'kind = "compare"']
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "compare.toml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        args.file = str(path)
        return cmd_experiment(args)


def _is_national(path: str) -> bool:
    """A national policy experiment: arms of policies over a system file (docs/national.md)."""
    from sim.scenario import read_toml

    data = read_toml(Path(path))
    return "system" in data and "arms" in data


def _national_experiment(args: argparse.Namespace) -> int:
    """`curtain experiment` on a national policy file: arms against a baseline, paired."""
    from sim.national.compare import FILES, format_result, load_policy_experiment, run_and_write

    spec = load_policy_experiment(Path(args.file))
    out = Path(args.out) if args.out else Path("results") / spec.name
    if not args.quiet:
        engine = f"Dask {args.scheduler}" if args.scheduler else f"{args.workers} workers"
        print(f"{spec.name}: {len(spec.arms)} arms x {spec.replications} replications, {engine}")
    result = run_and_write(args.file, out, workers=args.workers, scheduler=args.scheduler)
    print(format_result(result))
    print(f"\nwrote {', '.join(FILES)} to {out}")
    return 0


def cmd_sensitivity(args: argparse.Namespace) -> int:
    return cmd_experiment(args, require=("morris", "sobol"))
