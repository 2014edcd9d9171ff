"""Scenario discovery: PRIM finds a known box, the --where expression is safe and clear, and
`curtain discover` works on a reduced version of the shipped discovery experiment."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.errors import CurtainError
from sim.experiments.discover import cases_of_interest, find_boxes

from .conftest import ROOT

pytest.importorskip("ema_workbench")  # the `discovery` extra (part of `test`)


def test_prim_recovers_a_known_box():
    # Cases of interest exactly where a >= 0.6 and b <= 0.3 (c is noise): 12% of the space.
    rng = np.random.default_rng(7)
    x = pd.DataFrame(rng.uniform(0, 1, (2000, 3)), columns=["a", "b", "c"])
    y = ((x["a"] >= 0.6) & (x["b"] <= 0.3)).to_numpy()
    (box,) = find_boxes(x, y, density=0.95)
    limits = box.limits.set_index("input")
    assert set(limits.index) == {"a", "b"}  # the noise input is not restricted
    assert limits.loc["a", "low"] == pytest.approx(0.6, abs=0.03)
    assert limits.loc["b", "high"] == pytest.approx(0.3, abs=0.03)
    assert box.density >= 0.95 and box.coverage >= 0.9
    assert limits["qp"].max() < 0.001  # both restrictions matter
    assert box.mass == pytest.approx(box.runs / len(x))


def test_prim_keeps_the_right_category():
    rng = np.random.default_rng(3)
    n = 1200
    x = pd.DataFrame(
        {
            "scenario label": pd.Categorical(rng.choice(["B", "B linked", "C"], n)),
            "hours": rng.uniform(0, 10, n),
        }
    )
    y = ((x["scenario label"] == "B linked") & (x["hours"] > 5)).to_numpy()
    (box,) = find_boxes(x, y, density=0.9)
    limits = box.limits.set_index("input")
    assert limits.loc["scenario", "categories"] == "B linked"
    # the widest box of density >= 0.9 may keep a little below 5 (about 10% of its runs)
    assert 4.3 <= limits.loc["hours", "low"] <= 5.05 and box.density >= 0.9


RUNS = pd.DataFrame(
    {
        "changes_made": [0.0, 30.0, 5.0],
        "stories": [1000.0, 1000.0, 0.0],
        "response_rate": [0.9, 0.95, 0.5],
        "cast.size": [2, 40, 10],
        "scripting.policy": ["generic_templates", "stage_directions", "none"],
        "status": "succeeded",
    }
)


def test_where_expressions_are_evaluated_per_run():
    got = cases_of_interest(RUNS, "changes_made / stories > 0.02 and response_rate > 0.8")
    assert got.tolist() == [False, True, False]  # 5 / 0 is no case, not an error
    assert cases_of_interest(RUNS, "cast.size >= 10 or not response_rate < 0.9").tolist() == [
        True,
        True,
        True,
    ]
    assert cases_of_interest(RUNS, "scripting.policy == 'none'").tolist() == [False, False, True]
    assert cases_of_interest(RUNS, "0.5 < response_rate <= 0.9").tolist() == [True, False, False]


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("chnges_made > 1", "unknown name 'chnges_made'; did you mean 'changes_made'?"),
        ("__import__('os').system('true')", "call is not allowed"),
        ("changes_made + 1", "is not a condition"),
        ("changes_made >", "cannot read"),
        ("status == 'failed'", "unknown name 'status'"),
    ],
)
def test_bad_where_expressions_are_one_clear_line(expression, message):
    with pytest.raises(CurtainError, match=None) as err:
        cases_of_interest(RUNS, expression)
    assert message in str(err.value) and "\n" not in str(err.value)


def _reduced_policy_discovery(tmp_path: Path) -> Path:
    """The shipped experiment with fewer samples and a shorter year (same levers)."""
    text = (ROOT / "experiments" / "policy_discovery.toml").read_text(encoding="utf-8")
    text = text.replace("../scenarios/", f"{ROOT / 'scenarios'}/")
    text = text.replace("days = 365", "days = 120").replace("samples = 300", "samples = 24")
    assert "samples = 24" in text and "days = 120" in text
    path = tmp_path / "policy_discovery.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_discover_on_the_shipped_discovery_experiment(tmp_path, capsys):
    out = tmp_path / "pd"
    path = _reduced_policy_discovery(tmp_path)
    assert main(["experiment", str(path), "--out", str(out), "--quiet", "--workers", "2"]) == 0
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 2 * 24 and runs["scenario"].nunique() == 2
    where = "share_conversational > 0.2 and response_rate > 0.5"
    capsys.readouterr()
    for _ in range(2):  # run twice: the report's section is replaced, not repeated
        assert main(["discover", str(out), "--where", where]) == 0
    printed = capsys.readouterr().out
    assert "Box 1:" in printed and "coverage" in printed
    boxes = pd.read_csv(out / "discovery" / "boxes.csv")
    assert {"box", "input", "low", "high", "coverage", "density", "mass", "qp"} <= set(boxes)
    # only the conversational scenario answers conversationally: the box keeps it
    row = boxes.set_index("input").loc["scenario"]
    assert row["categories"] == "Site B, conversational and linked"
    for name in ("peeling.png", "peeling.svg", "box.png", "box.svg", "peeling.csv"):
        assert (out / "discovery" / name).stat().st_size > 200
    report = (out / "report.md").read_text()
    assert report.count("## Scenario discovery") == 1
    assert report.index("## Scenario discovery") < report.index("# Appendix")
    assert "](discovery/peeling.png)" in report


def test_discover_refuses_what_it_cannot_use(tmp_path, capsys):
    assert main(["discover", str(tmp_path), "--where", "changes_made > 0"]) == 2
    assert "expected a results directory holding runs.parquet" in capsys.readouterr().err
    out = tmp_path / "r"
    out.mkdir()
    RUNS.assign(scenario="x", run=range(3), point=range(3), replication=0).to_parquet(
        out / "runs.parquet"
    )
    assert main(["discover", str(out), "--where", "changes_made > 1000"]) == 2
    assert "no run meets" in capsys.readouterr().err
    assert main(["discover", str(out), "--where", "changes_made >= 0", "--density", "2"]) == 2
    assert "--density" in capsys.readouterr().err
