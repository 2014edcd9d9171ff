"""The dashboard in a real browser, offline: Debian's Chromium driven by Playwright.

The page is checked at the two sizes a classroom projects, 1280x720 and 1920x1080: no two
controls overlap, chart text is at least 14 px, the public stage starts on the first screen,
the day in the header is the day of the newest story, and every unanswered story says why it
is waiting. `curtain dashboard` stopped with SIGTERM or SIGINT leaves nothing listening.

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
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import SCENARIOS, site

CHROMIUM = shutil.which("chromium")
if CHROMIUM is None:
    pytest.skip(
        "Chromium is not installed (Debian: apt-get install chromium; ./project.sh test does "
        "it): the browser tests need it",
        allow_module_level=True,
    )
pytest.importorskip("solara", reason="the dashboard extra is not installed")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

from sim.dashboard.server import CHROMIUM_ARGS, start  # noqa: E402

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
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        page = browser.new_page(viewport={"width": 1280, "height": 720})
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
            "playwright": playwright,
            "shots": shots,
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
                    day === 0 ? 'no stories yet' : `today (day ${day - 1});`));
        }""",
        arg=day,
    )


def _select(page, container: str, option: str) -> None:
    """Pick ``option`` in the Vuetify dropdown inside ``container``."""
    page.locator(f"{container} .v-select__slot").click()
    page.locator(
        ".menuable__content__active .v-list-item", has_text=re.compile(f"^{re.escape(option)}$")
    ).click()


def _speed(page, days: int) -> None:
    page.locator(".speed").get_by_role("button", name=str(days), exact=True).click()


def _check_days_ago(page, card) -> int:
    """Every story on ``card`` says how long ago it was posted counting from the header's
    day; returns that day (the header once ran a day ahead of the newest story)."""
    today = int(page.locator("[data-today]").get_attribute("data-today"))
    assert f"today: day {today}" in page.locator(".day").inner_text()
    assert f"posted today (day {today})" in card.locator(".stage").inner_text()
    posted = card.locator(".curtain-story .posted").all_inner_texts()
    assert posted
    for text in posted:
        match = re.match(r"posted day (\d+) \((.+?)\)", text)
        assert match, text
        ago = today - int(match.group(1))
        assert match.group(2) == {0: "today", 1: "yesterday"}.get(ago, f"{ago} days ago"), text
    return today


#: Pairs of controls whose boxes (or their labels', inputs' and buttons' boxes) overlap, with
#: the page scrolled to the top (the top bar is sticky: it is meant to cover what scrolls by).
OVERLAPS = """() => {
    document.querySelectorAll('*').forEach(e => { if (e.scrollTop) e.scrollTop = 0; });
    const visible = e => e.getClientRects().length > 0
        && getComputedStyle(e).visibility !== 'hidden';
    const controls = [...document.querySelectorAll('.control')].filter(visible);
    const parts = controls.map(c => [c, ...c.querySelectorAll(
        '.control-label, .control-help, .v-input, .v-input__slot, .v-slider, .v-btn, label')]
        .filter(visible).map(e => e.getBoundingClientRect())
        .filter(r => r.width > 0 && r.height > 0));
    const found = [];
    for (let i = 0; i < controls.length; i++) {
        for (let j = i + 1; j < controls.length; j++) {
            if (controls[i].contains(controls[j]) || controls[j].contains(controls[i])) continue;
            for (const a of parts[i]) for (const b of parts[j]) {
                const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
                const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
                if (w > 1 && h > 1) {
                    found.push(controls[i].className + ' | ' + controls[j].className);
                }
            }
        }
    }
    return [...new Set(found)];
}"""

CHART_TEXT_PX = """() => [...document.querySelectorAll('svg[data-chart] text')].map(t =>
    parseFloat(getComputedStyle(t).fontSize) * t.ownerSVGElement.getScreenCTM().a)"""


def test_page_shows_two_cultures_side_by_side(browser_page):
    page = browser_page["page"]
    assert _day(page) == 0
    assert page.locator(".culture-main.culture-site_a").count() == 1
    assert page.locator(".culture-compare.culture-site_c").count() == 1
    assert page.locator(".lever-scripting-policy").count() == 1
    assert page.locator(".lever-cast-size").count() == 1
    # Human words from the registry and the schema, not code names.
    assert "No script: staff improvise" in page.locator(".lever-scripting-policy").inner_text()
    assert "Registered responders" in page.locator(".lever-cast-size").inner_text()
    assert page.locator(".preset-main").inner_text().strip().endswith("Site A")
    browser_page["shot"]("0-start")


