"""Hostile inputs for the command line: a runner with a time cap, hypothesis strategies and the
fixed corpus of bad inputs (``tests/corpus/bad_inputs.toml``), shared by ``test_fuzz.py``,
``test_hardening.py`` and the tally below.

The promise checked for every input: exit 0, or exactly one stderr line starting
``curtain: error:`` (other lines only ``curtain: warning:``) with exit 2 (a user's mistake)
or 1 (an operating failure); never a traceback; within a time cap (a hang is a failure).

Tally (the counts quoted in issue 14's closing note)::

    .venv/bin/python -m tests.hostile --examples 300
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import signal
import tempfile
import time
import tomllib
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
SITE_C = SCENARIOS / "site_c.toml"
CORPUS = Path(__file__).resolve().parent / "corpus" / "bad_inputs.toml"

#: Per-input time cap for the in-process runner (seconds).
TIME_CAP_S = 20.0
#: Limits every fuzzed run is given, so a valid-but-huge input costs seconds, not minutes.
FUZZ_LIMITS = ["--limit", "stories=5000", "--limit", "cast=6000", "--limit", "services=2000"]


class Hang(BaseException):
    """Raised by the alarm when an input runs past its time cap (not an Exception, so no
    ``except Exception`` in the code under test can swallow it)."""


@dataclass
class Attempt:
    argv: list[str]
    code: int | None
    stdout: str
    stderr: str
    traceback: str | None
    hang: bool
    seconds: float

    @property
    def lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]

    @property
    def errors(self) -> list[str]:
        return [line for line in self.lines if line.startswith("curtain: error:")]

    @property
    def error(self) -> str:
        return self.errors[0] if self.errors else ""

    @property
    def one_line_error(self) -> bool:
        others = [line for line in self.lines if not line.startswith("curtain: warning:")]
        return len(self.errors) == 1 and others == self.errors

    @property
    def kept_the_promise(self) -> bool:
        if self.traceback or self.hang:
            return False
        if self.code == 0:
            return not self.errors
        return self.code in (1, 2) and self.one_line_error

    def describe(self) -> str:
        what = "hang" if self.hang else "traceback" if self.traceback else f"exit {self.code}"
        return f"{what}: curtain {' '.join(self.argv)[:300]}\n{self.traceback or self.stderr}"


SENTINEL = "keep-me.txt"


@contextlib.contextmanager
def workdir() -> Any:
    """A temporary folder holding a file of the user's that no input may remove or change;
    yields (folder, check) where check() is True while the file is intact."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / SENTINEL).write_text("the user's own file")
        (folder / "other").mkdir()
        (folder / "other" / SENTINEL).write_text("the user's own file")

        def intact() -> bool:
            return all(
                (p / SENTINEL).is_file() and (p / SENTINEL).read_text() == "the user's own file"
                for p in (folder, folder / "other")
            )

        yield folder, intact


def attempt(argv: list[str], seconds: float = TIME_CAP_S) -> Attempt:
    """Run ``curtain ARGV`` in this process with a time cap; never raises."""
    from sim.cli import main

    def alarm(signum, frame):
        raise Hang

    out, err = io.StringIO(), io.StringIO()
    code: int | None = None
    tb = None
    hang = False
    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    start = time.perf_counter()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main([str(a) for a in argv])
    except Hang:
        hang = True
    except SystemExit as exc:  # argparse --help and the like
        code = exc.code if isinstance(exc.code, int) else 0
    except BaseException:
        tb = traceback.format_exc()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    return Attempt(
        list(map(str, argv)),
        code,
        out.getvalue(),
        err.getvalue(),
        tb,
        hang,
        time.perf_counter() - start,
    )


# ----------------------------------------------------------------------------- TOML writing


