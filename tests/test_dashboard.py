"""The dashboard's Solara-free parts: the classroom, the controls, the charts, the command."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pandas as pd
import pytest

from sim.cli import main
from sim.dashboard.charts import culture_charts, line_chart, shared_scales, stacked_chart
from sim.dashboard.classroom import Classroom, fixed_reason, presets_beside
from sim.dashboard.cli import resolve_compare
from sim.dashboard.controls import lever_controls
from sim.dashboard.stage import backstage_records, stage_records
from sim.errors import ScenarioError
from sim.metrics import daily_table
from sim.policies.registry import REGISTRIES
from sim.runner import simulate
from sim.scenario import LEVERS, Intervention, load_scenario, schema_fields
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
        room.set_lever("cast.size", 9999)
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
    room.step(40)
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
            "x", "X & Y", [("rate", [math.nan, 0.2, 0.4, math.nan, 0.5], "#000")], 0, 1, True
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


def test_stacked_chart_and_shared_scales():
    svg = _svg(stacked_chart("mix", "Mix", [("a", [0.5, 0.6], "#111"), ("b", [0.5, 0.4], "#222")]))
    assert len(svg.findall("{http://www.w3.org/2000/svg}polygon")) == 2
    frame = pd.DataFrame(
        {"issues_backstage": [0, 130], "changes_planned_total": [0, 40], "reputation": [0.1, -0.33]}
    )
    scales = shared_scales([frame])
    assert scales["changes"] == (0.0, 200.0)
    assert scales["reputation"] == (-0.4, 0.4)


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
