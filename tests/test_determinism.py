"""Same scenario and seed: identical files, in one process or two. Other seeds differ."""

from __future__ import annotations

import subprocess
import sys

import pytest

from sim.runner import OUTPUT_FILES, run, write

from .conftest import SCENARIOS, site


@pytest.mark.parametrize("name", ["site_a", "site_b", "site_c"])
def test_same_seed_same_files(tmp_path, name):
    scenario = site(name)
    first = write(run(scenario, seed=7, days=120), tmp_path / "first")
    second = write(run(scenario, seed=7, days=120), tmp_path / "second")
    for filename in OUTPUT_FILES:
        assert (first / filename).read_bytes() == (second / filename).read_bytes(), filename


def test_different_seeds_differ():
    a = run(site("site_c"), seed=1, days=120)
    b = run(site("site_c"), seed=2, days=120)
    assert not a.daily.equals(b.daily)
    assert not a.stories.equals(b.stories)
    assert a.summary != b.summary


def test_same_seed_same_files_across_processes(tmp_path):
    outs = []
    for label in ("one", "two"):
        out = tmp_path / label
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "sim",
                "run",
                str(SCENARIOS / "site_b.toml"),
                "--days",
                "90",
                "--seed",
                "3",
                "--out",
                str(out),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        outs.append(out)
    for filename in OUTPUT_FILES:
        assert (outs[0] / filename).read_bytes() == (outs[1] / filename).read_bytes(), filename


def test_run_does_not_touch_global_random_state():
    """Every draw comes from the model's own generators, never the global ones."""
    import random

    import numpy as np

    legacy = np.random  # the global state this test guards; the model must not use it
    random.seed(123)
    legacy.seed(123)
    expected = (random.random(), legacy.random())
    random.seed(123)
    legacy.seed(123)
    run(site("site_a"), seed=1, days=60)
    assert (random.random(), legacy.random()) == expected