def toml_value(value: Any) -> str:
    """A value as TOML (inline tables and arrays); floats keep inf and nan."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{"
            + ", ".join(f"{json.dumps(str(k))} = {toml_value(v)}" for k, v in value.items())
            + "}"
        )
    raise TypeError(type(value))


def toml_document(data: dict[str, Any]) -> str:
    return "\n".join(f"{json.dumps(str(k))} = {toml_value(v)}" for k, v in data.items()) + "\n"


# ----------------------------------------------------------------------------- strategies


def _schema_paths() -> list[str]:
    from sim.scenario import schema_fields

    return [row["path"] for row in schema_fields()]


SCHEMA_PATHS = _schema_paths()

scalars = st.one_of(
    st.integers(min_value=-5, max_value=50),
    st.floats(min_value=-2, max_value=2, allow_nan=False),
    st.floats(min_value=0, max_value=1, allow_nan=False),
    st.sampled_from([0, 1, 2, 10**6, 10**7, 10**9, 10**18, 2**63 - 1, -(2**63)]),
    st.sampled_from([math.inf, -math.inf, math.nan, 1e300, -1e300, 5e-324, 1e6, 1e7, 0.0, -0.0]),
    st.booleans(),
    st.sampled_from(["3", "", "inf", "none", "central", "stage_directions", "../x", "a" * 500]),
    st.text(max_size=20),
)
values = st.one_of(
    scalars,
    st.lists(scalars, max_size=4),
    st.dictionaries(st.sampled_from(["a", "policy", "size", "day", "set"]), scalars, max_size=3),
)
field_paths = st.one_of(
    st.sampled_from(SCHEMA_PATHS),
    st.sampled_from(["days", "name", "extends", "inherit_interventions", "interventions"]),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz._", min_size=1, max_size=30),
)


def _schema_rows() -> list[dict[str, Any]]:
    from sim.scenario import schema_fields

    return [row for row in schema_fields() if row["kind"] in ("int", "float", "choice")]


SCHEMA_ROWS = _schema_rows()


@st.composite
def valid_value(draw, row: dict[str, Any]) -> Any:
    """A value the schema accepts for ``row``, often at an edge (min, max, tiny, large)."""
    if row["kind"] == "choice":
        return draw(st.sampled_from(list(row["choices"])))
    low = row["min"] if row["min"] is not None else -1e6
    if row["kind"] == "int":
        high = int(row["max"]) if row["max"] is not None else 3000
        return draw(st.one_of(st.sampled_from([int(low), high]), st.integers(int(low), high)))
    high = row["max"] if row["max"] is not None else 1e6
    edges = [v for v in (low, high, low + 1e-9, high - 1e-9, 1e-9, 0.5, 1.0) if low <= v <= high]
    return draw(st.one_of(st.sampled_from(edges), st.floats(low, high, allow_nan=False)))


@st.composite
def scenario_texts(draw) -> str:
    """Site C extended with a few fields set to anything: valid, out of range, inf, nan,
    bool, text, lists, tables; sometimes an intervention; sometimes plain junk."""
    kind = draw(st.sampled_from(["valid", "valid", "fields", "fields", "intervention", "junk"]))
    if kind == "junk":
        return draw(st.text(max_size=200))
    lines = [f"extends = {json.dumps(str(SITE_C))}"]
    if kind == "valid":
        rows = draw(
            st.lists(
                st.sampled_from(SCHEMA_ROWS), min_size=1, max_size=4, unique_by=lambda r: r["path"]
            )
        )
        sets = {row["path"]: draw(valid_value(row)) for row in rows}
    else:
        sets = draw(st.dictionaries(field_paths, values, min_size=1, max_size=3))
    if kind == "valid" and draw(st.booleans()):
        kind = "intervention"  # the same valid values, set mid-run
    if kind == "intervention":
        day = draw(st.one_of(st.integers(-3, 40), st.sampled_from([10**9, 1.5, True, "2"])))
        lines.append(f"interventions = [{{ day = {toml_value(day)}, set = {toml_value(sets)} }}]")
        lines.append("inherit_interventions = false")
    else:
        lines += [f"{_dotted(k)} = {toml_value(v)}" for k, v in sets.items()]
    return "\n".join(lines) + "\n"


def _dotted(key: str) -> str:
    """A dotted TOML key (each part quoted), so ``a.b`` sets table a's key b."""
    return ".".join(json.dumps(part) for part in key.split(".")) if key else '""'


EXPERIMENT_BASE: dict[str, Any] = {
    "name": "fuzz",
    "days": 3,
    "replications": 1,
    "base_seed": 1,
    "outcomes": ["response_rate"],
    "scenarios": [{"file": str(SITE_C), "set": {"cast.size": 10}}],
    "design": {"kind": "compare"},
}

