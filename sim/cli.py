"""The `curtain` command line.

User mistakes (a bad file, field or flag) print one line naming the file or flag, the field
and what was expected, and exit with status 2. Nothing is written when the input is bad.
Operating failures (disk full, read-only folder, permission denied, out of memory, an output
folder locked by another run) print one line too and exit with status 1. Exit status 0 means
every file was written.

Commands come from feature modules: each module listed in ``COMMAND_MODULES`` has a
``register(subparsers)`` function that adds its subcommands and sets ``handler`` (a function
taking the parsed arguments and returning an exit status) with ``set_defaults``. Modules are
imported only when the parser is built, and a handler imports its heavy dependencies itself,
so `curtain --help` stays fast.
"""

from __future__ import annotations

import argparse
import os
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sim.errors import CurtainError


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (``curtain: error: ...``), exit status 2, and a
    "did you mean ...?" for a misspelt subcommand or choice."""

    def error(self, message: str) -> None:  # type: ignore[override]
        import re

        from sim.suggest import did_you_mean

        hint = ""
        bad = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
        if bad:
            hint = did_you_mean(bad.group(1), re.findall(r"'([^']*)'", bad.group(2)))
        raise CurtainError(f"{self.prog}: {message}{hint} (see --help)")


#: One example per subcommand, shown at the end of its ``--help`` (commands registered by
#: other modules get theirs here too, so every subcommand has one).
EXAMPLES = {
    "run": "curtain run scenarios/site_c.toml --days 90 --seed 7 --set cast.size=10",
    "story": "curtain run scenarios/site_c.toml --out results/c1 && curtain story 12 --run "
    "results/c1",
    "policies": "curtain policies",
    "schema": "curtain schema --levers",
    "experiment": "curtain experiment experiments/compare_cultures.toml --workers 2",
    "compare": "curtain compare scenarios/site_a.toml scenarios/site_c.toml --reps 10",
    "sensitivity": "curtain sensitivity experiments/sensitivity_site_c_morris.toml",
    "discover": "curtain discover results/policy_discovery --where "
    '"changes_made / stories > 0.02 and response_rate > 0.8"',
    "validate": "curtain validate --reps 20 --workers 2",
    "calibrate": "curtain calibrate calibration/site_a.toml --samples 64",
    "odd": "curtain odd --check",
    "dashboard": "curtain dashboard --port 8765",
}


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("curtain")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "unknown"


class _VersionAction(argparse.Action):
    """``--version``, looked up only when asked: importlib.metadata would otherwise be imported
    and the package's metadata read at every start (about a third of `curtain --help`)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest=dest, default=argparse.SUPPRESS, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"curtain {_version()}")
        parser.exit()


def whole_number(
    minimum: int, expected: str | None = None, maximum: int | None = None
) -> Callable[[str], int]:
    """An argparse type for a whole number from ``minimum`` (to ``maximum``, if given);
    ``expected`` words the error."""
    expected = expected or f"a whole number >= {minimum}"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        if value < minimum or (maximum is not None and value > maximum):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {value}")
        return value

    return parse


#: argparse types shared by the commands.
positive_days = whole_number(1, "a positive whole number of days")
seed = whole_number(0)
positive_count = whole_number(1)


def parse_assignment(text: str) -> tuple[str, Any]:
    """``key=value`` with the value read as TOML (bare words are text)."""
    if "=" not in text:
        raise CurtainError(f"--set {text}: expected KEY=VALUE, e.g. cast.size=10")
    key, raw = (part.strip() for part in text.split("=", 1))
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    return key, value


def overrides(assignments: list[str] | None) -> dict[str, Any]:
    """``--set KEY=VALUE`` flags as a dict of dotted overrides."""
    return dict(parse_assignment(a) for a in assignments or [])


#: Modules whose ``register(subparsers)`` adds commands, in the order --help lists them.
COMMAND_MODULES = ("sim.cli", "sim.experiments.cli", "sim.validation.cli", "sim.dashboard.cli")


