"""`curtain calibrate`: declared ranges, the filtering rule, provenance, refusal of evidence."""

from __future__ import annotations

import tomllib

import numpy as np
import pytest

from sim.cli import main
from sim.scenario import load_scenario
from sim.validation.calibrate import (
    Calibration,
    Parameter,
    Point,
    calibrate,
    identification,
    load_calibration,
)

from .conftest import SCENARIOS

PATTERN = """
[[pattern]]
id = "A.x"
site = "A"
name = "n"
expression = "{expression}"
evidence = "e"
source = "s"
reason = "r"
kind = "structural"
{rule}
"""


def _files(tmp_path, rule, expression="share_conversational", params=None):
    patterns = tmp_path / "patterns.toml"
    patterns.write_text(
        f'[sites]\nA = "{SCENARIOS / "site_a.toml"}"\n'
        + PATTERN.format(expression=expression, rule=rule),
        encoding="utf-8",
    )
    params = params or {
        "staff.legitimacy_mean": [0.05, 0.5],
        "staff_time.p_squeezed_week": [0.3, 0.95],
    }
    cal = tmp_path / "cal.toml"
    lines = [
        f'scenario = "{SCENARIOS / "site_a.toml"}"',
        'site = "A"',
        f'patterns = "{patterns}"',
        f'output = "{tmp_path / "out" / "site_a_calibrated.toml"}"',
        "samples = 4",
        "reps = 2",
        "seed = 7",
        "days = 190",
        "[parameters]",
        *(f'"{k}" = {v}' for k, v in params.items()),
    ]
    cal.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return cal


def test_accepted_point_is_written_with_provenance(tmp_path, capsys):
    cal = _files(tmp_path, "high = 0.0\nevery_run = true")
    assert main(["calibrate", str(cal)]) == 0
    out = tmp_path / "out" / "site_a_calibrated.toml"
    text = out.read_text(encoding="utf-8")
    for word in ("method:", "date:", "seed: 7", "git commit:", "accepted: 4 of 4", "extends ="):
        assert word in text
    scenario = load_scenario(out)
    assert 0.05 <= scenario.staff.legitimacy_mean <= 0.5
    assert 0.3 <= scenario.staff_time.p_squeezed_week <= 0.95
    assert scenario.cast.size == load_scenario(SCENARIOS / "site_a.toml").cast.size
    data = tomllib.loads(text)
    assert set(data) == {"extends", "name", "staff", "staff_time"}
    assert "# calibrated (assumption): prior [0.05, 0.5]" in text
    assert "accepted 4 of 4" in capsys.readouterr().out


def test_no_accepted_point_writes_nothing_and_exits_1(tmp_path, capsys):
    cal = _files(tmp_path, "low = 0.99", expression="response_rate")
    assert main(["calibrate", str(cal)]) == 1
    assert not (tmp_path / "out").exists()
    assert "accepted 0 of 4" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"cast.size": [1, 2]}, "only assumption values may be calibrated"),
        ({"staff_time.central_hours_per_week": [0.0, 2.0]}, "labelled 'evidence'"),
        ({"staff.legitimacy_mean": [0.2, 1.5]}, "within the field's bounds"),
        ({"staff.legitimacy_mean": [0.5, 0.2]}, "low < high"),
        ({"staff.no_such": [0.0, 1.0]}, "numeric scenario field"),
        ({"scripting.policy": [0, 1]}, "numeric scenario field"),
    ],
)
def test_refuses_evidence_and_bad_ranges(tmp_path, capsys, params, message):
    cal = _files(tmp_path, "high = 0.0", params=params)
    assert main(["calibrate", str(cal)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and message in err and "cal.toml" in err


def test_hypercube_is_seeded_and_covers_each_range(tmp_path):
    cal = load_calibration(_files(tmp_path, "high = 0.0\nevery_run = true"))
    cheap = lambda scenario, seeds, texts, days, workers: np.zeros((len(seeds), len(texts)))  # noqa: E731
    first = [p.values for p in calibrate(cal, run_many=cheap)]
    again = [p.values for p in calibrate(cal, run_many=cheap)]
    other = [
        p.values for p in calibrate(Calibration(**{**cal.__dict__, "seed": 8}), run_many=cheap)
    ]
    assert first == again and first != other
    legit = sorted(v["staff.legitimacy_mean"] for v in first)
    # Latin hypercube: one point in each quarter of the range
    edges = np.linspace(0.05, 0.5, 5)
    assert [int(np.searchsorted(edges, v) - 1) for v in legit] == [0, 1, 2, 3]


def test_identification_known_answers():
    cal = Calibration(
        path=None, scenario=None, site="A", patterns=None, output=None, samples=0, reps=0,
        seed=0, parameters=(Parameter("x", 0.0, 1.0, False), Parameter("y", 0.0, 1.0, False)),
    )  # fmt: skip
    grid = np.linspace(0, 1, 101)
    points = [Point({"x": float(u), "y": 0.5 + 0.01 * (u - 0.5)}, True, 0.0, {}, []) for u in grid]
    points.append(Point({"x": 0.0, "y": 0.0}, False, 9.0, {}, ["A.x"]))
    ident = identification(cal, points)
    assert ident["x"]["iqr_ratio"] == pytest.approx(1.0, abs=0.02)  # uniform: not identified
    assert ident["y"]["iqr_ratio"] < 0.02  # pinned down
    assert ident["y"]["median"] == pytest.approx(0.5)


def test_calibrated_scenarios_load_and_state_their_provenance():
    files = sorted((SCENARIOS / "calibrated").glob("*.toml"))
    assert files, "scenarios/calibrated/ holds the calibrated sites"
    for path in files:
        text = path.read_text(encoding="utf-8")
        load_scenario(path)
        for word in ("method:", "date:", "seed:", "git commit:", "accepted:", "extends ="):
            assert word in text, (path, word)
        values = [line for line in text.splitlines() if "=" in line and line[0] not in "#[ "]
        for line in values:
            if not line.startswith(("extends", "name")):
                assert "# calibrated (assumption)" in line, line
