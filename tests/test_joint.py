"""Joint calibration: every assumption value of several sites against calibrated patterns."""

from __future__ import annotations

import numpy as np
import pytest

from sim.cli import main
from sim.errors import ScenarioError
from sim.scenario import load_scenario
from sim.validation.joint import calibrate_jointly, load_joint, posterior, write_scenarios

from .conftest import SCENARIOS

PATTERNS = """
[sites]
A = "{a}"
B = "{b}"

[[pattern]]
id = "A.volume"
site = "A"
kind = "calibrated"
calibrated_by = ["stories.per_day"]
name = "n"
expression = "stories"
evidence = "e"
source = "s"
reason = "r"
low = {low}

[[pattern]]
id = "B.answered"
site = "B"
kind = "independent"
name = "n"
expression = "response_rate"
evidence = "e"
source = "s"
reason = "r"
low = 0.99
"""


def _files(tmp_path, low=1, extra=""):
    patterns = tmp_path / "patterns.toml"
    patterns.write_text(
        PATTERNS.format(a=SCENARIOS / "site_a.toml", b=SCENARIOS / "site_b.toml", low=low),
        encoding="utf-8",
    )
    joint = tmp_path / "joint.toml"
    joint.write_text(
        f'sites = ["A", "B"]\npatterns = "{patterns}"\noutput_dir = "{tmp_path / "out"}"\n'
        "samples = 4\nreps = 1\nseed = 5\ndays = 60\n" + extra,
        encoding="utf-8",
    )
    return joint


def test_every_assumption_value_becomes_a_shared_or_per_site_parameter(tmp_path):
    joint = load_joint(_files(tmp_path))
    by_name = {p.name: p for p in joint.parameters}
    shared = by_name["patients.p_reply.conversational"]  # set once, in base.toml
    assert shared.sites == ("A", "B") and shared.low == pytest.approx(0.06)
    assert by_name["A:confidence.initial_mean"].sites == ("A",)  # each site sets its own
    assert by_name["B:confidence.initial_mean"].value == 0.45
    assert "cast.size" not in by_name  # evidence stays fixed
    assert "A:staff_time.central_hours_per_week" not in by_name  # A's 0 stays 0
    assert not any("roles" in n or "motive_shares" in n for n in by_name)  # parts of a whole
    for p in joint.parameters:
        assert p.low < p.high


def test_only_the_chosen_kinds_judge_and_files_are_written_with_provenance(tmp_path):
    joint = load_joint(_files(tmp_path))
    seen = []

    def fake_runs(scenario, seeds, texts, days=None, workers=1):
        seen.append((scenario.name, tuple(texts)))
        return np.full((len(seeds), len(texts)), 100.0)

    points = calibrate_jointly(joint, run_many=fake_runs)
    assert all(p.accepted for p in points) and len(points) == 4
    assert {texts for _, texts in seen} == {("stories",)}  # B's independent pattern never ran
    post = posterior(joint, points)
    written = write_scenarios(joint, points, post, "curtain calibrate joint.toml", 2.0)
    assert [p.name for p in written] == ["site_a.toml", "site_b.toml"]
    text = written[0].read_text()
    assert "calibrated (joint, was" in text and "accepted: 4 of 4" in text
    load_scenario(written[0])


def test_the_command_runs_and_writes_nothing_when_no_point_passes(tmp_path, capsys):
    joint = _files(tmp_path, low=10**6)
    assert main(["calibrate", str(joint)]) == 1
    out = capsys.readouterr().out
    assert "accepted 0 of 4" in out and "nothing written" in out
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


@pytest.mark.parametrize(
    "extra, message",
    [
        ("spread = 2\n", "spread"),
        ('kinds = ["sure"]\n', "kinds"),
        ('[parameters]\n"stories.per_day" = [1, 0]\n', "low < high"),
        ('[parameters]\n"scripting.policy" = [0, 1]\n', "numeric"),
    ],
)
def test_bad_joint_files_are_one_line_errors(tmp_path, extra, message):
    with pytest.raises(ScenarioError, match=message):
        load_joint(_files(tmp_path, extra=extra))


def test_shipped_joint_calibration_file_loads():
    joint = load_joint(SCENARIOS.parent / "calibration" / "joint.toml")
    assert len(joint.parameters) > 80 and joint.kinds == ("calibrated",)


def test_shipped_joint_calibrated_sites_load_and_state_their_provenance():
    files = sorted((SCENARIOS / "calibrated" / "joint").glob("site_*.toml"))
    assert [f.name for f in files] == ["site_a.toml", "site_b.toml", "site_c.toml"]
    for path in files:
        text = path.read_text(encoding="utf-8")
        scenario = load_scenario(path)
        assert scenario.name.endswith("(calibrated)")
        assert "curtain calibrate calibration/joint.toml" in text and "# accepted:" in text
        for line in text.splitlines():
            if "=" in line and not line.startswith(("#", "extends", "name")):
                assert "# calibrated (joint, was" in line, line
