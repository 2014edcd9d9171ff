"""``gc.freeze`` (sim.runner.freeze_imports) changes when garbage is collected, never what a
run computes."""

from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT

#: Runs one site in a fresh interpreter, frozen or not, and prints its tables as CSV.
RUN = """
import sys
from sim.runner import freeze_imports, run
from sim.scenario import load_scenario
if sys.argv[1] == "frozen":
    freeze_imports()
result = run(load_scenario("scenarios/site_b.toml"), seed=3, days=120)
for frame in (result.daily, result.stories, result.events):
    print(frame.to_csv(index=False))
print(sorted(result.summary.items()))
"""


def tables_as_text(mode: str) -> str:
    return subprocess.run(
        [sys.executable, "-c", RUN, mode], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout


def test_frozen_heap_gives_the_same_run():
    plain, frozen = tables_as_text("plain"), tables_as_text("frozen")
    assert len(plain) > 10_000
    assert plain == frozen


def test_only_the_first_call_freezes():
    code = (
        "import gc\n"
        "from sim.runner import freeze_imports\n"
        "at_start = gc.get_freeze_count()\n"
        "freeze_imports(); first = gc.get_freeze_count()\n"
        "junk = [[i] for i in range(1000)]\n"
        "freeze_imports()\n"
        "assert first > at_start + 10_000, (at_start, first)\n"
        "assert gc.get_freeze_count() == first, (first, gc.get_freeze_count())\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
