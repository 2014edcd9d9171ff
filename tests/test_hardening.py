"""Issue 14: never delete a user's file, never mix two runs, no traceback or hang for any input.

Each section is one numbered failure of the issue; every test here failed on main f77a6e2
(tracebacks, hangs, mixed folders, deleted files) and passes now.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim import runner
from sim.cli import main
from sim.experiments.engine import run_experiment
from sim.scenario import load_scenario

from .conftest import ROOT, SCENARIOS
from .hostile import attempt

SITE_A = SCENARIOS / "site_a.toml"
SITE_C = SCENARIOS / "site_c.toml"

TINY = f"""
name = "tiny"
days = 5
replications = 2
base_seed = 3
outcomes = ["response_rate"]
[[scenarios]]
file = "{SITE_C}"
set = {{ "cast.size" = 20 }}
[design]
kind = "compare"
"""


def one_error(argv: list[str], code: int = 2, *words: str) -> str:
    """Run the CLI in-process; expect exit ``code`` and exactly one `curtain: error:` line."""
    result = attempt(argv, seconds=30)
    assert not result.traceback, result.stderr
    assert not result.hang, f"{argv} ran past its time cap"
    assert result.code == code, (result.code, result.stderr)
    assert result.one_line_error, result.stderr
    for word in words:
        assert word in result.error, result.error
    return result.error


def scenario(tmp_path: Path, body: str, name: str = "s.toml", parent: Path = SITE_C) -> Path:
    path = tmp_path / name
    path.write_text(f'extends = "{parent}"\n{body}\n', encoding="utf-8")
    return path


def experiment(tmp_path: Path, text: str = TINY, name: str = "e.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def is_run(out: Path, seed: int | None = None, days: int | None = None) -> bool:
    """A complete run folder whose five files all come from one run."""
    manifest = json.loads((out / "manifest.json").read_text())
    summary = json.loads((out / "summary.json").read_text())
    daily = pd.read_parquet(out / "daily.parquet")
    stories = pd.read_parquet(out / "stories.parquet")
    pd.read_parquet(out / "events.parquet")
    assert manifest["seed"] == summary["seed"] and manifest["days"] == summary["days"]
    assert len(daily) == manifest["days"] and len(stories) == summary["stories"]
    assert seed is None or manifest["seed"] == seed
    assert days is None or manifest["days"] == days
    return True


# ----------------------------------------------------------------------------- 1. experiments


def test_1_an_experiment_removes_only_files_it_wrote(tmp_path):
    out = tmp_path / "docs"
    (out / "figures").mkdir(parents=True)
    (out / "tables").mkdir()
    mine = [out / "figures" / "diagram.png", out / "tables" / "budget.csv", out / "notes.md"]
    for path in mine:
        path.write_text("the user's own file")
    path = experiment(tmp_path)
    argv = ["experiment", str(path), "--out", str(out), "--workers", "1", "--quiet"]
    assert attempt(argv).code == 0
    written = json.loads((out / "manifest.json").read_text())["written"]
    assert "report.md" in written and any(w.startswith("figures/") for w in written)
    assert attempt(argv).code == 0  # a fresh start (no --resume) clears what it wrote
    for path in mine:
        assert path.read_text() == "the user's own file"
    assert (out / "report.md").exists() and (out / "runs.parquet").exists()


def test_1_an_experiment_refuses_a_folder_of_someone_elses_results(tmp_path):
    path = experiment(tmp_path)
    for name in ("runs.parquet", "manifest.json"):
        out = tmp_path / name.replace(".", "_")
        out.mkdir()
        (out / name).write_text("not an experiment's")
        one_error(["experiment", str(path), "--out", str(out), "--quiet"], 2, str(out))
        assert (out / name).read_text() == "not an experiment's"


@pytest.mark.parametrize("name", ["ABSOLUTE", "../../x", "a b", "", "x/y", ".."])
def test_1_an_experiment_name_is_a_plain_name(tmp_path, monkeypatch, name):
    # run from deep inside tmp_path, and an absolute name inside it: even a build that took
    # the name as a path would write nowhere outside tmp_path
    here = tmp_path / "a" / "b" / "c"
    here.mkdir(parents=True)
    monkeypatch.chdir(here)
    name = str(tmp_path / "elsewhere") if name == "ABSOLUTE" else name
    path = experiment(tmp_path, TINY.replace('name = "tiny"', f"name = {json.dumps(name)}"))
    one_error(["experiment", str(path), "--quiet"], 2, "name", "plain name")
    assert not (tmp_path / "elsewhere").exists() and not (tmp_path / "a" / "b" / "x").exists()


def test_1_a_manifest_cannot_point_outside_its_folder(tmp_path):
    out = tmp_path / "exp"
    path = experiment(tmp_path)
    assert (
        attempt(["experiment", str(path), "--out", str(out), "--workers", "1", "--quiet"]).code == 0
    )
    outside = tmp_path / "precious.txt"
    outside.write_text("keep")
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["written"] += ["../precious.txt", str(outside)]
    (out / "manifest.json").write_text(json.dumps(manifest))
    assert (
        attempt(["experiment", str(path), "--out", str(out), "--workers", "1", "--quiet"]).code == 0
    )
    assert outside.read_text() == "keep"


# ----------------------------------------------------------------------------- 2. run folders


def test_2_an_existing_out_is_refused_without_overwrite(tmp_path):
    out = tmp_path / "run"
    assert main(["run", str(SITE_C), "--days", "5", "--out", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    one_error(
        ["run", str(SITE_C), "--days", "6", "--seed", "2", "--out", str(out)], 2, "--overwrite"
    )
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert (
        main(["run", str(SITE_C), "--days", "6", "--seed", "2", "--out", str(out), "--overwrite"])
        == 0
    )
    assert is_run(out, seed=2, days=6)


def test_2_the_default_folder_is_the_tools_own_and_replaced(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(SITE_C), "--days", "3"]) == 0
    assert main(["run", str(SITE_C), "--days", "4"]) == 0
    assert is_run(tmp_path / "results" / "site_c-seed1", seed=1, days=4)


@pytest.mark.parametrize("name", ["thesis.tex", ".hidden.lock", ".run.partial"])
def test_2_overwrite_never_touches_a_folder_of_other_files(tmp_path, name):
    out = tmp_path / "mine"
    out.mkdir()
    (out / name).write_text("years of work")
    for extra in ([], ["--overwrite"]):
        one_error(["run", str(SITE_C), "--days", "3", "--out", str(out), *extra], 2, name)
    assert (out / name).read_text() == "years of work"


def _kill_during_write(out: Path, step: str, seed: int) -> None:
    """In a forked child: write a run and SIGKILL itself at ``step`` of the write path."""
    pid = os.fork()
    if pid == 0:  # the child
        try:
            real = {"rename": os.rename, "replace": os.replace, "unlink": Path.unlink}
            counter = {"n": 0}

            def killer(name):
                def call(*args, **kwargs):
                    counter["n"] += 1
                    if f"{name}{counter['n']}" == step or step == f"{name}*":
                        os.kill(os.getpid(), signal.SIGKILL)
                    return real[name](*args, **kwargs)

                return call

            os.rename = killer("rename")
            os.replace = killer("replace")
            result = runner.run(load_scenario(SITE_C), seed=seed, days=4 + seed)
            if step == "files":
                runner._write_json = lambda *a: os.kill(os.getpid(), signal.SIGKILL)
            runner.write(result, out, overwrite=True)
        finally:
            os._exit(0)
    deadline = time.monotonic() + 60
    while os.waitpid(pid, os.WNOHANG) == (0, 0):
        if time.monotonic() > deadline:  # never hang the suite on a stuck child
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail("the writing child neither finished nor died")
        time.sleep(0.01)


@pytest.mark.parametrize(
    "step", ["files", "rename1", "rename2", "replace1", "replace3", "replace5"]
)
@pytest.mark.parametrize("mount", [False, True])
def test_2_a_kill_at_any_step_of_the_write_never_leaves_a_mixed_folder(
    tmp_path, monkeypatch, step, mount
):
    out = tmp_path / "run"
    out.mkdir()
    if mount:  # as if out were a mounted volume: staged inside it, manifest put last
        monkeypatch.setattr(runner, "_is_mount_point", lambda p: Path(p) == out and out.is_dir())
    runner.write(runner.run(load_scenario(SITE_C), seed=1, days=5), out, overwrite=True)
    _kill_during_write(out, step, seed=2)
    if (out / "manifest.json").exists():
        seed = json.loads((out / "manifest.json").read_text())["seed"]
        assert is_run(out, seed=seed, days=4 + seed)  # the old run or the new, whole
    else:  # absent, or (mount) files without a manifest: never presented as a run
        with pytest.raises(Exception):  # noqa: B017
            is_run(out)
        one_error(["story", "1", "--run", str(out)], 2, "manifest.json")
    # the next write cleans up what the killed writer left and succeeds
    assert (
        main(["run", str(SITE_C), "--days", "3", "--seed", "3", "--out", str(out), "--overwrite"])
        == 0
    )
    assert is_run(out, seed=3, days=3)
    left = [
        p.name
        for p in (out if mount else tmp_path).iterdir()
        if ".partial-" in p.name or ".old-" in p.name
    ]
    assert not left


def test_2_sigkill_of_curtain_run_at_random_moments(tmp_path):
    """Real `curtain run` processes killed at spread-out moments over a previous run."""
    out = tmp_path / "run"
    assert main(["run", str(SITE_C), "--days", "200", "--seed", "1", "--out", str(out)]) == 0
    cmd = [sys.executable, "-m", "sim", "run", str(SITE_C), "--days", "200", "--out", str(out)]
    for i, delay in enumerate((1.0, 1.5, 1.9, 2.4)):
        proc = subprocess.Popen(
            [*cmd, "--seed", str(10 + i), "--overwrite"],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        time.sleep(delay)
        proc.kill()
        proc.wait()
        if out.exists() and (out / "manifest.json").exists():
            assert is_run(out, days=200)
        elif out.exists():
            pytest.fail(f"a folder without its manifest after a kill at {delay} s")
    assert main(["run", str(SITE_C), "--days", "2", "--out", str(out), "--overwrite"]) == 0
    assert is_run(out, seed=1, days=2)
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name or ".old-" in p.name]


def test_2_two_writers_at_once_leave_one_whole_run(tmp_path):
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "sim", "run", str(SITE_C), "--days", "120", "--out", str(out)]
    procs = [
        subprocess.Popen(
            [*cmd, "--seed", str(s), "--overwrite"],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for s in (1, 2, 3)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert "Traceback" not in err
    assert is_run(out, days=120)


def test_2_a_held_lock_is_waited_for_then_reported_in_one_line(tmp_path, monkeypatch):
    import fcntl

    out = tmp_path / "run"
    lock = tmp_path / ".run.lock"
    fd = os.open(lock, os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    monkeypatch.setattr(runner, "LOCK_WAIT_S", 0.3)
    try:
        one_error(["run", str(SITE_C), "--days", "3", "--out", str(out)], 1, "another curtain run")
    finally:
        os.close(fd)
    assert not out.exists()


# ----------------------------------------------------------------------------- 3. mount points


@pytest.fixture
def tmpfs(tmp_path):
    """Mount small tmpfs volumes (root only; skipped elsewhere); unmounted afterwards."""
    mounted = []

    def mount(name: str, size: str) -> Path:
        path = tmp_path / name
        path.mkdir()
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
            capture_output=True,
            check=False,
        )
        if done.returncode != 0:
            pytest.skip("cannot mount a tmpfs here")
        mounted.append(path)
        return path

    yield mount
    for path in mounted:
        subprocess.run(["umount", "-l", str(path)], check=False)


def test_3_out_on_a_mount_point_works(tmpfs):
    volume = tmpfs("volume", "20m")
    assert main(["run", str(SITE_C), "--days", "5", "--out", str(volume)]) == 0
    assert is_run(volume, seed=1, days=5)
    assert (
        main(
            ["run", str(SITE_C), "--days", "6", "--seed", "2", "--out", str(volume), "--overwrite"]
        )
        == 0
    )
    assert is_run(volume, seed=2, days=6)
    assert sorted(p.name for p in volume.iterdir()) == sorted(runner.OUTPUT_FILES)


def test_3_a_cross_device_rename_never_happens(tmp_path, monkeypatch):
    """Without root: rename refuses to cross from the parent into the 'volume'."""
    out = tmp_path / "volume"
    out.mkdir()
    real_rename, real_replace = os.rename, os.replace

    def device(path) -> int:
        return 2 if Path(path).resolve().is_relative_to(out) else 1

    def same_device(src, dst):
        if device(src) != device(dst):
            raise OSError(errno.EXDEV, "Invalid cross-device link", str(src))

    monkeypatch.setattr(runner, "_device", device)
    monkeypatch.setattr(os, "rename", lambda s, d: (same_device(s, d), real_rename(s, d))[1])
    monkeypatch.setattr(os, "replace", lambda s, d: (same_device(s, d), real_replace(s, d))[1])
    assert main(["run", str(SITE_C), "--days", "4", "--out", str(out)]) == 0
    assert is_run(out, days=4)


# ----------------------------------------------------------------------------- 4. disk full


def test_4_a_full_disk_is_one_line_and_nothing_is_written(tmpfs):
    small = tmpfs("small", "64k")
    one_error(
        ["run", str(SITE_C), "--days", "200", "--out", str(small / "r")],
        1,
        "No space left",
        "nothing was written",
    )
    assert list(small.iterdir()) == []


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS, errno.EACCES])
def test_4_operating_failures_are_one_line_exit_1(tmp_path, monkeypatch, code):
    out = tmp_path / "run"
    assert main(["run", str(SITE_C), "--days", "4", "--out", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def fail(table, where, *args, **kwargs):
        raise OSError(code, os.strerror(code), str(where))

    import pyarrow.parquet as pq

    monkeypatch.setattr(pq, "write_table", fail)  # `curtain run` writes through pyarrow
    one_error(
        ["run", str(SITE_C), "--days", "5", "--out", str(out), "--overwrite"], 1, os.strerror(code)
    )
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name]


def test_4_a_disk_full_while_consolidating_keeps_a_consistent_manifest(tmp_path, monkeypatch):
    import pyarrow.parquet as pq

    out = tmp_path / "exp"
    path = experiment(tmp_path)
    real = pq.ParquetWriter.write_table
    calls = {"n": 0}

    def full(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:  # runs.parquet fits, daily.parquet does not
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pq.ParquetWriter, "write_table", full)
    one_error(
        ["experiment", str(path), "--out", str(out), "--workers", "1", "--quiet"],
        1,
        "No space left",
        "--resume",
    )
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] is False
    assert manifest["runs"] == {"total": 2, "succeeded": 2, "failed": 0, "pending": 0}
    assert not (out / "runs.parquet").exists() and not (out / "daily.parquet").exists()
    monkeypatch.setattr(pq.ParquetWriter, "write_table", real)
    result = run_experiment(path, out, workers=1, resume=True)
    assert result.ran == 0 and len(result.runs) == 2


def test_4_a_full_disk_during_the_sweep_is_one_line(tmp_path, monkeypatch):
    from sim.experiments import store

    out = tmp_path / "exp"
    path = experiment(tmp_path)
    real = store._atomic_bytes

    def full(target, data):
        if "run-" in target.name:
            raise OSError(errno.ENOSPC, "No space left on device", str(target))
        return real(target, data)

    monkeypatch.setattr(store, "_atomic_bytes", full)
    one_error(
        ["experiment", str(path), "--out", str(out), "--workers", "1", "--quiet"],
        1,
        "No space left",
        "--resume",
    )
    assert json.loads((out / "manifest.json").read_text())["complete"] is False


# ----------------------------------------------------------------------------- 5. inf and nan


@pytest.mark.parametrize(
    "body",
    [
        "[stories]\nper_day = inf",
        "[audience]\nviews_per_story = inf",
        "[backstage]\nplan_delay_days_mean = inf",
        "[cast]\ncentral_after_days = inf",
        "[cast]\ncentral_after_days = -inf",
        "[stories]\nper_day = nan",
        "[patients]\np_raise_with_pals = nan",
    ],
)
def test_5_inf_and_nan_are_refused_alike(tmp_path, body):
    one_error(
        ["run", str(scenario(tmp_path, body)), "--days", "3", "--out", str(tmp_path / "o")],
        2,
        "finite number",
    )


def test_5_an_infinite_range_is_named_as_such(tmp_path):
    text = TINY.replace(
        'kind = "compare"',
        'kind = "lhs"\nsamples = 2\n'
        '[design.parameters]\n"stories.per_day" = { low = 1, high = inf }',
    )
    one_error(
        ["experiment", str(experiment(tmp_path, text)), "--quiet"], 2, "finite number, got inf"
    )


# ----------------------------------------------------------------------------- 6. upper bounds


@pytest.mark.parametrize(
    ("argv", "limit"),
    [
        (["--days", "1000000000"], "--limit days="),
        (["--set", "days=1000000000"], "--limit days="),
        (["--set", "cast.size=100000000", "--set", "cast.max_size=100000000"], "--limit cast="),
        (["--set", "organisation.services=100000000"], "--limit services="),
        (["--set", "stories.per_day=10000000"], "--limit per_day="),
        (["--set", "stories.per_day=5000", "--days", "3650"], "--limit stories="),
        (["--set", "effort.hours_generic=1e300"], "--limit number="),
    ],
)
def test_6_upper_bounds_are_refused_before_any_work(tmp_path, argv, limit):
    start = time.perf_counter()
    one_error(["run", str(SITE_C), *argv, "--out", str(tmp_path / "o")], 2, limit)
    assert time.perf_counter() - start < 5
    assert not (tmp_path / "o").exists()


def test_6_an_intervention_is_bounded_too(tmp_path):
    body = (
        '[[interventions]]\nday = 2\nset = { "cast.size" = 10000000, "cast.max_size" = 10000000 }'
    )
    one_error(
        ["run", str(scenario(tmp_path, body)), "--days", "3", "--out", str(tmp_path / "o")],
        2,
        "interventions[",
        "--limit cast=",
    )


def test_6_a_limit_can_be_raised(tmp_path):
    out = tmp_path / "o"
    argv = [
        "run",
        str(SITE_C),
        "--days",
        "2",
        "--set",
        "cast.size=100001",
        "--set",
        "cast.max_size=100001",
        "--out",
        str(out),
    ]
    one_error(argv, 2, "--limit cast=")
    assert main([*argv, "--limit", "cast=200000"]) == 0
    one_error([*argv, "--limit", "cast=inf"], 2, "--limit")
    one_error([*argv, "--limit", "bogus=3"], 2, "--limit")


@pytest.mark.parametrize(
    ("edit", "word"),
    [
        (("replications = 2", "replications = 1000000000"), "--limit replications="),
        (
            (
                'kind = "compare"',
                'kind = "factorial"\n[design.factors]\n'
                '"cast.size" = { low = 1, high = 100, num = 1000000000 }',
            ),
            "--limit points=",
        ),
        (
            (
                'kind = "compare"',
                'kind = "sobol"\nsamples = 1000000000\n[design.parameters]\n'
                '"cast.size" = { low = 1, high = 9 }\n"stories.per_day" = { low = 1, high = 9 }',
            ),
            "--limit samples=",
        ),
        (("days = 5\nreplications = 2", "days = 36000\nreplications = 5000"), "--limit run_days="),
        (("replications = 2", "replications = 99999"), "--limit runs="),
    ],
)
def test_6_sweeps_are_bounded_before_sampling(tmp_path, edit, word):
    text = TINY.replace(*edit)
    assert text != TINY
    if word == "--limit runs=":
        text = text.replace(
            'kind = "compare"',
            'kind = "factorial"\n[design.factors]\n'
            '"cast.size" = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]',
        )
    start = time.perf_counter()
    one_error(["experiment", str(experiment(tmp_path, text)), "--quiet"], 2, word)
    assert time.perf_counter() - start < 10


def test_6_ten_factors_of_ten_values_are_refused(tmp_path):
    fields = [
        "effort.hours_generic",
        "effort.hours_conversational",
        "effort.hours_liaison",
        "staff_time.hours_per_week",
        "staff_time.central_hours_per_week",
        "staff_time.manager_hours_per_week",
        "staff_time.headspace_hours_per_month",
        "backstage.hours_per_change",
        "identification.exposure",
        "scripting.improvisation_penalty",
    ]
    factors = "\n".join(f'"{f}" = [{", ".join(str(v / 10) for v in range(1, 11))}]' for f in fields)
    text = TINY.replace('kind = "compare"', f'kind = "factorial"\n[design.factors]\n{factors}')
    one_error(["experiment", str(experiment(tmp_path, text)), "--quiet"], 2, "--limit points=")


# ----------------------------------------------------------------------------- 7. special files


def test_7_devices_are_refused(tmp_path):
    one_error(["run", "/dev/zero", "--out", str(tmp_path / "o")], 2, "regular", "device")
    path = tmp_path / "s.toml"
    path.write_text('extends = "/dev/zero"\n')
    one_error(["run", str(path), "--out", str(tmp_path / "o")], 2, "/dev/zero", "device")


def test_7_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    path = tmp_path / "s.toml"
    path.write_text('extends = "pipe.toml"\n')
    one_error(["run", str(path), "--out", str(tmp_path / "o")], 2, "FIFO")
    one_error(["experiment", str(fifo)], 2, "FIFO")


def test_7_a_huge_file_is_refused(tmp_path):
    path = tmp_path / "big.toml"
    path.write_text("# " + "x" * 5_000_000 + "\n")
    one_error(["run", str(path), "--out", str(tmp_path / "o")], 2, "--limit file_bytes=")


# ----------------------------------------------------------------------------- 8. depth


def test_8_a_long_extends_chain_is_one_line(tmp_path):
    (tmp_path / "f0.toml").write_text(f'extends = "{SITE_C}"\n')
    for i in range(1, 1500):
        (tmp_path / f"f{i}.toml").write_text(f'extends = "f{i - 1}.toml"\n')
    one_error(
        ["run", str(tmp_path / "f1499.toml"), "--out", str(tmp_path / "o")],
        2,
        "extends",
        "--limit extends=",
    )


@pytest.mark.parametrize(
    "text",
    [
        "x = " + "[" * 50_000 + "]" * 50_000,
        "x = " + "{a = " * 5_000 + "1" + "}" * 5_000,
        "[" + ".".join(["a"] * 3_000) + "]\nb = 1",
        ".".join(["a"] * 3_000) + " = 1",
    ],
)
def test_8_deep_nesting_is_one_line(tmp_path, text):
    path = tmp_path / "deep.toml"
    path.write_text(text)
    one_error(["run", str(path), "--out", str(tmp_path / "o")], 2, "--limit depth=")
    one_error(["experiment", str(path)], 2, "--limit depth=")


def test_8_a_deep_dotted_set_is_refused_by_its_depth(tmp_path):
    key = "cast." + ".".join(["roles"] * 3_000)
    error = one_error(["run", str(SITE_C), "--set", f"{key}=1", "--out", str(tmp_path / "o")], 2)
    assert "--limit depth=" in error and len(error) < 400  # named by its depth, shortened


# ----------------------------------------------------------------------------- 9. tracebacks


def test_9_a_corrupt_run_folder_is_one_line(tmp_path):
    out = tmp_path / "run"
    assert main(["run", str(SITE_C), "--days", "5", "--out", str(out)]) == 0
    (out / "stories.parquet").write_bytes(b"PAR1 this is not parquet")
    one_error(["story", "1", "--run", str(out)], 2, "stories.parquet", "cannot be read")
    (out / "stories.parquet").write_bytes(b"")
    one_error(["story", "1", "--run", str(out)], 2, "stories.parquet")
    pd.DataFrame({"x": [1]}).to_parquet(out / "stories.parquet")
    one_error(["story", "1", "--run", str(out)], 2, "lacks the columns")
    out = tmp_path / "again"
    assert main(["run", str(SITE_C), "--days", "5", "--out", str(out)]) == 0
    (out / "manifest.json").write_text("{not json")
    one_error(["story", "1", "--run", str(out)], 2, "manifest.json cannot be read")


def test_9_stray_files_in_parts_are_ignored_on_resume(tmp_path):
    out = tmp_path / "exp"
    path = experiment(tmp_path)
    argv = ["experiment", str(path), "--out", str(out), "--workers", "1", "--quiet"]
    assert attempt(argv).code == 0
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["complete"] = False
    (out / "manifest.json").write_text(json.dumps(manifest))
    (out / "parts").mkdir()
    for name in ("run-abc.arrow", "run-.arrow", "notes.txt", "run-0000001.arrow.bak"):
        (out / "parts" / name).write_text("stray")
    assert attempt([*argv, "--resume"]).code == 0
    assert len(pd.read_parquet(out / "runs.parquet")) == 2
    assert (out / "parts" / "notes.txt").read_text() == "stray"  # not ours: left alone


# ----------------------------------------------------------------------------- 10. typing


@pytest.mark.parametrize(
    ("body", "word"),
    [
        ("days = true", "whole number"),
        ('[stories]\nper_day = "3"', "expected a number"),
        ("[stories]\nper_day = true", "expected a number"),
        ("days = 30.0", "whole number"),
        ("[organisation]\nservices = 2.0", "whole number"),
    ],
)
def test_10_no_bool_or_text_where_a_number_is_expected(tmp_path, body, word):
    one_error(
        ["run", str(scenario(tmp_path, body)), "--days", "3", "--out", str(tmp_path / "o")], 2, word
    )


def test_10_set_true_is_not_a_probability(tmp_path):
    one_error(
        [
            "run",
            str(SITE_C),
            "--set",
            "patients.p_raise_with_pals=true",
            "--out",
            str(tmp_path / "o"),
        ],
        2,
        "patients.p_raise_with_pals",
        "expected a number",
    )


def test_10_an_intervention_after_the_last_day_is_a_one_line_warning(tmp_path):
    result = attempt(["run", str(SITE_A), "--days", "10", "--out", str(tmp_path / "o")])
    assert result.code == 0
    warnings = [line for line in result.stderr.splitlines() if line]
    assert len(warnings) == 1 and warnings[0].startswith("curtain: warning:")
    assert "day 1580" in warnings[0] and "does not apply" in warnings[0]


def test_10_experiment_counts_are_strict(tmp_path):
    for edit in (("replications = 2", "replications = true"), ("days = 5", 'days = "5"')):
        one_error(
            ["experiment", str(experiment(tmp_path, TINY.replace(*edit))), "--quiet"],
            2,
            "whole number",
        )


# ----------------------------------------------------------------------------- 11. housekeeping


def test_11_stale_partials_of_dead_writers_are_cleaned(tmp_path):
    out = tmp_path / "run"
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    stale = tmp_path / f".run.partial-{dead}-deadbeef"
    stale.mkdir()
    (stale / "daily.parquet").write_text("half")
    alive = tmp_path / f".run.partial-{os.getpid()}-cafebabe"  # a live writer's: kept
    alive.mkdir()
    assert main(["run", str(SITE_C), "--days", "3", "--out", str(out)]) == 0
    assert not stale.exists() and alive.exists()


def test_11_a_previous_run_renamed_aside_by_a_killed_writer_is_restored(tmp_path):
    out = tmp_path / "run"
    assert main(["run", str(SITE_C), "--days", "3", "--out", str(out)]) == 0
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    os.rename(out, tmp_path / f".run.old-{dead}-0badf00d")
    one_error(["run", str(SITE_C), "--days", "4", "--out", str(out)], 2, "--overwrite")
    assert is_run(out, days=3)


def test_11_output_folders_have_normal_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        assert main(["run", str(SITE_C), "--days", "3", "--out", str(tmp_path / "run")]) == 0
    finally:
        os.umask(old)
    assert (tmp_path / "run").stat().st_mode & 0o777 == 0o755


@pytest.mark.parametrize("out", ["/", "~", "."])
def test_11_out_root_home_or_here_is_refused(out, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    target = os.path.expanduser(out)
    one_error(["run", str(SITE_C), "--days", "3", "--out", target], 2, "a folder of its own")
    if out != ".":  # an experiment may write its report into the current folder
        path = experiment(tmp_path)
        one_error(["experiment", str(path), "--out", target, "--quiet"], 2, "its own")
    assert not (tmp_path / "parts").exists() and not Path("/parts").exists()
