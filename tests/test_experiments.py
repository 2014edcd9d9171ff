"""The experiment engine: designs, determinism across executors, resume after a kill,
failed runs, analysis against known answers, and the command line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.cli import main
from sim.experiments.analysis import mean_ci, pairwise, welch
from sim.experiments.design import points, replication_seeds, tasks
from sim.experiments.engine import run_experiment
from sim.experiments.outcomes import OUTCOMES
from sim.experiments.spec import load_experiment
from sim.experiments.task import FAILED, SUCCEEDED, run_task
from sim.runner import run
from sim.scenario import read_toml

from .conftest import ROOT, SCENARIOS, site

TINY = f"""
name = "tiny"
days = 30
replications = 3
base_seed = 11
outcomes = ["response_rate", "changes_made", "reputation_end"]
[[scenarios]]
file = "{SCENARIOS / "site_a.toml"}"
[[scenarios]]
file = "{SCENARIOS / "site_c.toml"}"
set = {{ "cast.size" = 60 }}
label = "C small"
[design]
kind = "compare"
"""


def write(tmp_path: Path, text: str, name: str = "exp.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def frames(out: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    return pd.read_parquet(out / "runs.parquet"), pd.read_parquet(out / "daily.parquet")


# ----------------------------------------------------------------------------- design


def test_replication_seeds_come_from_seed_sequence_spawn():
    seeds = replication_seeds(7, 4)
    again = replication_seeds(7, 6)
    assert seeds == again[:4]  # adding replications keeps the earlier ones
    assert len(set(seeds)) == 4 and all(0 <= s < 2**63 for s in seeds)
    child = np.random.SeedSequence(7).spawn(4)[2]
    assert seeds[2] == int(child.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))
    assert replication_seeds(8, 4) != seeds


def test_designs_lay_out_every_run(tmp_path):
    base = TINY.replace('kind = "compare"', "")
    factorial = write(
        tmp_path,
        base
        + 'kind = "factorial"\n[design.factors]\n'
        + '"escalation.max_reminders" = [1, 2]\n'
        + '"audience.silence_penalty" = { low = 0.01, high = 1, num = 3, scale = "log" }\n',
    )
    exp = load_experiment(factorial)
    pts = points(exp)
    assert len(pts) == 6
    assert sorted({p["audience.silence_penalty"] for p in pts}) == pytest.approx([0.01, 0.1, 1.0])
    all_tasks = tasks(exp)
    assert len(all_tasks) == 6 * 2 * 3
    assert [t.index for t in all_tasks] == list(range(36))
    # common random numbers: replication r has the same seed at every point and scenario
    assert {t.seed for t in all_tasks if t.replication == 1} == {replication_seeds(11, 3)[1]}

    lhs_text = base + (
        'kind = "lhs"\nsamples = 8\n[design.parameters]\n'
        '"staff.legitimacy_mean" = { low = 0.1, high = 0.9 }\n'
        '"escalation.max_reminders" = { low = 1, high = 8, integer = true, scale = "log" }\n'
    )
    lhs = load_experiment(write(tmp_path, lhs_text, "lhs.toml"))
    legit = np.array([p["staff.legitimacy_mean"] for p in points(lhs)])
    # a Latin hypercube: one point in each eighth of the range
    assert sorted(np.floor((legit - 0.1) / 0.8 * 8).astype(int)) == list(range(8))
    assert all(isinstance(p["escalation.max_reminders"], int) for p in points(lhs))
    other = load_experiment(write(tmp_path, lhs_text.replace("base_seed = 11", "base_seed = 12")))
    assert [p["staff.legitimacy_mean"] for p in points(other)] != legit.tolist()

    sobol = load_experiment(
        write(tmp_path, lhs_text.replace('"lhs"', '"sobol"').replace("8\n", "4\n", 1), "s.toml")
    )
    assert len(points(sobol)) == 4 * (2 + 2)  # Saltelli: N (D + 2) without second order
    morris = load_experiment(write(tmp_path, lhs_text.replace('"lhs"', '"morris"'), "m.toml"))
    assert len(points(morris)) == 8 * (2 + 1)  # trajectories of D + 1 points


@pytest.mark.parametrize(
    "path", sorted((ROOT / "experiments").glob("*.toml")), ids=lambda p: p.stem
)
def test_every_shipped_experiment_loads(path):
    from sim.national.compare import load_policy_experiment

    if "arms" in read_toml(path):  # a national policy file (docs/national.md)
        assert load_policy_experiment(path).arms
        return
    experiment = load_experiment(path)
    assert tasks(experiment)


# ----------------------------------------------------------------------------- one task


def test_outcomes_are_the_summary_figures_and_a_task_matches_a_full_run():
    scenario = site("site_b")
    full = run(scenario, seed=3, days=60)
    numeric = {k for k, v in full.summary.items() if k not in ("scenario", "seed", "days")}
    assert set(OUTCOMES) == numeric
    for name, (is_count, _) in OUTCOMES.items():
        if full.summary[name] is not None:
            assert isinstance(full.summary[name], int) == is_count, name

    from sim.experiments.design import Task

    outcome = run_task(Task(0, "B", 0, 0, 3, 60), scenario.to_dict())
    assert outcome.status == SUCCEEDED
    assert outcome.values == {name: full.summary[name] for name in OUTCOMES}
    pd.testing.assert_frame_equal(
        outcome.daily.reset_index(drop=True),
        full.daily[outcome.daily.columns].reset_index(drop=True),
    )


# ----------------------------------------------------------------------------- executors


@pytest.fixture(scope="module")
def serial_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("serial")
    path = write(tmp, TINY)
    result = run_experiment(path, tmp / "out", workers=1)
    return path, result


def test_serial_run_writes_tidy_files_and_manifest(serial_run):
    _, result = serial_run
    runs, daily = frames(result.out)
    assert len(runs) == 6 and (runs["status"] == SUCCEEDED).all()
    assert runs["scenario"].tolist() == ["Site A"] * 3 + ["C small"] * 3
    assert runs["replication"].tolist() == [0, 1, 2] * 2
    assert len(daily) == 6 * 30
    assert set(OUTCOMES) <= set(runs.columns)
    import json

    manifest = json.loads((result.out / "manifest.json").read_text())
    assert manifest["complete"] and manifest["runs"]["succeeded"] == 6
    assert {s["status"] for s in manifest["status"]} == {SUCCEEDED}
    assert len(manifest["experiment_sha256"]) == 64 and "git_commit" in manifest
    assert not (result.out / "parts").exists()


def test_pool_and_dask_give_identical_results(serial_run, tmp_path):
    path, serial = serial_run
    want_runs, want_daily = frames(serial.out)
    pool = run_experiment(path, tmp_path / "pool", workers=2)
    dask = run_experiment(path, tmp_path / "dask", workers=2, scheduler="local")
    for result in (pool, dask):
        got_runs, got_daily = frames(result.out)
        pd.testing.assert_frame_equal(got_runs, want_runs)
        pd.testing.assert_frame_equal(got_daily, want_daily)
        for name in ("runs.parquet", "daily.parquet"):
            assert (result.out / name).read_bytes() == (serial.out / name).read_bytes()
    assert not (tmp_path / "dask" / ".dask-scratch").exists()
    # different seeds would differ: the equality above is not vacuous
    assert want_runs["reputation_end"].nunique() > 2


# ----------------------------------------------------------------------------- resume


def test_resume_after_kill_loses_and_repeats_nothing(tmp_path):
    text = (
        TINY.replace("replications = 3", "replications = 12")
        .replace("days = 30", "days = 120")
        .replace('"cast.size" = 60', '"cast.size" = 300')
    )
    path = write(tmp_path, text)
    whole = run_experiment(path, tmp_path / "whole", workers=1)

    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "sim", "experiment", str(path), "--out", str(out)]
    proc = subprocess.Popen([*cmd, "--workers", "2", "--quiet"], cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if len(list((out / "parts").glob("run-*.arrow"))) >= 4 if out.exists() else False:
            break
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    _no_process_left(str(out))
    done_before = {p.name for p in (out / "parts").glob("run-*.arrow")}
    assert 4 <= len(done_before) < 24, "the kill should fall mid-sweep"
    assert not (out / "runs.parquet").exists()
    mtimes = {p.name: p.stat().st_mtime_ns for p in (out / "parts").glob("run-*.arrow")}

    result = run_experiment(path, out, workers=2, resume=True)
    assert result.ran == 24 - len(done_before)  # none repeated
    assert set(mtimes) == done_before  # parts written before the kill were kept as they were
    for got, want in zip(frames(out), frames(whole.out), strict=True):
        pd.testing.assert_frame_equal(got, want)
    for name in ("runs.parquet", "daily.parquet"):  # the very same bytes, too
        assert (out / name).read_bytes() == (whole.out / name).read_bytes()

    # a resume of a different experiment into the same directory is refused
    other = write(tmp_path, text.replace("base_seed = 11", "base_seed = 12"), "other.toml")
    code = main(["experiment", str(other), "--out", str(out), "--resume", "--quiet"])
    assert code == 2


def test_resume_of_a_finished_experiment_runs_nothing(serial_run, tmp_path):
    import shutil

    path, serial = serial_run
    out = tmp_path / "copy"
    shutil.copytree(serial.out, out)
    # as if killed while the parts were being removed after consolidation
    (out / "parts").mkdir()
    (out / "parts" / "run-0000000.arrow").write_bytes(b"left over")
    result = run_experiment(path, out, workers=1, resume=True)
    assert result.ran == 0 and result.counts["succeeded"] == 6
    assert not (out / "parts").exists()
    for got, want in zip(frames(out), frames(serial.out), strict=True):
        pd.testing.assert_frame_equal(got, want)


def _no_process_left(marker: str, timeout: float = 10.0) -> None:
    """No process whose command line holds ``marker`` (pool workers of a killed parent)."""
    proc_dir = Path("/proc")
    if not proc_dir.exists():
        return
    deadline = time.monotonic() + timeout
    while True:
        left = []
        for entry in proc_dir.iterdir():
            if entry.name.isdigit():
                try:
                    cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                except OSError:
                    continue
                if marker in cmdline:
                    left.append(entry.name)
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert not left, f"pool workers outlived their killed parent: {left}"


# ----------------------------------------------------------------------------- failures


def test_a_failing_run_is_recorded_and_the_sweep_goes_on(tmp_path, capsys):
    # Each range is valid on its own; some sampled points have more staff than accounts,
    # which the scenario schema refuses inside the run.
    text = f"""
