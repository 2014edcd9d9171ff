"""Curtain: an agent-based model of how healthcare organisations respond to online patient
feedback, front and backstage (after Ramsey et al. 2023, "A glimpse behind the organisational
curtain").

    from sim import load_scenario, run
    result = run(load_scenario("scenarios/site_c.toml"), seed=1)
    result.summary["response_rate"]

``import sim`` is cheap: the model, runner and scenario schema (Mesa, pandas, pydantic) are
imported the first time one of the names below is used (PEP 562), so `curtain --help` starts
without them. Mesa is imported through :mod:`sim.mesa_core`, which leaves out the parts of
Mesa that Curtain does not use.
"""

from importlib import import_module

from sim import mesa_core
from sim.errors import CurtainError, ScenarioError

mesa_core.install()

#: Where each public name lives; imported on first use.
_LAZY = {
    "CurtainModel": "sim.model",
    "RunResult": "sim.runner",
    "run": "sim.runner",
    "simulate": "sim.runner",
    "Scenario": "sim.scenario",
    "load_scenario": "sim.scenario",
}

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


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