designs = st.one_of(
    st.just({"kind": "compare"}),
    st.fixed_dictionaries(
        {
            "kind": st.just("factorial"),
            "factors": st.dictionaries(
                field_paths,
                st.one_of(
                    st.lists(scalars, max_size=3),
                    st.fixed_dictionaries({"low": scalars, "high": scalars, "num": scalars}),
                ),
                max_size=3,
            ),
        }
    ),
    st.fixed_dictionaries(
        {
            "kind": st.sampled_from(["lhs", "sobol", "morris", "bogus"]),
            "samples": scalars,
            "parameters": st.dictionaries(
                field_paths, st.fixed_dictionaries({"low": scalars, "high": scalars}), max_size=3
            ),
        }
    ),
)


@st.composite
def experiment_texts(draw) -> str:
    """The tiny experiment with one to three keys changed to anything, or junk."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.text(max_size=200))
    data = json.loads(json.dumps(EXPERIMENT_BASE))
    keys = draw(
        st.lists(
            st.sampled_from(
                [
                    "name",
                    "days",
                    "replications",
                    "base_seed",
                    "outcomes",
                    "scenarios",
                    "design",
                    "extra",
                ]
            ),
            min_size=1,
            max_size=3,
            unique=True,
        )
    )
    for key in keys:
        if key == "design":
            data["design"] = draw(designs)
        elif key == "scenarios":
            data["scenarios"] = draw(
                st.one_of(
                    st.just([]),
                    st.lists(
                        st.fixed_dictionaries(
                            {
                                "file": st.sampled_from(
                                    [str(SITE_C), "/dev/zero", "nope.toml", ""]
                                ),
                                "set": st.dictionaries(field_paths, values, max_size=2),
                            }
                        ),
                        max_size=2,
                    ),
                )
            )
        elif key == "name":
            data["name"] = draw(
                st.one_of(
                    st.text(max_size=30),
                    st.sampled_from(["/tmp/x", "../../x", "ok-name_1", "a" * 200, ".", ""]),
                )
            )
        else:
            data[key] = draw(values)
    return toml_document(data)


FLAG_VALUES = st.one_of(
    st.sampled_from(["1", "3", "0", "-1", "1e9", "1000000000", "abc", "", "3.5", "true", "nan"]),
    st.text(max_size=10),
)
COMMANDS = ["run", "story", "schema", "policies", "experiment", "compare", "sensitivity"]
PARSE_ONLY = ["validate", "calibrate", "odd", "dashboard"]  # given a bad flag: never start


@st.composite
def cli_argvs(draw, workdir: str) -> list[str]:
    """An argument list: a command, its usual flags with any values, and some noise."""
    command = draw(st.sampled_from(COMMANDS + PARSE_ONLY + ["bogus", "", "--version"]))
    argv = [command]
    if command in PARSE_ONLY:
        return [*argv, draw(st.sampled_from(["--bogus", "--reps", "--site=x"])), "--no-such-flag"]
    target = draw(
        st.sampled_from(
            [
                str(SITE_C),
                "/dev/null",
                "/dev/zero",
                workdir,
                "missing.toml",
                str(ROOT / "experiments" / "compare_cultures.toml"),
            ]
        )
    )
    if command in ("run", "experiment", "sensitivity"):
        argv.append(target)
    elif command == "compare":
        argv += [target, str(SITE_C)]
    elif command == "story":
        argv += [draw(FLAG_VALUES), "--run", draw(st.sampled_from([workdir, "/", "/dev/zero"]))]
    flags = {
        "run": ["--days", "--seed", "--set", "--limit"],
        "compare": ["--days", "--reps", "--seed", "--workers", "--limit"],
        "experiment": ["--workers", "--limit"],
        "sensitivity": ["--workers", "--limit"],
    }
    for flag in draw(st.lists(st.sampled_from(flags.get(command, ["--x"])), max_size=3)):
        argv += [flag, draw(FLAG_VALUES)]
    if command == "run":
        argv = [*argv[:2], "--days", "3", *argv[2:], "--out", str(Path(workdir) / "out")]
    if command in ("compare", "experiment", "sensitivity"):
        # bounded: a valid command here is still quick (and never writes outside workdir)
        argv = (
            [*argv[:3], "--days", "3", "--reps", "1", *argv[3:]] if command == "compare" else argv
        )
        argv += [
            "--out",
            str(Path(workdir) / "out"),
            "--quiet",
            "--workers",
            "1",
            "--limit",
            "runs=4",
            "--limit",
            "run_days=40",
        ]
    return argv + draw(st.sampled_from([[], [], ["--bogus"], ["--help"]]))


# ----------------------------------------------------------------------------- the corpus


def corpus() -> list[dict[str, Any]]:
    """The named bad inputs of ``tests/corpus/bad_inputs.toml``."""
    with CORPUS.open("rb") as f:
        return tomllib.load(f)["case"]


def corpus_argv(case: dict[str, Any], workdir: Path) -> list[str]:
    """Write a corpus case's file (if any) into ``workdir`` and return its argument list."""
    subs = {
        "{SITE_A}": str(SCENARIOS / "site_a.toml"),
        "{SITE_C}": str(SITE_C),
        "{ROOT}": str(ROOT),
        "{DIR}": str(workdir),
        "{OUT}": str(workdir / "out"),
    }

    def fill(text: str) -> str:
        for key, value in subs.items():
            text = text.replace(key, value)
        return text

    if "file" in case:
        body = fill(case["file"])
        if "repeat" in case:  # e.g. 50,000 nested brackets, written out here
            body = body.replace("{REPEAT}", case["repeat"][0] * case["repeat"][1])
            body = body.replace("{CLOSE}", case["repeat"][2] * case["repeat"][1])
        path = workdir / "case.toml"
        path.write_text(body, encoding="utf-8")
        subs["{FILE}"] = str(path)
    return [fill(a) for a in case["argv"]]