name = "clash"
days = 15
replications = 1
base_seed = 3
outcomes = ["response_rate"]
[[scenarios]]
file = "{SCENARIOS / "site_b.toml"}"
set = {{ "cast.max_size" = 100 }}
[design]
kind = "lhs"
samples = 10
[design.parameters]
"cast.size" = {{ low = 1, high = 100, integer = true }}
"cast.max_size" = {{ low = 2, high = 100, integer = true }}
"""
    path = write(tmp_path, text)
    code = main(["experiment", str(path), "--out", str(tmp_path / "out"), "--quiet"])
    assert code == 0
    runs = pd.read_parquet(tmp_path / "out" / "runs.parquet")
    clash = runs["cast.size"] > runs["cast.max_size"]
    assert 0 < clash.sum() < len(runs)
    assert (runs.loc[clash, "status"] == FAILED).all()
    assert runs.loc[clash, "error"].str.contains("max_size").all()
    assert runs.loc[clash, "response_rate"].isna().all()
    assert (runs.loc[~clash, "status"] == SUCCEEDED).all()
    import json

    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["runs"]["failed"] == clash.sum()
    assert "failed" in capsys.readouterr().out


# ----------------------------------------------------------------------------- analysis


def test_confidence_interval_and_welch_match_known_answers():
    rng = np.random.default_rng(0)
    a = rng.normal(0.0, 1.0, 30)
    b = rng.normal(0.8, 2.0, 20)
    n, mean, sd, lo, hi = mean_ci(a)
    assert (mean, sd) == pytest.approx((a.mean(), a.std(ddof=1)))
    want = stats.t.interval(0.95, n - 1, loc=a.mean(), scale=stats.sem(a))
    assert (lo, hi) == pytest.approx(want)
    result = welch(a, b)
    assert result["p"] == pytest.approx(stats.ttest_ind(b, a, equal_var=False).pvalue)
    pooled = np.sqrt((29 * a.var(ddof=1) + 19 * b.var(ddof=1)) / 48)
    j = 1 - 3 / (4 * 50 - 9)
    assert result["hedges_g"] == pytest.approx(j * (b.mean() - a.mean()) / pooled)
    assert result["ci_low"] < result["difference"] < result["ci_high"]
    runs = pd.DataFrame(
        {"scenario": ["x"] * 30 + ["y"] * 20, "status": SUCCEEDED, "v": np.r_[a, b]}
    )
    row = pairwise(runs, ["v"]).iloc[0]
    assert (row["a"], row["b"]) == ("x", "y")
    assert row["difference"] == pytest.approx(b.mean() - a.mean())


# ----------------------------------------------------------------------------- command line


def test_compare_shortcut_writes_a_report_with_figures(tmp_path, capsys):
    out = tmp_path / "cmp"
    code = main(
        [
            "compare",
            str(SCENARIOS / "site_a.toml"),
            str(SCENARIOS / "site_b.toml"),
            "--reps",
            "3",
            "--days",
            "20",
            "--out",
            str(out),
            "--workers",
            "1",
            "--quiet",
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert f"report: {out / 'report.md'}" in printed
    report = (out / "report.md").read_text()
    assert "| response rate (any reply, %) |" in report and "Hedges' g" in report
    for png in ("response_rate", "response_mix", "changes", "reputation", "distributions"):
        assert f"figures/{png}.png" in report
        assert (out / "figures" / f"{png}.png").stat().st_size > 10_000


BAD = [
    ("unknown key", 'colour = "red"\n', "colour: unknown key"),
    ("missing", None, "replications: required field is missing"),
    ("zero reps", "", "replications: expected a number at least 1, got 0"),
    ("bad kind", "", "design.kind: expected one of"),
    ("bad outcome", "", "outcomes: unknown outcome 'happiness'"),
    ("no file", "", "scenarios[0].file: file not found"),
    ("bad set", "", "scenarios[1].set.cast.sise: unknown field"),
    ("bad factor", "", "design.factors.cast.size: expected max_size >= size"),
    ("empty factorial", "", "expects [design.factors]"),
    ("bad range", "", "expected high > low"),
    ("malformed", "", "malformed TOML"),
]


def _bad_text(case: str) -> str:
    text = TINY
    if case == "unknown key":
        return 'colour = "red"\n' + text
    if case == "missing":
        return text.replace("replications = 3\n", "")
    if case == "zero reps":
        return text.replace("replications = 3", "replications = 0")
    if case == "bad kind":
        return text.replace('kind = "compare"', 'kind = "grid"')
    if case == "bad outcome":
        return text.replace('"changes_made"', '"happiness"')
    if case == "no file":
        return text.replace("site_a.toml", "site_z.toml")
    if case == "bad set":
        return text.replace('"cast.size" = 60', '"cast.sise" = 60')
    if case == "bad factor":
        return text.replace(
            'kind = "compare"', 'kind = "factorial"\n[design.factors]\n"cast.size" = [5, 5000]'
        )
    if case == "empty factorial":
        return text.replace('kind = "compare"', 'kind = "factorial"')
    if case == "bad range":
        return text.replace(
            'kind = "compare"',
            'kind = "lhs"\nsamples = 3\n[design.parameters]\n'
            '"staff.legitimacy_mean" = { low = 0.9, high = 0.1 }',
        )
    return text.replace("days = 30", "days = = 30")


@pytest.mark.parametrize(("case", "_", "expected"), BAD, ids=[c for c, _, _ in BAD])
def test_malformed_experiment_files_give_one_line_and_exit_2(tmp_path, capsys, case, _, expected):
    path = write(tmp_path, _bad_text(case))
    out = tmp_path / "out"
    code = main(["experiment", str(path), "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith(f"curtain: error: {path}")
    assert expected in err
    assert not out.exists()  # nothing half-written


def test_bad_flags_exit_2(tmp_path, capsys):
    path = write(tmp_path, TINY)
    assert main(["experiment", str(path), "--workers", "0"]) == 2
    assert "--workers" in capsys.readouterr().err
    assert main(["sensitivity", str(path), "--out", str(tmp_path / "o")]) == 2
    assert "design.kind: expected one of morris, sobol" in capsys.readouterr().err
    site_b = str(SCENARIOS / "site_b.toml")
    assert main(["compare", site_b, site_b, "--out", str(tmp_path / "c")]) == 2
    assert "given twice" in capsys.readouterr().err
    assert not (tmp_path / "o").exists() and not (tmp_path / "c").exists()


# ----------------------------------------------------------------------------- sensitivity


def test_sensitivity_finds_the_parameter_that_matters(tmp_path, capsys):
    # Site A makes no changes, so the credit a made change earns cannot move the story count;
    # the story volume parameter must.
    text = f"""
