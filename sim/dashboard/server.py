"""Serving the dashboard: `solara run` on 127.0.0.1, offline, in its own process.

The page's JavaScript and CSS come from the pinned ``solara-assets`` package (served under
``/_solara/cdn``), never from a public CDN; telemetry and Solara's version check (both calls
to the internet) are off, and so is Solara's "This website runs on Solara" banner (it sat
over the page's text).

``solara run`` runs in its own process group; when `curtain dashboard` is asked to stop
(Ctrl-C, SIGINT, or SIGTERM from ``kill``) it stops that whole group, so nothing is left
listening on the port.
"""

from __future__ import annotations

import os
import signal
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
#: Options for a headless Chromium opening the dashboard offline (the browser tests and
#: scripts/dashboard_screenshots.py): no sandbox (root in a container), no GPU, and none of
#: Chromium's own calls home (QUIC, background networking, component updates, sync).
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


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
    env["SOLARA_THEME_SHOW_BANNER"] = "False"
    return env


def start(scenario: Path, compare: Path | None, seed: int, port: int, **popen) -> subprocess.Popen:
    """Start the server in the background (the caller owns the process)."""
    return subprocess.Popen(command(port), env=environment(scenario, compare, seed), **popen)


def stop(process: subprocess.Popen, timeout: float = 10.0) -> None:
    """Stop ``process`` and its whole process group (SIGTERM, then SIGKILL after ``timeout``)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=timeout)
            return
        except subprocess.TimeoutExpired:
            continue


def serve(scenario: Path, compare: Path | None, seed: int, port: int) -> int:
    """Run the server in the foreground until it exits or we are told to stop.

    SIGINT (Ctrl-C) and SIGTERM stop the server's whole process group and return 0.
    """

    class Stop(Exception):
        pass

    def on_signal(signum, frame):
        raise Stop

    print(f"Curtain dashboard on http://{HOST}:{port}/ (Ctrl-C to stop)", flush=True)
    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    process = None
    try:
        process = start(scenario, compare, seed, port, start_new_session=True)
        return process.wait()
    except (Stop, KeyboardInterrupt):
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if process is not None:
            stop(process)
