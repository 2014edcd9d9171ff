"""The dashboard in a real browser, offline: Debian's Chromium driven by Playwright.

The server starts on a free loopback port in its own process group (killed at teardown).
Every request the page makes is routed: anything not to the server is aborted and recorded,
and the tests fail if one was attempted, which proves the page needs no internet (no public
CDN). Console errors, failed requests, HTTP errors and "Could not load URL" in the server log
fail the run too. Screenshots go to a temporary directory and are copied to
/tmp/dashboard_shots/ for a person to look at.

Skipped, with the reason, only when Chromium is not installed (``./project.sh test``
installs Debian's ``chromium``; a test tool's own browser download is never used).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import SCENARIOS

CHROMIUM = shutil.which("chromium")
if CHROMIUM is None:
    pytest.skip(
        "Chromium is not installed (Debian: apt-get install chromium; ./project.sh test does "
        "it): the browser tests need it",
        allow_module_level=True,
    )
pytest.importorskip("solara", reason="the dashboard extra is not installed")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

from sim.dashboard.server import start  # noqa: E402

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = Path("/tmp/dashboard_shots")
TIMEOUT_MS = 20_000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_server(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the dashboard server exited early:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"the dashboard server did not answer within 60 s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = _free_port()
    log = tmp_path_factory.mktemp("dashboard") / "server.log"
    with log.open("w") as out:
        process = start(
            SCENARIOS / "site_a.toml",
            SCENARIOS / "site_c.toml",
            seed=1,
            port=port,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, killed whole at teardown
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_for_server(url, process, log)
        yield {"url": url, "port": port, "log": log}
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def guard(page, port: int, seen: dict[str, list[str]]) -> None:
    """Let ``page`` reach only the server; record anything else, and every error."""
    local = (f"http://127.0.0.1:{port}/", f"ws://127.0.0.1:{port}/")

    def route(route):
        url = route.request.url
        if url.startswith(local):
            route.continue_()
        else:
            seen["outside"].append(url)
            route.abort()

    page.route("**/*", route)
    page.on(
        "websocket",
        lambda ws: None if ws.url.startswith(local) else seen["outside"].append(ws.url),
    )
    page.on("console", lambda m: seen["console"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen["console"].append(str(e)))
    page.on(
        "requestfailed",
        lambda r: None if not r.url.startswith(local) else seen["failed"].append(r.url),
    )
    page.on(
        "response",
        lambda r: seen["http_errors"].append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )


def _seen() -> dict[str, list[str]]:
    return {"outside": [], "console": [], "failed": [], "http_errors": []}


@pytest.fixture(scope="module")
def browser_page(server, tmp_path_factory):
    shots = tmp_path_factory.mktemp("shots")
    seen = _seen()
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1200})
        page.set_default_timeout(TIMEOUT_MS)
        guard(page, server["port"], seen)
        page.goto(server["url"])
        page.locator(".step").wait_for()

        def shot(name: str) -> None:
            path = shots / f"{name}.png"
            page.screenshot(path=path, full_page=True)
            SHOTS.mkdir(exist_ok=True)
            shutil.copy(path, SHOTS / path.name)

        yield {
            "page": page,
            "seen": seen,
            "shot": shot,
            "log": server["log"],
            "server": server,
            "browser": browser,
        }
        browser.close()


def _day(page) -> int:
    return int(page.locator("[data-day]").get_attribute("data-day"))


def _wait_day(page, day: int) -> None:
    """Wait until the day, every stage, chart and backstage show ``day`` days simulated.

    Widgets update one message at a time, so the day label alone may run ahead of the rest.
    """
    page.locator(f'[data-day="{day}"]').wait_for()
    page.wait_for_function(
        """(day) => {
            const cards = [...document.querySelectorAll('.culture-main, .culture-compare')];
            return cards.length > 0 && cards.every(card =>
                card.querySelectorAll('svg[data-chart]').length > 0 &&
                [...card.querySelectorAll('svg[data-chart]')].every(
                    svg => svg.dataset.days === String(day)) &&
                card.querySelector(`.curtain-counts[data-days="${day}"]`) &&
                card.querySelector('.stage').textContent.includes(
                    day === 0 ? 'no stories yet' : `on day ${day - 1};`));
        }""",
        arg=day,
    )


def _select(page, container: str, option: str) -> None:
    """Pick ``option`` in the Vuetify dropdown inside ``container``."""
    page.locator(f"{container} .v-select__slot").click()
    page.locator(
        ".menuable__content__active .v-list-item", has_text=re.compile(f"^{option}$")
    ).click()


def _speed(page, days: int) -> None:
    page.locator(".speed").get_by_role("button", name=str(days), exact=True).click()


def test_page_shows_two_cultures_side_by_side(browser_page):
    page = browser_page["page"]
    assert _day(page) == 0
    assert page.locator(".culture-main.culture-site_a").count() == 1
    assert page.locator(".culture-compare.culture-site_c").count() == 1
    assert page.locator(".lever-scripting-policy").count() == 1
    assert page.locator(".lever-cast-size").count() == 1
    browser_page["shot"]("0-start")


def test_step_moves_the_stage_and_the_charts(browser_page):
    page = browser_page["page"]
    before = page.locator(".culture-compare .charts").inner_html()
    _speed(page, 7)
    page.locator(".step").click()
    _wait_day(page, 7)
    compare = page.locator(".culture-compare")
    assert compare.locator(".curtain-story").count() > 0
    assert compare.locator(".curtain-reply.conversational").count() > 0  # Site C answers
    assert compare.locator('svg[data-chart="response_rate"][data-days="7"]').count() == 1
    assert compare.locator(".charts").inner_html() != before
    assert int(compare.locator('[data-count="issues_backstage"] b').inner_text()) > 0
    browser_page["shot"]("1-stepped")


def test_play_runs_until_paused(browser_page):
    page = browser_page["page"]
    start = _day(page)
    page.locator(".play").click()
    page.wait_for_function(
        f"() => Number(document.querySelector('[data-day]').dataset.day) >= {start + 21}"
    )
    page.locator(".play").click()  # Pause
    page.locator(".step:not([disabled])").wait_for()
    paused = _day(page)
    page.wait_for_timeout(1500)
    assert _day(page) == paused > start


def test_a_lever_flipped_mid_run_changes_the_stage_and_the_charts(browser_page):
    page = browser_page["page"]
    # Site C beside itself, on the same seed: the only difference will be the lever.
    _select(page, ".preset-main", "site_c")
    page.locator(".culture-main.culture-site_c").wait_for()
    _wait_day(page, 0)
    page.locator(".step").click()
    _wait_day(page, 7)
    main, compare = page.locator(".culture-main"), page.locator(".culture-compare")
    assert main.locator(".stage").inner_html() == compare.locator(".stage").inner_html()
    _select(page, ".lever-scripting-policy", "generic_templates")
    page.locator(
        ".message", has_text="scripting.policy = 'generic_templates' from day 7"
    ).wait_for()
    page.locator(".step").click()
    _wait_day(page, 14)
    assert main.locator(".stage").inner_html() != compare.locator(".stage").inner_html()
    replies = [r.split(" · ")[:2] for r in main.locator(".curtain-reply").all_inner_texts()]
    since = [kind for day, kind in replies if int(day.removeprefix("day ")) >= 7]
    assert since and set(since) == {"generic"}  # templates from the day the lever flipped
    page.wait_for_function(
        "() => document.querySelector('.culture-main .interventions')"
        "?.textContent.includes('generic_templates')"
    )
    assert main.locator(".interventions").inner_text().count("generic_templates") == 1
    main_mix = main.locator('svg[data-chart="response_mix"]').inner_html()
    assert main_mix != compare.locator('svg[data-chart="response_mix"]').inner_html()
    browser_page["shot"]("2-lever-flipped")


def test_reset_starts_again_with_the_levers_as_shown(browser_page):
    page = browser_page["page"]
    page.locator(".reset").click()
    _wait_day(page, 0)
    assert "generic_templates" in page.locator(".lever-scripting-policy").inner_text()
    assert "scripting: generic_templates" in page.locator(".culture-main").inner_text()
    page.get_by_text("More levers").click()
    page.locator(".lever-escalation-reminder-after-days").wait_for()


def test_a_refused_value_is_explained_and_undone(browser_page):
    page = browser_page["page"]
    field = page.locator(".lever-cast-size input")
    size = field.input_value()
    field.fill("5000")
    field.press("Enter")
    page.locator(".message", has_text="not changed").wait_for()
    assert "max_size" in page.locator(".message").inner_text()
    page.wait_for_function(
        f"() => document.querySelector('.lever-cast-size input').value === '{size}'"
    )


def test_the_guard_catches_a_request_to_outside(browser_page):
    """The offline proof can fail: a fetch to a public CDN is caught and recorded."""
    page = browser_page["browser"].new_page()
    seen = _seen()
    guard(page, browser_page["server"]["port"], seen)
    page.goto(browser_page["server"]["url"])
    page.locator(".step").wait_for()
    page.evaluate("fetch('https://cdn.jsdelivr.net/npm/vue@2/dist/vue.js').catch(() => null)")
    page.wait_for_timeout(300)
    page.close()
    assert seen["outside"] == ["https://cdn.jsdelivr.net/npm/vue@2/dist/vue.js"]


def test_nothing_left_the_machine_and_nothing_failed(browser_page):
    seen = browser_page["seen"]
    assert seen["outside"] == [], "requests to outside the machine were attempted"
    assert seen["console"] == [], "browser console errors"
    assert seen["failed"] == [], "requests that failed"
    assert seen["http_errors"] == [], "HTTP errors"
    log = browser_page["log"].read_text()
    assert "Could not load URL" not in log, log
    assert "Traceback" not in log, log