name = "sens"
days = 20
replications = 1
base_seed = 4
outcomes = ["stories"]
[[scenarios]]
file = "{SCENARIOS / "site_a.toml"}"
[design]
kind = "morris"
samples = 4
[design.parameters]
"stories.per_day" = {{ low = 1, high = 10 }}
"audience.credit_change_made" = {{ low = 0.0, high = 0.5 }}
"""
    path = write(tmp_path, text)
    out = tmp_path / "out"
    assert main(["sensitivity", str(path), "--out", str(out), "--quiet", "--workers", "1"]) == 0
    table = pd.read_csv(out / "tables" / "sensitivity_morris.csv").set_index("parameter")
    assert table.loc["audience.credit_change_made", "mu_star"] == 0.0
    assert table.loc["stories.per_day", "mu_star"] > 20
    assert (out / "figures" / "sensitivity_morris.png").exists()
    assert "## Sensitivity (Morris)" in (out / "report.md").read_text()


def test_factorial_sweep_with_progress_bar(tmp_path, capsys):
    text = TINY.replace("replications = 3", "replications = 2").replace(
        'kind = "compare"',
        'kind = "factorial"\n[design.factors]\n"escalation.max_reminders" = [1, 3]\n'
        '"staff_time.hours_per_week" = { low = 0.5, high = 2, num = 2, scale = "log" }',
    )
    path = write(tmp_path, text)
    out = tmp_path / "out"
    assert main(["experiment", str(path), "--out", str(out), "--workers", "1"]) == 0
    captured = capsys.readouterr()
    assert "tiny" in captured.err and "16/16" in captured.err  # the progress bar
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 4 * 2 * 2
    assert sorted(runs["staff_time.hours_per_week"].unique()) == [0.5, 2.0]
    assert runs["escalation.max_reminders"].dtype == "int64"
    summary = pd.read_csv(out / "tables" / "summary.csv")
    assert len(summary) == 4 * 2 * 3  # points x scenarios x outcomes
    assert (out / "figures" / "sweep.png").exists()
    assert "figures/sweep.png" in (out / "report.md").read_text()
