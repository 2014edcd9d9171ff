"""Screenshots of the teaching dashboard for the docs, at projector sizes.

    .venv/bin/python scripts/dashboard_screenshots.py [--days N] [--out docs/figures]

Starts `curtain dashboard`'s server (Site A beside Site C, seed 1) on a free loopback port,
opens it in Debian's Chromium through Playwright (never a downloaded browser), steps it
``--days`` days (365 a step; default: Site A's whole history, to the end of its fieldwork
year) and saves what the screen shows at 1280x720 and 1920x1080 as
``dashboard_1280x720.png`` and ``dashboard_1920x1080.png`` (and, with ``--full``, the whole
page, in a window 3600 px tall, as ``dashboard_<size>_full.png``). Stops the server's whole
process group at the end.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZES = ((1280, 720), (1920, 1080))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit("dashboard_screenshots: the server exited early")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"dashboard_screenshots: the server did not answer within {seconds:.0f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, help="days to step (default: Site A's days)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "figures")
    parser.add_argument("--full", action="store_true", help="also the whole page")
    args = parser.parse_args(argv)
    chromium = shutil.which("chromium")
    if chromium is None:
        sys.exit("dashboard_screenshots: needs Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    from sim.dashboard.server import CHROMIUM_ARGS, start, stop
    from sim.scenario import load_scenario

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    scenarios = ROOT / "scenarios"
    days = args.days or load_scenario(scenarios / "site_a.toml").days
    process = start(
        scenarios / "site_a.toml",
        scenarios / "site_c.toml",
        seed=1,
        port=port,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        wait_for(url, process)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=list(CHROMIUM_ARGS))
            for width, height in SIZES:
                page = browser.new_page(viewport={"width": width, "height": height})
                page.set_default_timeout(30_000)
                page.goto(url)
                page.locator(".step").wait_for()
                page.locator(".speed").get_by_role("button", name="365", exact=True).click()
                for i in range(-(-days // 365)):
                    page.locator(".step").click()
                    page.locator(f'[data-day="{min(days, 365 * (i + 1))}"]').wait_for()
                page.wait_for_timeout(800)  # let the last widgets arrive
                name = f"dashboard_{width}x{height}"
                page.screenshot(path=args.out / f"{name}.png")
                if args.full:  # the page scrolls inside Solara's app: a tall window instead
                    page.set_viewport_size({"width": width, "height": 3600})
                    page.wait_for_timeout(800)
                    page.screenshot(path=args.out / f"{name}_full.png")
                print(args.out / f"{name}.png")
                page.close()
            browser.close()
    finally:
        stop(process)
    return 0


if __name__ == "__main__":
    os.chdir(ROOT)
    raise SystemExit(main())
