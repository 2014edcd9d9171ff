"""`curtain dashboard [SCENARIO] [--port N] [--compare SCENARIO|none] [--seed S]`."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.cli import seed, whole_number

DEFAULT_SCENARIO = "scenarios/site_a.toml"  # here, or else in Curtain's own folder
PROJECT_SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
DEFAULT_COMPARE = "site_c.toml"  # beside the scenario, if that folder has it
DEFAULT_PORT = 8765


#: argparse type for a TCP port.
port = whole_number(1, "a port number from 1 to 65535", maximum=65535)


def register(sub) -> None:
    dash = sub.add_parser(
        "dashboard",
        help="serve the teaching dashboard on 127.0.0.1 (works offline)",
        description="Serve the teaching dashboard: watch the public stage and the backstage "
        "of one culture (beside another on the same seed), and flip its levers mid-run.",
    )
    dash.add_argument(
        "scenario",
        nargs="?",
        help=f"scenario whose levers the controls change (default: {DEFAULT_SCENARIO}, "
        "from the current folder or else Curtain's own); "
        "the other runnable files in its folder become presets",
    )
    dash.add_argument(
        "--compare",
        metavar="SCENARIO|none",
        help="scenario shown beside it, on the same seed (default: site_c.toml from the "
        "same folder if there, unless the scenario is Site C itself; 'none' for no comparison)",
    )
    dash.add_argument("--seed", type=seed, default=1, help="random seed (default: 1)")
    dash.add_argument(
        "--port", type=port, default=DEFAULT_PORT, help=f"port (default: {DEFAULT_PORT})"
    )
    dash.set_defaults(handler=cmd_dashboard)


def default_scenario() -> Path:
    """Site A: ``scenarios/site_a.toml`` here if there is one, else the project's own."""
    here = Path(DEFAULT_SCENARIO)
    return here if here.exists() else PROJECT_SCENARIOS / here.name


def resolve_compare(scenario: Path, compare: str | None) -> Path | None:
    if compare is None:
        default = scenario.parent / DEFAULT_COMPARE
        same = default.exists() and default.resolve() == scenario.resolve()
        return default if default.exists() and not same else None
    if compare.lower() == "none":
        return None
    return Path(compare)


def cmd_dashboard(args: argparse.Namespace) -> int:
    import importlib.util

    from sim.dashboard.server import serve
    from sim.errors import CurtainError
    from sim.scenario import load_scenario

    if importlib.util.find_spec("solara") is None:
        raise CurtainError(
            "dashboard: Solara is not installed; install the dashboard extra: "
            "pip install -e '.[dashboard]'"
        )

    scenario = Path(args.scenario) if args.scenario else default_scenario()
    compare = resolve_compare(scenario, args.compare)
    load_scenario(scenario)  # bad files fail here, in one line, before a server starts
    if compare is not None:
        load_scenario(compare)
    if not port_free(args.port):
        raise CurtainError(
            f"--port {args.port}: already in use on 127.0.0.1; choose another, e.g. --port "
            f"{args.port + 1}"
        )
    return serve(scenario, compare, args.seed, args.port)


def port_free(number: int) -> bool:
    """Can a server listen on 127.0.0.1:``number``?"""
    import socket

    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does
        try:
            sock.bind(("127.0.0.1", number))
        except OSError:
            return False
    return True