def test_the_info_panel_shows_the_teaching_guide(browser_page):
    page = browser_page["page"]
    page.locator(".info-toggle").click()
    for heading in ("What the model is", "Things to notice", "Things to try"):
        page.locator(".info-panel h3", has_text=heading).wait_for()
    assert "What does the cast list change?" in page.locator(".info-panel").inner_text()
    page.locator(".info-toggle").click()
    page.locator(".info-panel").wait_for(state="detached")


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
    assert compare.locator('[data-count="issues_backstage"] b').inner_text().isdigit()
    browser_page["shot"]("1-stepped")


def test_the_header_day_is_the_newest_storys_day(browser_page):
    page = browser_page["page"]
    for card in (page.locator(".culture-main"), page.locator(".culture-compare")):
        assert _check_days_ago(page, card) == _day(page) - 1


def test_why_each_unanswered_story_is_waiting(browser_page):
    page = browser_page["page"]
    site_a = page.locator(".culture-main")
    unanswered = site_a.locator(".curtain-story").filter(has_not=page.locator(".curtain-reply"))
    assert unanswered.count() > 0
    for i in range(unanswered.count()):
        assert (
            unanswered.nth(i).locator(".curtain-waiting").inner_text().startswith("why waiting: ")
        )
    tally = site_a.locator(".curtain-tally")
    assert int(tally.get_attribute("data-waiting")) > 0
    assert "still waiting for a reply" in tally.inner_text()


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
    _select(page, ".preset-main", "Site C")
    page.locator(".culture-main.culture-site_c").wait_for()
    _wait_day(page, 0)
    page.locator(".step").click()
    _wait_day(page, 7)
    main, compare = page.locator(".culture-main"), page.locator(".culture-compare")
    assert main.locator(".stage").inner_html() == compare.locator(".stage").inner_html()
    _select(page, ".lever-scripting-policy", "Generic templates")
    page.locator(".message", has_text="Scripting set to Generic templates, from day 7").wait_for()
    page.locator(".step").click()
    _wait_day(page, 14)
    assert main.locator(".stage").inner_html() != compare.locator(".stage").inner_html()
    replies = main.locator(".curtain-reply")
    since = [
        replies.nth(i).get_attribute("class").split()[-1]
        for i in range(replies.count())
        if int(replies.nth(i).inner_text().split(" · ")[0].removeprefix("day ")) >= 7
    ]
    assert since and set(since) == {"generic"}  # templates from the day the lever flipped
    page.wait_for_function(
        "() => document.querySelector('.culture-main .interventions')"
        "?.textContent.includes('Scripting: Generic templates')"
    )
    assert main.locator(".interventions").inner_text().count("Generic templates") == 1
    main_mix = main.locator('svg[data-chart="response_mix"]').inner_html()
    assert main_mix != compare.locator('svg[data-chart="response_mix"]').inner_html()
    browser_page["shot"]("2-lever-flipped")


def test_the_other_cultures_levers_change_it(browser_page):
    page = browser_page["page"]
    page.locator(".lever-side").get_by_role("button", name="right: Site C").click()
    page.locator(".lever-scripting-policy", has_text="Stage directions").wait_for()
    _select(page, ".lever-leadership-policy", "Nobody's priority")
    page.locator(".message", has_text="Leadership set to Nobody's priority").wait_for()
    page.locator(".step").click()
    _wait_day(page, 21)
    page.locator(".culture-compare .policies", has_text="Nobody's priority").wait_for()
    assert "Nobody's priority" not in page.locator(".culture-main .policies").inner_text()
    page.locator(".lever-side").get_by_role("button", name="left: Site C").click()
    page.locator(".lever-scripting-policy", has_text="Generic templates").wait_for()


def test_reset_starts_again_with_the_levers_as_shown(browser_page):
    page = browser_page["page"]
    page.locator(".reset").click()
    _wait_day(page, 0)
    assert "Generic templates" in page.locator(".lever-scripting-policy").inner_text()
    assert "Scripting: Generic templates" in page.locator(".culture-main").inner_text()
    assert "Leadership: Nobody's priority" in page.locator(".culture-compare").inner_text()
    page.get_by_text("More levers").click()
    page.locator(".lever-escalation-reminder-after-days").wait_for()


