"""Scenario files load, merge and validate; every malformed one fails with one clear line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sim.errors import ScenarioError
from sim.scenario import LEVERS, Scenario, load_scenario, schema_fields

from .conftest import ROOT, SCENARIOS


def scenario_files():
    files = sorted(SCENARIOS.glob("*.toml")) + sorted((ROOT / "benchmarks").glob("*.toml"))
    return [f for f in files if f.name != "base.toml"]


@pytest.mark.parametrize("path", scenario_files(), ids=lambda p: p.name)
def test_every_scenario_file_loads(path):
    scenario = load_scenario(path)
    assert isinstance(scenario, Scenario)
    assert scenario.name


def test_base_alone_is_not_a_scenario():
    with pytest.raises(ScenarioError, match="required field is missing"):
        load_scenario(SCENARIOS / "base.toml")


def test_sites_choose_every_lever():
    for name in ("site_a", "site_b", "site_c"):
        scenario = load_scenario(SCENARIOS / f"{name}.toml")
        for lever in LEVERS:
            assert getattr(scenario, lever).policy


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_extends_merges_tables_key_by_key(tmp_path):
    child = write(
        tmp_path,
        "child.toml",
        f'extends = "{SCENARIOS / "site_b.toml"}"\nname = "Mine"\n[cast]\nsize = 1\n',
    )
    scenario = load_scenario(child)
    parent = load_scenario(SCENARIOS / "site_b.toml")
    assert scenario.name == "Mine"
    assert scenario.cast.size == 1
    assert scenario.cast.policy == parent.cast.policy  # untouched keys inherited
    assert scenario.scripting == parent.scripting


def test_child_interventions_append_unless_told_not_to(tmp_path):
    body = '[[interventions]]\nday = 200\nnote = "x"\nset = { "leadership.priority" = 0.5 }\n'
    site_a = SCENARIOS / "site_a.toml"
    appended = load_scenario(write(tmp_path, "a.toml", f'extends = "{site_a}"\n{body}'))
    replaced = load_scenario(
        write(tmp_path, "b.toml", f'extends = "{site_a}"\ninherit_interventions = false\n{body}')
    )
    inherited = len(load_scenario(site_a).interventions)
    assert len(appended.interventions) == inherited + 1
    assert [i.day for i in replaced.interventions] == [200]


def test_overrides_apply_dotted_paths_and_validate():
    scenario = load_scenario(SCENARIOS / "site_c.toml", {"cast.size": 10, "leadership.priority": 0})
    assert scenario.cast.size == 10
    assert scenario.leadership.priority == 0
    with pytest.raises(ScenarioError, match=r"leadership\.priority: expected a probability"):
        load_scenario(SCENARIOS / "site_c.toml", {"leadership.priority": 2})


def test_digest_is_stable_and_sensitive():
    a = load_scenario(SCENARIOS / "site_c.toml")
    b = load_scenario(SCENARIOS / "site_c.toml")
    c = a.with_overrides({"cast.size": 5})
    assert a.digest() == b.digest()
    assert a.digest() != c.digest()


def test_schema_fields_cover_the_levers_with_bounds():
    rows = {row["path"]: row for row in schema_fields()}
    for lever in LEVERS:
        assert rows[f"{lever}.policy"]["kind"] == "choice"
        assert rows[f"{lever}.policy"]["choices"]
    reply = rows["patients.p_reply.conversational"]
    assert reply["min"] == 0 and reply["max"] == 1
    assert all(row["description"] for row in rows.values())


# ------------------------------------------------------------------ the bad-input corpus

SITE_C = SCENARIOS / "site_c.toml"
BAD = {
    "malformed_toml": (f'extends = "{SITE_C}"\n[cast\nsize = 3\n', None, "malformed TOML"),
    "unknown_key": (f'extends = "{SITE_C}"\n[cast]\nsise = 3\n', "cast.sise", "unknown key"),
    "unknown_section": (f'extends = "{SITE_C}"\n[castlist]\nsize = 3\n', "castlist", "unknown key"),
    "probability_above_one": (
        f'extends = "{SITE_C}"\n[patients]\np_raise_with_pals = 1.5\n',
        "patients.p_raise_with_pals",
        "expected a probability between 0 and 1, got 1.5",
    ),
    "probability_negative": (
        f'extends = "{SITE_C}"\n[backstage]\np_plan = -0.1\n',
        "backstage.p_plan",
        "expected a probability between 0 and 1",
    ),
    "negative_days": (f'extends = "{SITE_C}"\ndays = -5\n', "days", "at least 1"),
    "text_for_number": (
        f'extends = "{SITE_C}"\n[stories]\nper_day = "many"\n',
        "stories.per_day",
        "expected a number",
    ),
    "unknown_policy": (
        f'extends = "{SITE_C}"\n[scripting]\npolicy = "bespoke"\n',
        "scripting.policy",
        "expected one of 'none', 'generic_templates', 'stage_directions', got 'bespoke'",
    ),
    "roles_not_summing": (
        f'extends = "{SITE_C}"\n[cast]\nroles = {{ frontline_clinical = 0.5, '
        "frontline_non_clinical = 0.1, patient_experience = 0.1, communications = 0.1 }\n",
        "cast.roles",
        "sum to 1",
    ),
    "cast_bigger_than_accounts": (
        f'extends = "{SITE_C}"\n[cast]\nsize = 30\nmax_size = 20\n',
        "cast",
        "max_size >= size",
    ),
    "missing_field": (
        f'extends = "{SCENARIOS / "base.toml"}"\nname = "x"\n',
        "policy",
        "required field is missing",
    ),
    "missing_parent": ('extends = "nowhere.toml"\n', "extends", "file not found"),
    "intervention_unknown_field": (
        f'extends = "{SITE_C}"\n[[interventions]]\nday = 3\n'
        'set = { "scripting.polcy" = "none" }\n',
        "interventions[0].set.scripting.polcy",
        "unknown field",
    ),
    "intervention_bad_value": (
        f'extends = "{SITE_C}"\n[[interventions]]\nday = 3\nset = {{ "cast.size" = -1 }}\n',
        "interventions[0].set.cast.size",
        "expected a whole number at least 0",
    ),
    "intervention_fixed_field": (
        f'extends = "{SITE_C}"\n[[interventions]]\nday = 3\n'
        'set = { "organisation.services" = 3 }\n',
        "interventions[0].set.organisation.services",
        "cannot change mid-run",
    ),
    "intervention_negative_day": (
        f'extends = "{SITE_C}"\n[[interventions]]\nday = -1\nset = {{ "cast.size" = 3 }}\n',
        "interventions[0].day",
        "at least 0",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_scenario_gives_one_line_naming_file_and_field(tmp_path, case):
    text, field, expected = BAD[case]
    path = write(tmp_path, f"{case}.toml", text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert "\n" not in message
    assert expected in message
    if field:
        assert field in message
    if case != "missing_field":
        assert message.startswith(str(path))
    else:
        assert message.startswith(str(path)), "a missing field is the loaded file's to set"


def test_circular_extends_is_named(tmp_path):
    write(tmp_path, "a.toml", 'extends = "b.toml"\n')
    write(tmp_path, "b.toml", 'extends = "a.toml"\n')
    with pytest.raises(ScenarioError, match=r"extends: .*a\.toml -> b\.toml -> a\.toml"):
        load_scenario(tmp_path / "a.toml")


def test_missing_file_is_named(tmp_path):
    with pytest.raises(ScenarioError, match=r"nothere\.toml: file not found"):
        load_scenario(tmp_path / "nothere.toml")


def test_error_names_the_file_that_set_the_bad_value(tmp_path):
    parent = write(tmp_path, "parent.toml", f'extends = "{SITE_C}"\n[patients]\np_reply = 7\n')
    child = write(tmp_path, "child.toml", f'extends = "{parent.name}"\nname = "child"\n')
    with pytest.raises(ScenarioError) as info:
        load_scenario(child)
    assert str(info.value).startswith(str(parent))


def curtain(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "sim", *args], capture_output=True, text=True, cwd=cwd, timeout=120
    )


@pytest.mark.parametrize(
    "case", ["malformed_toml", "unknown_key", "unknown_policy", "missing_field"]
)
def test_cli_bad_input_exit_2_one_line_nothing_written(tmp_path, case):
    text, _, expected = BAD[case]
    path = write(tmp_path, f"{case}.toml", text)
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("written before")
    result = curtain("run", str(path), "--out", str(out), "--days", "5")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert expected in lines[0]
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]
    assert (out / "keep.txt").read_text() == "written before"
    assert not any(p.name.startswith(".out.partial") for p in tmp_path.iterdir())


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--days", "-5"], "--days: expected a positive whole number of days, got -5"),
        (["--days", "ten"], "--days: expected a positive whole number of days, got 'ten'"),
        (["--seed", "-1"], "--seed: expected a whole number >= 0"),
        (["--set", "cast.size=abc"], "cast.size: expected a whole number, got 'abc'"),
        (["--set", "cast.sise=3"], "cast.sise: unknown field"),
        (["--set", "nonsense"], "expected KEY=VALUE"),
    ],
)
def test_cli_bad_flags(tmp_path, args, expected):
    result = curtain("run", str(SITE_C), "--out", str(tmp_path / "out"), *args)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert expected in result.stderr
    assert not (tmp_path / "out").exists()


def test_cli_missing_scenario_file(tmp_path):
    result = curtain("run", str(tmp_path / "nope.toml"))
    assert result.returncode == 2
    assert result.stderr.strip() == f"curtain: error: {tmp_path / 'nope.toml'}: file not found"
