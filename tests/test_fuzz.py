"""Fuzzing the command line (issue 14): generated scenario files, experiment files and
argument lists, valid and invalid, and a fixed corpus of named bad inputs.

Every input must end in exit 0, or exactly one stderr line `curtain: error: ...` with exit 2
(a user's mistake) or 1 (an operating failure); never a traceback; within a time cap, and
(for the inputs run in a subprocess) a memory cap. Hypothesis runs derandomised with a bounded
number of examples, so the suite is repeatable and takes well under a minute.
"""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .hostile import (
    FUZZ_LIMITS,
    ROOT,
    SITE_C,
    attempt,
    cli_argvs,
    corpus,
    corpus_argv,
    experiment_texts,
    scenario_texts,
    workdir,
)

FUZZ = settings(
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
CASES = corpus()


def promise_kept(result) -> None:
    assert result.kept_the_promise, result.describe()


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_corpus(case):
    with workdir() as (tmp, intact):
        result = attempt(corpus_argv(case, tmp))
        assert intact(), "a file of the user's was removed or changed"
    promise_kept(result)
    assert result.code == case["code"], result.describe()
    assert case["expect"] in result.error, result.describe()


def test_the_corpus_is_large_and_named():
    assert len(CASES) >= 100
    assert len({c["name"] for c in CASES}) == len(CASES)


def _file_case(text: str, command: str) -> None:
    with workdir() as (tmp, intact):
        path = tmp / "f.toml"
        path.write_text(text, encoding="utf-8")
        argv = [command, str(path), "--out", str(Path(tmp) / "out")]
        if command == "run":
            argv += ["--days", "5", *FUZZ_LIMITS]
        else:
            argv += ["--quiet", "--workers", "1"]
        promise_kept(attempt(argv))
        assert intact(), "a file of the user's was removed or changed"


@settings(FUZZ, max_examples=80)
@given(scenario_texts())
def test_fuzzed_scenario_files(text):
    _file_case(text, "run")


@settings(FUZZ, max_examples=30)
@given(experiment_texts())
def test_fuzzed_experiment_files(text):
    _file_case(text, "experiment")


@settings(FUZZ, max_examples=80)
@given(st.data())
def test_fuzzed_argument_lists(data):
    with workdir() as (tmp, intact):
        promise_kept(attempt(data.draw(cli_argvs(str(tmp)))))
        assert intact(), "a file of the user's was removed or changed"


# ----------------------------------------------------------------------------- subprocesses

MEMORY_CAP = 2 * 1024**3


def _capped() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


@pytest.mark.parametrize(
    "args",
    [
        ["run", "/dev/zero"],
        ["run", str(SITE_C), "--days", "1000000000"],
        ["run", str(SITE_C), "--set", "cast.size=100000000"],
        ["run", str(SITE_C), "--set", "stories.per_day=1e7"],
        ["run", "FIFO"],
    ],
    ids=["dev-zero", "days-1e9", "cast-1e8", "per-day-1e7", "fifo"],
)
def test_a_real_process_answers_in_one_line_within_time_and_memory(tmp_path, args):
    import os

    if "FIFO" in args:
        os.mkfifo(tmp_path / "pipe.toml")
        args = [a.replace("FIFO", str(tmp_path / "pipe.toml")) for a in args]
    done = subprocess.run(
        [sys.executable, "-m", "sim", *args, "--out", str(tmp_path / "out")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=_capped,
        check=False,
    )
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2, done.stderr
    assert len(lines) == 1 and lines[0].startswith("curtain: error:"), done.stderr
