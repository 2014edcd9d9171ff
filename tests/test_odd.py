"""docs/ODD.md cannot drift from the code: generated tables and every code reference."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from sim import scenario as scenario_module
from sim.cli import main
from sim.validation import odd

ROOT = Path(__file__).resolve().parents[1]


def test_odd_tables_match_the_schema_site_files_and_patterns(capsys):
    stale = odd.check()
    assert stale == [], f"docs/ODD.md is stale in {stale}: run `curtain odd --write`"
    assert main(["odd", "--check"]) == 0


def test_every_schema_field_has_a_row():
    text = odd.ODD_PATH.read_text(encoding="utf-8")
    for row in scenario_module.schema_fields():
        if row["kind"] != "text":
            assert f"| `{row['path']}` |" in text, row["path"]


def test_check_fails_when_the_schema_changes(monkeypatch, tmp_path, capsys):
    real = scenario_module.schema_fields

    def with_new_field(*args, **kwargs):
        rows = real(*args, **kwargs)
        extra = dict(rows[-1], description="A field the document does not know yet.")
        return [*rows, extra]

    monkeypatch.setattr(scenario_module, "schema_fields", with_new_field)
    copy = tmp_path / "ODD.md"
    copy.write_text(odd.ODD_PATH.read_text(encoding="utf-8"), encoding="utf-8")
    assert odd.check(copy) == ["parameters"]
    monkeypatch.setattr(odd, "ODD_PATH", copy)
    assert main(["odd", "--check"]) == 1
    assert "curtain odd --write" in capsys.readouterr().out
    assert main(["odd", "--write"]) == 0
    assert odd.check(copy) == []


def test_missing_markers_are_one_line_errors(tmp_path, monkeypatch, capsys):
    bare = tmp_path / "ODD.md"
    bare.write_text("# no markers\n", encoding="utf-8")
    monkeypatch.setattr(odd, "ODD_PATH", bare)
    assert main(["odd", "--check"]) == 2
    assert "odd:parameters begin" in capsys.readouterr().err


CLASSES = {
    "CurtainModel": "sim.model",
    "Frontstage": "sim.frontstage",
    "Backstage": "sim.backstage",
    "Lifecycle": "sim.lifecycle",
    "CastList": "sim.castlist",
    "StaffMember": "sim.agents",
    "Patient": "sim.agents",
    "CommunicationsStaff": "sim.agents",
    "Recorder": "sim.metrics",
}


def test_every_rule_reference_in_the_odd_exists():
    text = odd.ODD_PATH.read_text(encoding="utf-8")
    methods = set(re.findall(r"`([A-Z]\w+)\.(\w+)`", text))
    assert len(methods) > 10
    for cls, method in methods:
        assert cls in CLASSES, f"ODD names {cls}.{method}; add its module to CLASSES"
        owner = getattr(importlib.import_module(CLASSES[cls]), cls)
        assert hasattr(owner, method), f"ODD names {cls}.{method}, which does not exist"
    for path in set(re.findall(r"`((?:sim/)?(?:policies/)?\w+\.py)`", text)):
        full = ROOT / path if path.startswith("sim/") else ROOT / "sim" / path
        assert full.exists(), f"ODD names {path}, which does not exist"


@pytest.mark.parametrize("name", ["sim/model.py", "policies/cast.py"])
def test_reference_check_sees_paths(name):
    assert name in odd.ODD_PATH.read_text(encoding="utf-8")
