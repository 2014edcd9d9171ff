from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from sim.runner import RunResult, run
from sim.scenario import Scenario, load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
SITES = ("site_a", "site_b", "site_c")


@cache
def site(name: str) -> Scenario:
    return load_scenario(SCENARIOS / f"{name}.toml")


@cache
def cached_run(name: str, seed: int = 1, days: int | None = None, **overrides) -> RunResult:
    """A site run shared between tests (runs are deterministic, so sharing is safe); by
    default the site's whole history."""
    scenario = site(name)
    if overrides:
        scenario = scenario.with_overrides({k.replace("__", "."): v for k, v in overrides.items()})
    return run(scenario, seed=seed, days=days)


@pytest.fixture
def site_scenario():
    return site