def test_a_refused_value_is_explained_and_undone(browser_page):
    page = browser_page["page"]
    too_many = site("site_c").cast.max_size + 1  # the left culture is Site C
    field = page.locator(".lever-cast-size input")
    size = field.input_value()
    field.fill(str(too_many))
    field.press("Enter")
    refused = page.locator(".message .refused")
    refused.wait_for()
    assert refused.inner_text().startswith(
        f"Not changed: Registered responders at the start cannot be {too_many}, because "
        "‘accounts available’ must be at least"
    )
    page.wait_for_function(
        f"() => document.querySelector('.lever-cast-size input').value === '{size}'"
    )


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)], ids=["1280x720", "1920x1080"])
def test_legible_at_projector_sizes(browser_page, size):
    """Site A beside Site C through Site A's history and fieldwork year (past its own
    intervention), at a projector's size."""
    width, height = size
    page = browser_page["browser"].new_page(viewport={"width": width, "height": height})
    seen = _seen()
    guard(page, browser_page["server"]["port"], seen)
    try:
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(browser_page["server"]["url"])
        page.locator(".step").wait_for()
        _speed(page, 365)
        end = site("site_a").days  # past Site A's own intervention (fieldwork day 120)
        assert site("site_a").interventions[0].day < end
        for day in range(365, end + 1, 365):
            page.locator(".step").click()
            page.locator(f'[data-day="{day}"]').wait_for()
        _wait_day(page, end)
        assert page.get_by_text("This website runs on Solara").count() == 0
        # The spurious "already 1.0" after Site A's own intervention is gone.
        assert "already" not in page.locator(".message").inner_text()
        assert page.locator(".message").inner_text().strip() == ""
        # The stage starts on the first screen, its first story whole.
        first = page.locator(".culture-main .curtain-story").first.bounding_box()
        assert first["y"] + first["height"] <= height
        if width >= 1700:  # a wide screen shows the charts beside the stage
            chart = page.locator(".culture-main svg[data-chart]").first.bounding_box()
            assert chart["y"] + chart["height"] <= height
        assert _check_days_ago(page, page.locator(".culture-main")) == end - 1
        assert page.locator(".curtain-waiting").count() > 0
        sizes = page.evaluate(CHART_TEXT_PX)
        assert len(sizes) > 100 and min(sizes) >= 14, min(sizes)
        assert page.evaluate(OVERLAPS) == []
        page.get_by_text("More levers").click()
        page.locator(".lever-escalation-reminder-after-days").wait_for()
        page.wait_for_timeout(400)  # the panel's opening animation
        assert page.evaluate(OVERLAPS) == []
        browser_page["shot"](f"3-{width}x{height}")
    finally:
        page.close()
    assert seen == _seen()


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


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_sigterm_stops_the_whole_server(tmp_path):
    """`kill` (SIGTERM) of `curtain dashboard` stops its `solara run` child too, so nothing
    listens on the port (SIGINT, Ctrl-C: tests/test_dashboard.py, with a stand-in server)."""
    port = _free_port()
    curtain = Path(sys.executable).with_name("curtain")
    log = tmp_path / "dashboard.log"
    with log.open("w") as out:
        parent = subprocess.Popen(
            [str(curtain), "dashboard", "--compare", "none", "--port", str(port)],
            cwd=SCENARIOS.parent,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # so a failure here can still clean up the whole group
        )
    try:
        _wait_for_server(f"http://127.0.0.1:{port}/", parent, log)
        children = _children(parent.pid)
        assert children, "curtain dashboard runs the server as a child process"
        parent.send_signal(signal.SIGTERM)  # the parent only, as `kill PID` does
        assert parent.wait(timeout=20) == 0, log.read_text()
        deadline = time.monotonic() + 5
        while _listening(port) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _listening(port), "something still listens on the port"
        assert not any(Path(f"/proc/{pid}").exists() for pid in children), "a child survived"
    finally:
        for group in {parent.pid, *_children(parent.pid)}:
            try:
                os.killpg(group, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        parent.wait(timeout=10)
