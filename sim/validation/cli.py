"""Commands: `curtain validate`, `curtain calibrate`, `curtain odd`."""

from __future__ import annotations

import argparse
import math

from sim.cli import positive_count, positive_days, seed, whole_number


def fraction(text: str) -> float:
    """--spread: a number strictly between 0 and 1."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"expected a fraction between 0 and 1, got {text!r}")
    return value


#: --reps: a confidence interval needs at least two runs.
runs = whole_number(2, "a whole number >= 2 (a confidence interval needs two runs)")


def register(sub) -> None:
    v = sub.add_parser(
        "validate",
        help="run the three sites over many seeds and check every evidence pattern",
        description="Check every pattern in the pattern file over --reps seeded runs per site; "
        "exit 1 when a pattern fails. Each row shows its kind: structural (true by "
        "construction), calibrated (values were set to reach it) or independent. "
        "--discrimination and --robustness check what the passes can tell instead "
        "(docs/validation.md).",
    )
    v.add_argument(
        "--reps",
        type=runs,
        help="runs per site (default 100: Site A's cast of two varies so much between runs "
        "that fewer can move its mean across a band edge); "
        "per cell with --discrimination (default 20), per site and perturbation with "
        "--robustness (default 5)",
    )
    check = v.add_mutually_exclusive_group()
    check.add_argument(
        "--discrimination",
        action="store_true",
        help="judge each site's patterns on its scenario given every other site's levers "
        "and interventions; report the matrix of failures (exit 1 when some site passes "
        "everything with another site's levers)",
    )
    check.add_argument(
        "--robustness",
        action="store_true",
        help="perturb every value labelled assumption by +/- --spread (the same at every "
        "site) --samples times and report the share under which the orderings hold",
    )
    v.add_argument(
        "--samples",
        type=positive_count,
        help="perturbations with --robustness (default 50)",
    )
    v.add_argument(
        "--spread",
        type=fraction,
        default=0.2,
        help="relative size of a --robustness perturbation (default 0.2: +/-20%%)",
    )
    v.add_argument("--seed", type=seed, default=0, help="base seed (default 0)")
    v.add_argument("--days", type=positive_days, help="days per run (default: the scenario's)")
    v.add_argument(
        "--json",
        action="store_true",
        help="print the results as JSON: a list of rows, or one object with "
        "--discrimination or --robustness",
    )
    v.add_argument("--workers", type=positive_count, default=1, help="processes (default 1)")
    v.add_argument(
        "--patterns",
        help="pattern file (default: validation/patterns.toml)",
    )
    v.add_argument(
        "--site",
        action="append",
        metavar="SITE=FILE",
        help="validate another scenario as a site, e.g. --site A=scenarios/calibrated/site_a.toml",
    )
    v.set_defaults(handler=_validate)

    c = sub.add_parser(
        "calibrate",
        help="fit assumption parameters to a site's patterns (Latin hypercube + filtering)",
        description="Pattern-oriented filtering of a Latin hypercube over the ranges in a "
        "calibration file; reports accepted sets and identification, writes a calibrated "
        "scenario. Exit 1 when no point is accepted.",
    )
    c.add_argument("file", help="calibration file, e.g. calibration/site_a.toml")
    c.add_argument("--samples", type=positive_count, help="hypercube points (default: the file's)")
    c.add_argument("--reps", type=positive_count, help="runs per point (default: the file's)")
    c.add_argument("--output", help="calibrated scenario to write (default: the file's)")
    c.add_argument("--workers", type=positive_count, default=1, help="processes (default 1)")
    c.add_argument("--json", action="store_true", help="print accepted sets as JSON")
    c.set_defaults(handler=_calibrate)

    o = sub.add_parser(
        "odd",
        help="check (or regenerate) the generated tables of docs/ODD.md",
        description="Exit 1 when docs/ODD.md's parameter or pattern tables differ from the "
        "scenario schema, the site files and the pattern file.",
    )
    group = o.add_mutually_exclusive_group()
    group.add_argument("--check", action="store_true", help="check only (the default)")
    group.add_argument("--write", action="store_true", help="regenerate the tables in place")
    o.set_defaults(handler=_odd)


def _validate(args: argparse.Namespace) -> int:
    from sim.validation.patterns import DEFAULT_PATTERNS
    from sim.validation.validate import run_validation

    # The default is filled in here, not in the parser, so `curtain --help` needs no numpy.
    args.patterns = args.patterns or str(DEFAULT_PATTERNS)
    return run_validation(args)


def _odd(args: argparse.Namespace) -> int:
    from sim.validation.odd import run_odd

    return run_odd(args)


def _calibrate(args: argparse.Namespace) -> int:
    from sim.validation.calibrate import run_calibration

    return run_calibration(args)
