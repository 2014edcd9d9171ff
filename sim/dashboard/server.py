"""Serving the dashboard: `solara run` on 127.0.0.1, offline, in its own process.

The page's JavaScript and CSS come from the pinned ``solara-assets`` package (served under
``/_solara/cdn``), never from a public CDN; telemetry and Solara's version check (both calls
to the internet) are off.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

#: Environment variables the page reads its settings from (see views.py).
ENV_SCENARIO = "CURTAIN_DASHBOARD_SCENARIO"
ENV_COMPARE = "CURTAIN_DASHBOARD_COMPARE"
ENV_SEED = "CURTAIN_DASHBOARD_SEED"
NO_COMPARISON = "none"

APP = Path(__file__).with_name("app.py")
HOST = "127.0.0.1"


def command(port: int) -> list[str]:
    """The `solara run` command line for ``port`` on the loopback interface."""
    return [
        sys.executable,
        "-m",
        "solara",
        "run",
        str(APP),
        "--host",
        HOST,
        "--port",
        str(port),
        "--production",
        "--no-open",
        "--no-check-version",
    ]


def environment(scenario: Path, compare: Path | None, seed: int) -> dict[str, str]:
    """The server's environment: our settings, and Solara kept off the internet."""
    env = dict(os.environ)
    env[ENV_SCENARIO] = str(scenario.resolve())
    env[ENV_COMPARE] = str(compare.resolve()) if compare else NO_COMPARISON
    env[ENV_SEED] = str(seed)
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    return env


def start(scenario: Path, compare: Path | None, seed: int, port: int, **popen) -> subprocess.Popen:
    """Start the server in the background (the caller owns the process)."""
    return subprocess.Popen(command(port), env=environment(scenario, compare, seed), **popen)


def serve(scenario: Path, compare: Path | None, seed: int, port: int) -> int:
    """Run the server in the foreground until interrupted; return its exit status."""
    print(f"Curtain dashboard on http://{HOST}:{port}/ (Ctrl-C to stop)", flush=True)
    process = start(scenario, compare, seed, port)
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        process.wait(timeout=10)
        return 0
