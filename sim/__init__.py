"""Curtain: an agent-based model of how healthcare organisations respond to online patient
feedback, front and backstage (after Ramsey et al. 2023, "A glimpse behind the organisational
curtain").

    from sim import load_scenario, run
    result = run(load_scenario("scenarios/site_c.toml"), seed=1)
    result.summary["response_rate"]
"""

from sim.errors import CurtainError, ScenarioError
from sim.model import CurtainModel
from sim.runner import RunResult, run, simulate
from sim.scenario import Scenario, load_scenario

__all__ = [
    "CurtainError",
    "CurtainModel",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "run",
    "simulate",
]
