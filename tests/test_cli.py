"""`curtain run` and `curtain story` as a user meets them."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd

from sim.cli import main
from sim.runner import OUTPUT_FILES

from .conftest import SCENARIOS

SUMMARY_KEYS = {
    "stories",
    "response_rate",
    "share_generic",
    "share_conversational",
    "responses_per_story",
    "median_days_to_first_response",
    "active_responders",
    "redirects_offered",
    "redirects_accepted",
    "changes_planned",
    "changes_made",
    "reputation_end",
}


def test_run_writes_every_file_and_prints_a_summary(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(
        ["run", str(SCENARIOS / "site_b.toml"), "--days", "60", "--seed", "4", "--out", str(out)]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "Site B: 60 days, seed 4" in printed
    assert "response rate" in printed and str(out) in printed
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUT_FILES)

    summary = json.loads((out / "summary.json").read_text())
    assert SUMMARY_KEYS <= set(summary)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 4 and manifest["days"] == 60
    assert len(manifest["scenario_sha256"]) == 64
    assert manifest["scenario"]["name"] == "Site B"
    assert {"python", "mesa", "numpy", "pandas"} <= set(manifest["versions"])
    assert "git_commit" in manifest

    daily = pd.read_parquet(out / "daily.parquet")
    assert len(daily) == 60 and daily["day"].tolist() == list(range(60))
    for column in (
        "response_rate",
        "share_none",
        "share_generic",
        "share_conversational",
        "responses_per_story",
        "mean_days_to_first_response",
        "active_responders",
        "redirects_offered",
        "redirects_accepted",
        "issues_backstage",
        "changes_planned",
        "changes_made",
        "care_quality",
        "negative_share",
        "reputation",
        "stories_posted",
        "staff_hours",
        "mean_confidence",
    ):
        assert column in daily.columns, column
    stories = pd.read_parquet(out / "stories.parquet")
    assert len(stories) == summary["stories"]
    events = pd.read_parquet(out / "events.parquet")
    assert {"day", "event", "story_id", "actor_id", "actor_role"} <= set(events.columns)


def test_rerun_into_the_same_directory_replaces_files(tmp_path):
    out = tmp_path / "run"
    assert main(["run", str(SCENARIOS / "site_a.toml"), "--days", "30", "--out", str(out)]) == 0
    assert main(["run", str(SCENARIOS / "site_a.toml"), "--days", "40", "--out", str(out)]) == 2
    assert (
        main(
            [
                "run",
                str(SCENARIOS / "site_a.toml"),
                "--days",
                "40",
                "--out",
                str(out),
                "--overwrite",
            ]
        )
        == 0
    )
    assert len(pd.read_parquet(out / "daily.parquet")) == 40
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".run.partial")]


def test_set_overrides_a_lever(tmp_path):
    out = tmp_path / "run"
    main(
        [
            "run",
            str(SCENARIOS / "site_b.toml"),
            "--days",
            "60",
            "--out",
            str(out),
            "--set",
            "scripting.policy=stage_directions",
        ]
    )
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["scenario"]["scripting"]["policy"] == "stage_directions"


def test_story_tells_the_journey(tmp_path, capsys):
    out = tmp_path / "run"
    main(["run", str(SCENARIOS / "site_b.toml"), "--days", "60", "--out", str(out)])
    stories = pd.read_parquet(out / "stories.parquet")
    negative = stories[(stories["sentiment"] == "negative") & (stories["responses"] > 0)]
    story_id = int(negative["story_id"].iloc[0])
    capsys.readouterr()
    assert main(["story", str(story_id), "--run", str(out)]) == 0
    text = capsys.readouterr().out
    assert f"Story {story_id} (Site B, seed 1)" in text
    assert "communications officer" in text
    assert "with a generic reply" in text
    assert "invited the author to take it offline" in text
    assert "Where its journey ended" in text


def test_story_errors_are_one_line(tmp_path, capsys):
    out = tmp_path / "run"
    main(["run", str(SCENARIOS / "site_a.toml"), "--days", "10", "--out", str(out)])
    capsys.readouterr()
    assert main(["story", "999999", "--run", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("curtain: error: story 999999: not in") and "\n" not in err
    assert main(["story", "1", "--run", str(tmp_path / "nowhere")]) == 2
    assert "expected a run directory" in capsys.readouterr().err


def test_python_dash_m_and_listings():
    for args in (["policies"], ["schema", "--levers"], ["--help"]):
        result = subprocess.run(
            [sys.executable, "-m", "sim", *args], capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stderr
    listing = subprocess.run(
        [sys.executable, "-m", "sim", "policies"], capture_output=True, text=True, timeout=60
    ).stdout
    assert "stage_directions" in listing and "redirect_offline" in listing


# ----------------------------------------------------------------------------- polish


def test_version_prints_the_package_version(capsys):
    from importlib.metadata import version

    try:
        main(["--version"])
    except SystemExit as stop:
        assert stop.code == 0
    assert capsys.readouterr().out.strip() == f"curtain {version('curtain')}"


def test_every_subcommand_help_shows_an_example():
    from sim.cli import build_parser

    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # the registered subcommands
    assert {"run", "story", "experiment", "discover", "validate", "dashboard"} <= set(commands)
    for name, command in commands.items():
        text = command.format_help()
        assert "example:" in text and f"curtain {name}" in text.split("example:")[1], name


def test_misspelt_subcommand_key_and_policy_get_a_suggestion(tmp_path, capsys):
    assert main(["experimnt", "x.toml"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "did you mean 'experiment'?" in err
    site_c = str(SCENARIOS / "site_c.toml")
    assert main(["run", site_c, "--days", "2", "--set", "cast.sise=3"]) == 2
    assert "cast.sise: unknown field; did you mean 'size'?" in capsys.readouterr().err
    policy = "scripting.policy=stage_direction"
    assert main(["run", site_c, "--days", "2", "--set", policy]) == 2
    assert "did you mean 'stage_directions'?" in capsys.readouterr().err
    bad = tmp_path / "bad.toml"
    bad.write_text(f'name = "x"\nextends = "{site_c}"\n[backstage]\np_updte = 0.5\n')
    assert main(["run", str(bad), "--days", "2"]) == 2
    err = capsys.readouterr().err
    assert "backstage.p_updte: unknown key; did you mean 'p_update'?" in err
    assert main(["run", site_c, "--set", "cast.xyzzy=1"]) == 2
    assert "did you mean" not in capsys.readouterr().err  # nothing close: no guess