def build_parser() -> argparse.ArgumentParser:
    import importlib

    parser = _Parser(
        prog="curtain",
        description="Simulate how healthcare organisations respond to online patient feedback.",
        epilog="examples:\n  curtain run scenarios/site_c.toml\n"
        "  curtain experiment experiments/compare_cultures.toml\n"
        "  curtain COMMAND --help   (each command's own example)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=_VersionAction, help="print the version")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    for name, command in sub.choices.items():
        example = EXAMPLES.get(name)
        if example and not command.epilog:
            command.epilog = f"example:\n  {example}"
            command.formatter_class = argparse.RawDescriptionHelpFormatter
    return parser


def register(sub) -> None:
    """The core commands: run, story, policies, schema."""
    run = sub.add_parser("run", help="one seeded run of a scenario; writes tidy files")
    run.add_argument("scenario", help="scenario TOML file, e.g. scenarios/site_c.toml")
    run.add_argument("--days", type=positive_days, help="days to simulate (default: scenario)")
    run.add_argument("--seed", type=seed, default=1, help="random seed (default: 1)")
    run.add_argument(
        "--out",
        help="output directory (default: results/<scenario>-seed<S>, replaced by each run); "
        "an existing --out is refused unless --overwrite",
    )
    run.add_argument(
        "--overwrite",
        action="store_true",
        help="replace a previous run in --out (as a whole; a folder holding other files is "
        "never touched)",
    )
    limit_flag(run)
    run.add_argument(
        "--set",
        action="append",
        metavar="KEY=VALUE",
        help="override a scenario field, e.g. --set scripting.policy=generic_templates",
    )
    from sim.national.cli import add_run_options

    add_run_options(run)  # --workers, --scheduler: system files (sim/national)
    run.set_defaults(handler=cmd_run)

    story = sub.add_parser(
        "story",
        help="tell one story's journey in plain words",
        description="Tell one story's journey through a finished run: who was alerted, who "
        "replied and how, whether it went backstage and what changed.",
    )
    story.add_argument(
        "story_id",
        type=int,
        metavar="ID",
        help="the story's id: the `story` column of stories.parquet in the run directory",
    )
    story.add_argument("--run", required=True, metavar="DIR", help="a `curtain run` directory")
    story.set_defaults(handler=cmd_story)

    policies = sub.add_parser("policies", help="list the policies each culture lever can take")
    policies.set_defaults(handler=cmd_policies)

    schema = sub.add_parser("schema", help="list every scenario field with its bounds")
    schema.add_argument("--levers", action="store_true", help="only the culture levers")
    schema.set_defaults(handler=cmd_schema)


def limit_flag(parser: argparse.ArgumentParser) -> None:
    """``--limit NAME=VALUE``: raise one of the input limits of :mod:`sim.limits`."""
    parser.add_argument(
        "--limit",
        action="append",
        metavar="NAME=VALUE",
        help="raise an input limit for this command, e.g. --limit days=100000 (see the README)",
    )


def cmd_run(args: argparse.Namespace) -> int:
    from sim import limits
    from sim.national.cli import maybe_run_system
    from sim.runner import (
        check_out,
        collector_paused,
        freeze_imports,
        outside_the_run,
        preflight,
        simulate,
        start_git_commit,
        tables,
        write,
    )
    from sim.scenario import load_scenario

    freeze_imports()
    if (status := maybe_run_system(args)) is not None:  # a system file: sim/national
        return status
    # the default folder is the tool's own: a previous run there is replaced
    overwrite = args.overwrite or args.out is None
    out = args.out or Path("results") / f"{Path(args.scenario).stem}-seed{args.seed}"
    with limits.raised(limits.parse(args.limit)):
        scenario = load_scenario(args.scenario, overrides(args.set))
        preflight(scenario, args.days, source=str(args.scenario))
        for warning in outside_the_run(scenario, args.days, source=str(args.scenario)):
            print(f"curtain: warning: {warning}", file=sys.stderr)
        check_out(out, overwrite)  # before the work, not after
        start_git_commit()  # for the manifest: git runs beside the simulation
        model = simulate(scenario, seed=args.seed, days=args.days)
    # The model is kept, and the collector paused, until the process ends: freeing the run's
    # objects one by one, or a collection walking them all, costs about 20 ms a simulated
    # full-volume year, and `console` ends the process without either.
    global _kept
    _kept = model
    with collector_paused():
        result = tables(model)
        path = write(result, out, source=str(args.scenario), overwrite=overwrite)
    print(format_summary(result.summary))
    print(f"\nwrote {', '.join(p for p in sorted(_files(path)))} to {path}")
    global _nothing_to_tidy
    _nothing_to_tidy = True  # a single run: no workers, temporary folders or open files
    return 0


#: Set by a command that leaves nothing for the interpreter's exit to tidy (no worker
#: processes, temporary folders or open files), so :func:`console` may end the process at
#: once.
_nothing_to_tidy = False
#: The last run's model, kept for :func:`console` to end the process with (replaced by the
#: next run when `main` is called again in one process).
_kept = None


def _files(path: Path) -> list[str]:
    from sim.runner import OUTPUT_FILES

    return [f for f in OUTPUT_FILES if (path / f).exists()]


SUMMARY_ROWS = (
    ("stories", "stories posted", "{:,}"),
    ("response_rate", "response rate (any reply)", "{:.1%}"),
    ("share_generic", "  answered generically", "{:.1%}"),
    ("share_personalised", "  answered with a personalised reply", "{:.1%}"),
    ("share_conversational", "  answered conversationally", "{:.1%}"),
    ("responses_per_story", "responses per answered story", "{:.2f}"),
    ("median_days_to_first_response", "median days to first reply", "{:.2f}"),
    ("active_responders", "active responders", "{:,}"),
    ("cast_size", "cast list at the end", "{:,}"),
    ("redirects_offered", "offline redirects offered", "{:,}"),
    ("redirects_accepted", "  accepted", "{:,}"),
    ("issues_backstage", "issues taken backstage", "{:,}"),
    ("changes_planned", "changes planned (not yet made)", "{:,}"),
    ("changes_made", "changes made", "{:,}"),
    ("negative_share", "share of negative stories", "{:.1%}"),
    ("care_quality_end", "care quality at the end", "{:.3f}"),
    ("reputation_end", "reputation: readers left favourable", "{:.1%}"),
    ("staff_hours", "staff hours on the inboxes", "{:,.0f}"),
    ("mean_confidence_end", "mean responder confidence", "{:.2f}"),
    ("patients_involved", "authors who got involved", "{:,}"),
)


def format_summary(summary: dict[str, Any]) -> str:
    title = f"{summary['scenario']}: {summary['days']} days, seed {summary['seed']}"
    lines = [title, "-" * len(title)]
    width = max(len(label) for _, label, _ in SUMMARY_ROWS)
    for key, label, fmt in SUMMARY_ROWS:
        value = summary.get(key)
        shown = "n/a" if value is None else fmt.format(value)
        lines.append(f"{label:<{width}}  {shown:>10}")
    return "\n".join(lines)


def cmd_story(args: argparse.Namespace) -> int:
    from sim.narrate import narrate

    print(narrate(args.story_id, args.run))
    return 0


def cmd_policies(args: argparse.Namespace) -> int:
    from sim.policies.registry import REGISTRIES

    for lever, registry in REGISTRIES.items():
        print(f"{lever}:")
        for name in registry.names():
            print(f"  {name:<20} {registry.describe(name)}")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from sim.scenario import schema_fields

    for row in schema_fields():
        if args.levers and not row["lever"]:
            continue
        if row["choices"]:
            bounds = " | ".join(map(str, row["choices"]))
        elif row["min"] is not None or row["max"] is not None:
            lo = "" if row["min"] is None else f"{row['min']:g}"
            hi = "" if row["max"] is None else f"{row['max']:g}"
            bounds = f"[{lo}, {hi}]"
        else:
            bounds = row["kind"]
        print(f"{row['path']:<42} {bounds:<40} {row['description']}")
    return 0


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return args.handler(args)
    except CurtainError as err:
        print(f"curtain: error: {_one_line(str(err))}", file=sys.stderr)
        return err.exit_code
    except MemoryError:
        print(
            "curtain: error: out of memory; try fewer days, stories or staff (see the "
            "limits in the README)",
            file=sys.stderr,
        )
        return 1
    except OSError as err:  # disk full, read-only, permission denied: an operating failure
        where = f" {err.filename}" if err.filename else ""
        print(f"curtain: error:{where}: {err.strerror or err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("curtain: interrupted", file=sys.stderr)
        return 130


def console() -> None:
    """The `curtain` executable: :func:`main`, then the end of the process.

    After a single run (``_nothing_to_tidy``), every file is written, synced and closed, so
    the process ends at once (``os._exit`` after flushing the output) rather than through
    the interpreter's teardown, which frees the run's objects one by one (the run's model is
    kept until then, see ``_kept``): 209 ms for ten simulated years of the full-volume
    Site C benchmark, measured in process, where the operating system reclaims the memory
    whole at once. Every other command exits normally
    (its worker pools and temporary folders are tidied by exit handlers).
    """
    status = main()
    if _nothing_to_tidy:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):  # a closed pipe: exit normally, as Python would
            sys.exit(status)
        os._exit(status)
    sys.exit(status)


def _one_line(text: str) -> str:
    """An error message on one line, however it was built."""
    return " ".join(text.split())


if __name__ == "__main__":
    console()