# ----------------------------------------------------------------------------- the tally


def tally(examples: int) -> dict[str, int]:
    """Run the corpus and ``examples`` generated inputs of each kind; count the outcomes."""
    from hypothesis import HealthCheck, given, settings

    counts = {
        "cases": 0,
        "exit 0": 0,
        "one-line errors": 0,
        "tracebacks": 0,
        "hangs": 0,
        "other broken promises": 0,
        "data lost": 0,
    }
    failures: list[str] = []

    def count(result: Attempt) -> None:
        counts["cases"] += 1
        if result.hang:
            counts["hangs"] += 1
        elif result.traceback:
            counts["tracebacks"] += 1
        elif result.code == 0 and not result.errors:
            counts["exit 0"] += 1
        elif result.kept_the_promise:
            counts["one-line errors"] += 1
        else:
            counts["other broken promises"] += 1
        if not result.kept_the_promise:
            failures.append(result.describe())

    for case in corpus():
        with workdir() as (tmp, intact):
            count(attempt(corpus_argv(case, tmp)))
            counts["data lost"] += not intact()

    def file_case(text: str, command: str) -> None:
        with workdir() as (tmp, intact):
            path = Path(tmp) / "f.toml"
            path.write_text(text, encoding="utf-8")
            argv = [command, str(path), "--out", str(Path(tmp) / "out")]
            if command == "run":
                argv += ["--days", "5", *FUZZ_LIMITS]
            else:
                argv += ["--quiet", "--workers", "1"]
            count(attempt(argv))
            counts["data lost"] += not intact()

    fuzz = settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    given(scenario_texts())(fuzz(lambda text: file_case(text, "run")))()
    given(experiment_texts())(fuzz(lambda text: file_case(text, "experiment")))()

    def cli_case(data) -> None:
        with workdir() as (tmp, intact):
            count(attempt(data.draw(cli_argvs(str(tmp)))))
            counts["data lost"] += not intact()

    given(st.data())(fuzz(cli_case))()
    for failure in failures[:20]:
        print(failure, "\n")
    return counts


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Count how hostile inputs are answered.")
    parser.add_argument("--examples", type=int, default=100, help="generated inputs per kind")
    args = parser.parse_args()
    os.chdir(tempfile.mkdtemp(prefix="curtain-tally-"))  # default outputs land here
    start = time.perf_counter()
    found = tally(args.examples)
    print(
        ", ".join(f"{k}: {v}" for k, v in found.items()), f"({time.perf_counter() - start:.0f} s)"
    )
