"""The dashboard's Solara-free parts: the classroom, the controls, the charts, the command."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pandas as pd
import pytest

from sim.cli import main
from sim.dashboard import charts
from sim.dashboard.charts import culture_charts, line_chart, shared_scales
from sim.dashboard.classroom import NOT_LOOKED_AT, Classroom, fixed_reason, presets_beside
from sim.dashboard.cli import resolve_compare
from sim.dashboard.controls import change_words, lever_controls, refusal
from sim.dashboard.info import SECTIONS, info_html, info_markdown
from sim.dashboard.stage import (
    WAITING_WORDS,
    backstage_records,
    hostility_words,
    stage_records,
    waiting_records,
    waiting_words,
)
from sim.errors import ScenarioError
from sim.lifecycle import PASS_REASONS
from sim.metrics import daily_table
from sim.policies.registry import REGISTRIES, Registry
from sim.runner import simulate
from sim.scenario import LEVERS, Intervention, load_scenario, schema_fields
from sim.story import RESPONSE_TYPES
from tests.conftest import SCENARIOS, site

PRESETS = presets_beside(SCENARIOS / "site_a.toml")


def test_presets_are_the_runnable_site_files():
    assert set(PRESETS) == {"site_a", "site_b", "site_c"}  # base.toml chooses no policies


# ----------------------------------------------------------------------------- controls


def test_every_lever_policy_is_a_dropdown_of_its_registry():
    specs = {s.path: s for s in lever_controls()}
    for lever in LEVERS:
        spec = specs[f"{lever}.policy"]
        assert spec.widget == "select"
        assert spec.choices == REGISTRIES[lever].names()
        assert spec.primary


def test_controls_follow_the_schema_bounds():
    rows = {r["path"]: r for r in schema_fields()}
    specs = lever_controls()
    assert not any(s.path.startswith("cast.roles.") for s in specs)
    for spec in specs:
        row = rows[spec.path]
        assert row["lever"]
        assert (spec.min, spec.max) == (row["min"], row["max"])
        if spec.widget == "slider":
            assert spec.min is not None and spec.max is not None
        if row["kind"] == "int":
            assert spec.widget == "int" and spec.parse("7") == 7
    assert {"cast.size", "leadership.priority"} <= {s.path for s in specs if s.primary}


def test_every_control_reads_the_value_in_force():
    room = Classroom(PRESETS, "site_c", None, seed=1)
    scenario = site("site_c")
    for spec in lever_controls():
        lever, *rest = spec.path.split(".")
        expected = getattr(scenario, lever)
        for part in rest:
            expected = getattr(expected, part)
        assert room.value(spec.path) == expected


# ----------------------------------------------------------------------------- classroom


def test_two_cultures_step_together_on_one_seed():
    room = Classroom(PRESETS, "site_a", "site_c", seed=3)
    assert room.step(10) == 10
    assert room.main.day == room.compare.day == room.day == 10
    for culture, name in ((room.main, "site_a"), (room.compare, "site_c")):
        alone = simulate(site(name), seed=3, days=10)
        pd.testing.assert_frame_equal(culture.daily(), daily_table(alone))


def test_a_lever_flipped_mid_run_is_an_intervention_on_that_day():
    room = Classroom(PRESETS, "site_b", None, seed=2)
    room.step(20)
    said = room.set_lever("scripting.policy", "stage_directions")
    assert "from day 20" in said
    room.step(20)
    scheduled = site("site_b").model_copy(
        update={
            "interventions": [
                Intervention(day=20, set={"scripting.policy": "stage_directions"}, note="x")
            ]
        }
    )
    expected = daily_table(simulate(scheduled, seed=2, days=40))
    pd.testing.assert_frame_equal(room.main.daily(), expected)
    assert room.main.interventions[-1][0] == 20
    assert room.value("scripting.policy") == "stage_directions"


def test_a_field_fixed_for_a_run_waits_for_reset():
    room = Classroom(PRESETS, "site_b", None, seed=1)
    room.step(5)
    assert fixed_reason("organisation.services")
    said = room.set_lever("care.quality_initial", 0.95)
    assert "applies on Reset" in said
    assert room.main.in_force.care.quality_initial == site("site_b").care.quality_initial
    room.reset()
    assert room.day == 0
    assert room.main.in_force.care.quality_initial == 0.95


def test_a_refused_value_changes_nothing():
    room = Classroom(PRESETS, "site_c", None, seed=1)
    room.step(3)
    before = room.main.in_force
    with pytest.raises(ScenarioError, match=r"leadership\.priority"):
        room.set_lever("leadership.priority", 1.5)
    with pytest.raises(ScenarioError, match="max_size"):
        room.set_lever("cast.size", before.cast.max_size + 1)
    assert room.main.in_force is before
    assert room.main.interventions == []


def test_reset_keeps_live_changes_and_replays_the_same_seed():
    room = Classroom(PRESETS, "site_a", "site_c", seed=4)
    room.set_lever("scripting.policy", "generic_templates")
    room.step(15)
    first = room.main.daily().copy()
    room.reset()
    assert room.day == 0 and room.main.in_force.scripting.policy == "generic_templates"
    room.step(15)
    pd.testing.assert_frame_equal(room.main.daily(), first)


def test_choosing_presets_starts_again():
    room = Classroom(PRESETS, "site_a", "site_c", seed=1)
    room.step(5)
    room.choose("site_b", None)
    assert room.day == 0 and room.compare is None and room.main.in_force.name == "Site B"
    with pytest.raises(Exception, match="unknown preset"):
        room.choose("site_z", None)


def test_the_run_stops_at_its_length():
    room = Classroom(PRESETS, "site_b", None, seed=1)
    room.main.scenario = room.main.scenario.model_copy(update={"days": 4})
    assert room.step(10) == 4 and room.finished and room.step() == 0


# ----------------------------------------------------------------------------- stage


def test_the_stage_shows_who_answered_and_how():
    room = Classroom(PRESETS, "site_b", "site_c", seed=1)
    room.step(90)  # Site C's first months: a cast of three, a story a day; some reach backstage
    b, c = stage_records(room.main), stage_records(room.compare)
    assert b and c
    assert [r["id"] for r in b] == sorted((r["id"] for r in b), reverse=True)
    b_replies = [reply for r in b for reply in r["replies"]]
    c_replies = [reply for r in c for reply in r["replies"]]
    # Site B: two templates from anonymous communications staff, negatives sent to PALS.
    assert b_replies and all(r["kind"] == "generic" for r in b_replies)
    assert all("anonymous" in r["text"] and "communications" in r["text"] for r in b_replies)
    negatives = [r for r in b if r["sentiment"] == "negative" and r["replies"]]
    assert negatives and all("redirected offline" in r["replies"][0]["text"] for r in negatives)
    # Site C: named staff, conversational.
    assert any(r["kind"] == "conversational" and "named" in r["text"] for r in c_replies)
    backstage = backstage_records(room.compare)
    assert backstage["counts"]["issues_backstage"] > 0 and backstage["events"]
    last = room.compare.daily().iloc[-1]
    assert backstage["counts"]["changes_made"] == last["changes_made"]


# ----------------------------------------------------------------------------- charts


def _svg(text: str) -> ET.Element:
    return ET.fromstring(text)  # well-formed XML, or this raises


def test_line_chart_breaks_at_missing_values_and_labels_the_last_value():
    svg = _svg(
        line_chart(
            "x", "X & Y", [("rate", [math.nan, 0.2, 0.4, math.nan, 0.5], ("#000", ""))], 0, 1, True
        )
    )
    lines = svg.findall("{http://www.w3.org/2000/svg}polyline")
    assert [len(line.get("points").split()) for line in lines] == [2, 1]
    assert svg.get("data-chart") == "x" and svg.get("data-days") == "5"
    assert "rate: 50%" in lines[-1].find("{http://www.w3.org/2000/svg}title").text


def test_culture_charts_draw_the_four_views():
    daily = simulate(site("site_c"), seed=1, days=20)
    frame = daily_table(daily)
    charts = culture_charts(frame, shared_scales([frame]))
    assert set(charts) == {"response_rate", "response_mix", "changes", "reputation"}
    for name, text in charts.items():
        svg = _svg(text)
        assert svg.get("data-chart") == name and svg.get("data-days") == "20"
    assert "cdn" not in "".join(charts.values()).lower()


def test_shared_scales():
    frame = pd.DataFrame(
        {"issues_backstage": [0, 130], "changes_planned_total": [0, 40], "reputation": [0.1, -0.33]}
    )
    assert shared_scales([frame]) == {"changes": (0.0, 200.0)}


# ----------------------------------------------------------------------------- command


def test_dashboard_command_refuses_bad_input(tmp_path, capsys):
    assert main(["dashboard", str(tmp_path / "nope.toml")]) == 2
    assert "nope.toml: file not found" in capsys.readouterr().err
    assert main(["dashboard", "--port", "70000"]) == 2
    assert "65535" in capsys.readouterr().err


def test_default_comparison_is_site_c_beside_another_site():
    assert resolve_compare(SCENARIOS / "site_a.toml", None) == SCENARIOS / "site_c.toml"
    assert resolve_compare(SCENARIOS / "site_c.toml", None) is None
    assert resolve_compare(SCENARIOS / "site_a.toml", "none") is None


def test_levers_set_then_reset_match_curtain_run_with_set():
    """What docs/teaching.md relies on: the dashboard after Reset is `curtain run --set`."""
    changes = {
        "scripting.policy": "stage_directions",
        "cast.policy": "distributed",
        "cast.max_size": 60,
        "cast.size": 60,
    }
    room = Classroom(PRESETS, "site_b", "site_b", seed=1)
    room.step(2)
    for path, value in changes.items():
        room.set_lever(path, value)
    room.reset()
    room.step(30)
    expected = simulate(load_scenario(SCENARIOS / "site_b.toml", changes), seed=1, days=30)
    pd.testing.assert_frame_equal(room.main.daily(), daily_table(expected))
    pd.testing.assert_frame_equal(
        room.compare.daily(), daily_table(simulate(site("site_b"), 1, 30))
    )


def test_changes_within_a_day_make_one_intervention():
    """Dragging a slider sends many values; the next day starts with the last one only."""
    room = Classroom(PRESETS, "site_c", None, seed=1)
    room.step(3)
    for value in (0.6, 0.5, 0.4):
        room.set_lever("leadership.priority", value)
    assert room.value("leadership.priority") == 0.4
    assert room.main.in_force.leadership.priority == 0.7  # not before the next day starts
    room.step()
    assert room.main.in_force.leadership.priority == 0.4
    assert room.main.interventions == [(3, "dashboard (leadership.priority = 0.4)")]
    room.set_lever("leadership.priority", 0.9)
    room.set_lever("leadership.priority", 0.4)  # back to the value in force: nothing to do
    room.step()
    assert len(room.main.interventions) == 1


def test_dashboard_command_refuses_a_port_in_use(capsys):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        number = busy.getsockname()[1]
        assert main(["dashboard", "--port", str(number), "--compare", "none"]) == 2
    assert f"--port {number}: already in use" in capsys.readouterr().err


def test_the_server_listens_on_loopback_only_and_stays_offline():
    from sim.dashboard.server import command, environment

    line = command(8765)
    assert line[line.index("--host") + 1] == "127.0.0.1"
    assert {"--production", "--no-open", "--no-check-version"} <= set(line)
    env = environment(SCENARIOS / "site_a.toml", None, 3)
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"
    assert env["CURTAIN_DASHBOARD_COMPARE"] == "none" and env["CURTAIN_DASHBOARD_SEED"] == "3"


def test_the_default_scenario_is_found_outside_the_project(tmp_path, monkeypatch):
    from sim.dashboard.cli import default_scenario, resolve_compare

    monkeypatch.chdir(tmp_path)
    found = default_scenario()
    assert found.is_absolute() and found.name == "site_a.toml" and found.exists()
    assert resolve_compare(found, None) == found.parent / "site_c.toml"


# ----------------------------------------------------------------------------- issue 13


def test_policy_labels_and_descriptions_come_from_the_registry():
    specs = {s.path: s for s in lever_controls()}
    for lever in LEVERS:
        spec, registry = specs[f"{lever}.policy"], REGISTRIES[lever]
        for name in registry.names():
            assert spec.choice_label(name) == registry.label(name)
            assert spec.choice_value(registry.label(name)) == name
            assert spec.help(name) == registry.describe(name).replace("``", "")
        labels = [registry.label(n) for n in registry.names()]
        assert len(set(labels)) == len(labels)  # a dropdown can tell them apart
    assert specs["scripting.policy"].choice_label("generic_templates") == "Generic templates"


def test_registry_label_falls_back_to_the_name_made_readable():
    registry = Registry("example")

    @registry.register("quiet_ward")
    class Quiet:
        """Nobody answers."""

    @registry.register("loud_ward")
    class Loud(Quiet):
        """Everybody answers."""

        label = "Everyone answers at once"

    assert registry.label("quiet_ward") == "Quiet ward"
    assert registry.label("loud_ward") == "Everyone answers at once"


def test_field_labels_are_the_schema_descriptions():
    rows = {r["path"]: r for r in schema_fields()}
    for spec in lever_controls():
        if not spec.path.endswith(".policy"):
            head = rows[spec.path]["description"].split("(")[0].strip().rstrip(".")
            assert spec.label.startswith(head), spec.path
            assert "_" not in spec.label.replace("redirect_offline", ""), spec.label


def test_a_refused_value_is_explained_in_a_sentence():
    room = Classroom(PRESETS, "site_a", None, seed=1)
    with pytest.raises(ScenarioError) as err:
        room.set_lever("cast.size", 50)
    said = refusal("cast.size", 50, str(err.value))
    assert said.startswith("Not changed: Registered responders at the start cannot be 50")
    assert "‘accounts available’ must be at least" in said and "is 2" in said
    assert "max_size" not in said and ">=" not in said
    with pytest.raises(ScenarioError) as err:
        room.set_lever("leadership.priority", 1.5)
    said = refusal("leadership.priority", 1.5, str(err.value))
    assert said == (
        "Not changed: How strongly leaders expect feedback work must be a probability "
        "between 0 and 1, not 1.5."
    )


def test_the_echo_of_a_scenario_intervention_says_nothing():
    """Site A's own intervention (fieldwork day 120) sets central hours; the control, redrawn
    with the new value, sends it back: that is no change and no message ("already 1.0" was
    the bug)."""
    (own,) = site("site_a").interventions
    room = Classroom(PRESETS, "site_a", None, seed=1)
    room.step(own.day + 1)
    value = own.set["staff_time.central_hours_per_week"]
    assert room.value("staff_time.central_hours_per_week") == value
    assert room.set_lever("staff_time.central_hours_per_week", value) is None
    assert room.main.staged == {} and room.main.pending == {}
    room.step()
    assert [day for day, _ in room.main.interventions] == [own.day]


def test_either_cultures_levers_can_change():
    room = Classroom(PRESETS, "site_c", "site_c", seed=2)
    room.step(10)
    said = room.set_lever("scripting.policy", "generic_templates", side=1)
    assert "from day 10" in said
    assert room.value("scripting.policy", side=1) == "generic_templates"
    assert room.value("scripting.policy", side=0) == "stage_directions"
    room.step(10)
    assert room.main.interventions == []
    assert room.compare.interventions[-1][0] == 10
    assert room.compare.in_force.scripting.policy == "generic_templates"
    # A field fixed for a run waits for Reset on that side only.
    room.set_lever("care.quality_initial", 0.95, side=1)
    room.reset()
    assert room.compare.in_force.care.quality_initial == 0.95
    assert room.main.in_force.care.quality_initial == site("site_c").care.quality_initial
    assert room.compare.in_force.scripting.policy == "generic_templates"


def test_why_each_unanswered_story_is_waiting():
    room = Classroom(PRESETS, "site_a", None, seed=1)
    room.step(60)
    stories = room.main.model.lifecycle.stories
    tally = waiting_records(room.main)
    assert [row["reason"] for row in tally] == [NOT_LOOKED_AT, *PASS_REASONS]
    assert sum(row["count"] for row in tally) == sum(s.n_responses == 0 for s in stories)
    by_reason = {row["reason"]: row["count"] for row in tally}
    assert by_reason[NOT_LOOKED_AT] == sum(
        s.n_responses == 0 and s.pass_reason < 0 for s in stories
    )
    assert sum(by_reason[r] for r in PASS_REASONS) > 0  # Site A passes stories over
    records = stage_records(room.main)
    assert records and all(r["waiting"] for r in records if not r["replies"])
    assert all(r["waiting"] is None for r in records if r["replies"])
    for record in records:
        story = stories[record["id"]]
        if not story.n_responses:
            reason = NOT_LOOKED_AT if story.pass_reason < 0 else PASS_REASONS[story.pass_reason]
            assert record["waiting"] == waiting_words(reason)


def test_reasons_the_model_adds_are_shown_in_its_own_words(monkeypatch):
    """The reasons are read from PASS_REASONS at run time, not by index."""
    import sim.dashboard.classroom as classroom

    added = "waiting in the queue behind older stories"
    assert added not in WAITING_WORDS and waiting_words(added) == added
    assert all(waiting_words(reason) for reason in PASS_REASONS)
    monkeypatch.setattr(classroom, "PASS_REASONS", (*PASS_REASONS, added))
    room = Classroom(PRESETS, "site_a", None, seed=1)
    room.step(5)
    assert [row["words"] for row in waiting_records(room.main)][-1] == added


def test_hostility_is_said_in_words():
    words = [hostility_words(h) for h in (0.0, 0.3, 0.6, 0.9, 1.0)]
    assert words == ["mildly critical", "upset", "angry", "hostile", "hostile"]
    room = Classroom(PRESETS, "site_c", None, seed=1)
    room.step(20)
    tones = [r["tone"] for r in stage_records(room.main)]
    assert tones and not any(ch.isdigit() for tone in tones for ch in tone)


def test_the_newest_story_is_posted_today_as_the_header_says():
    """Today is the last day simulated; a story posted on it says "(today)", and every story
    on the stage says how long ago it was posted counting from that day (the header once ran
    a day ahead of the stories)."""
    room = Classroom(PRESETS, "site_a", None, seed=1)
    assert room.today is None
    room.step(400)
    assert room.today == 399 == room.day - 1
    records = stage_records(room.main)
    assert len(records) > 3
    for record in records:
        day = int(record["posted"].split()[2])
        ago = room.today - day
        words = {0: "(today)", 1: "(yesterday)"}.get(ago, f"({ago} days ago)")
        assert record["posted"].startswith(f"posted day {day} {words}")
    newest = max(card.day for card in room.main.stage())
    assert newest == max(s.day for s in room.main.model.lifecycle.stories)


def test_charts_text_is_legible_when_drawn_at_their_narrowest():
    frame = daily_table(simulate(site("site_c"), seed=1, days=200))
    drawn = culture_charts(frame, shared_scales([frame]), days=365)
    scale = charts.MIN_WIDTH / charts.WIDTH
    for text in drawn.values():
        svg = _svg(text)
        assert svg.get("width") is None  # drawn at the width the page gives it
        size = float(svg.get("style").split("font-size:")[1].split("px")[0])
        assert size * scale >= 14
        for node in svg.iter("{http://www.w3.org/2000/svg}text"):
            assert float(node.get("font-size", size)) * scale >= 14
            assert "e+" not in (node.text or "")
    # A year gets a tick a month, labelled 0 to 12.
    svg = _svg(drawn["response_rate"])
    labels = [n.text for n in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert [str(m) for m in range(13)] == [x for x in labels if x.isdigit()]
    assert "months from the start" in labels
    # A ten-year history gets a tick a year, and each line at most MAX_POINTS points.
    long = line_chart("x", "X", [("a", [0.5] * 3650, ("#000", ""))], 0, 1, True, n_days=3650)
    svg = _svg(long)
    labels = [n.text for n in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert [str(y) for y in range(11)] == [x for x in labels if x.isdigit()]
    assert "years from the start" in labels
    (line,) = svg.findall("{http://www.w3.org/2000/svg}polyline")
    assert len(line.get("points").split()) <= charts.MAX_POINTS


def test_every_line_has_its_own_colour_and_style_with_a_legend():
    styles = [charts.response_style(kind) for kind in RESPONSE_TYPES]
    assert len(set(styles)) == len(RESPONSE_TYPES)
    assert len({colour for colour, _ in styles}) == len(RESPONSE_TYPES)
    frame = daily_table(simulate(site("site_b"), seed=1, days=40))
    for text in culture_charts(frame, shared_scales([frame])).values():
        svg = _svg(text)
        lines = svg.findall("{http://www.w3.org/2000/svg}polyline")
        legend = svg.findall("{http://www.w3.org/2000/svg}line[@class='legend']")
        looks = {(ln.get("stroke"), ln.get("stroke-dasharray")) for ln in legend}
        assert len(looks) == len(legend) == len({ln.get("data-series") for ln in lines})
    mix = _svg(culture_charts(frame, shared_scales([frame]))["response_mix"])
    series = {ln.get("data-series") for ln in mix.findall("{http://www.w3.org/2000/svg}polyline")}
    assert {"generic", "personalised", "conversational", "no reply"} <= series


def test_a_response_type_the_model_adds_gets_a_spare_style(monkeypatch):
    monkeypatch.setattr(charts, "RESPONSE_TYPES", (*RESPONSE_TYPES, "apology"))
    spare = charts.response_style("apology")
    assert spare in charts.SPARE_STYLES
    assert spare not in charts.RESPONSE_STYLES.values()


def test_the_info_panel_reads_the_teaching_guide():
    found = dict(info_markdown())
    assert list(found) == list(SECTIONS)
    assert "What does the cast list change?" in found["Things to try"]
    html = info_html()
    assert "<h3>Things to notice</h3>" in html and "<table>" in html


def test_the_server_hides_solaras_banner():
    from sim.dashboard.server import environment

    assert environment(SCENARIOS / "site_a.toml", None, 1)["SOLARA_THEME_SHOW_BANNER"] == "False"


def test_interventions_are_listed_in_the_controls_words():
    (own,) = site("site_a").interventions
    room = Classroom(PRESETS, "site_a", None, seed=1)
    room.set_lever("scripting.policy", "generic_templates")
    room.set_lever("leadership.priority", 0.4)
    room.step(own.day + 1)
    notes = [change_words(note) for _, note in room.main.interventions]
    assert notes == [
        "changed on this page (Scripting: Generic templates, "
        "How strongly leaders expect feedback work: 0.4)",
        f"{own.note} (Hours a week each central-team responder: "
        f"{own.set['staff_time.central_hours_per_week']})",
    ]


LISTENER = (
    "import socket, sys, time\n"
    "s = socket.socket()\n"
    "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
    "s.bind(('127.0.0.1', int(sys.argv[1])))\n"
    "s.listen()\n"
    "time.sleep(600)\n"
)
SERVE_WITH_LISTENER = (
    "import sys\n"
    "from pathlib import Path\n"
    "from sim.dashboard import server\n"
    "server.command = lambda port: [sys.executable, '-c', sys.argv[3], str(port)]\n"
    "raise SystemExit(server.serve(Path(sys.argv[1]), None, 1, int(sys.argv[2])))\n"
)


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_a_signal_to_serve_stops_its_child_process_group(sig):
    """serve() with a stand-in for `solara run` (a process listening on the port): SIGINT
    (Ctrl-C) or SIGTERM (`kill`) to serve's process stops the child's whole group, so nothing
    listens afterwards. tests/test_dashboard_browser.py does the same with the real server."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time

    def listening(port):
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", port)) == 0

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    scenario = str(SCENARIOS / "site_a.toml")
    parent = subprocess.Popen(
        [sys.executable, "-c", SERVE_WITH_LISTENER, scenario, str(port), LISTENER],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 20
        while not listening(port):
            assert parent.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        parent.send_signal(getattr(signal, sig))
        assert parent.wait(timeout=20) == 0
        assert not listening(port)
    finally:
        try:
            os.killpg(parent.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        parent.wait(timeout=10)
