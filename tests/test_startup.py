"""Start-up budget: what each entry point imports, checked by module name, not wall clock.

Timings on a shared 2-core machine vary two-fold; the modules a command imports do not. Each
check runs a fresh interpreter and lists its ``sys.modules``, so earlier tests' imports cannot
hide a regression. The wall-clock figures are measured by ``benchmarks/bench_cli.py``.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from sim.mesa_core import DEFERRED_PACKAGES

#: Heavy packages `curtain --help` must not import (each costs 0.1-0.6 s here). ``mesa``
#: and ``mesa.experimental`` are registered by ``import sim`` but not executed (sim.mesa_core):
#: no other ``mesa.`` module may be loaded.
HEAVY = ("numpy", "pandas", "pyarrow", "scipy", "networkx", "matplotlib", "pydantic", "mesa.")
#: Parts of Mesa a run does not use, and what they pull in.
NOT_ON_A_RUN = (
    "scipy",
    "networkx",
    "matplotlib",
    "mesa.discrete_space",
    "mesa.space",
    "mesa.batchrunner",
    "mesa.datacollection",
    "mesa.experimental.devs",
)


def imported_by(code: str) -> set[str]:
    """Every module a fresh interpreter holds after running ``code``."""
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint(*sys.modules, sep=chr(10))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(out.stdout.split())


def loaded(names: set[str], package: str) -> bool:
    """Whether ``package`` (or, for ``"mesa."``, any module inside it) is among ``names``."""
    if package.endswith("."):
        return any(n.startswith(package) for n in names - set(DEFERRED_PACKAGES))
    return any(n == package or n.startswith(package + ".") for n in names)


def test_help_imports_no_heavy_package():
    names = imported_by(
        "from contextlib import redirect_stdout\nfrom io import StringIO\n"
        "from sim.cli import main\n"
        "with redirect_stdout(StringIO()):\n"
        "    try:\n        main(['--help'])\n    except SystemExit:\n        pass"
    )
    assert "sim.cli" in names and "sim.experiments.cli" in names  # the parser was built
    assert [p for p in HEAVY if loaded(names, p)] == []
    assert "importlib.metadata" not in names  # --version reads it only when asked


def test_import_sim_is_cheap_and_names_load_on_use():
    assert [p for p in HEAVY if loaded(imported_by("import sim"), p)] == []
    names = imported_by("import sim; sim.run")
    assert "sim.runner" in names and "sim.model" in names


def test_a_run_imports_only_mesas_core():
    names = imported_by("import sim.runner, sim.model")
    assert "mesa.agent" in names and "mesa.model" in names
    assert [p for p in NOT_ON_A_RUN if loaded(names, p)] == []


def test_roles_are_mesa_agents_and_the_model_a_mesa_model():
    code = (
        "import sim.model, sim.agents, mesa, mesa.agent, mesa.model\n"
        "assert mesa.Agent is mesa.agent.Agent and mesa.Model is mesa.model.Model\n"
        "assert issubclass(sim.model.CurtainModel, mesa.Model)\n"
        "for cls in sim.agents.ROLE_CLASSES.values():\n"
        "    assert issubclass(cls, mesa.Agent), cls\n"
        "from sim.scenario import load_scenario\n"
        "m = sim.model.CurtainModel(load_scenario('scenarios/site_c.toml'), seed=1)\n"
        "assert isinstance(m, mesa.Model) and len(m.agents) > 0\n"
        "assert all(isinstance(a, mesa.Agent) for a in m.agents)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_rest_of_mesa_completes_on_first_use():
    code = (
        "import sim.model, sys, mesa\n"
        "from sim import mesa_core\n"
        "assert mesa_core.is_deferred('mesa')\n"
        "assert mesa.__version__.startswith('3.')\n"
        "assert not mesa_core.is_deferred('mesa')\n"
        "from mesa import DataCollector, batch_run\n"
        "from mesa.experimental import devs\n"
        "import mesa.discrete_space, mesa.agent\n"
        "assert mesa.Agent is mesa.agent.Agent\n"
        "assert 'Agent' in mesa.__all__ and mesa.space and mesa.experimental.meta_agents\n"
        "try:\n    mesa.no_such_name\nexcept AttributeError:\n    pass\n"
        "else:\n    raise SystemExit('no AttributeError')\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_mesa_imported_first_is_left_alone():
    code = (
        "import mesa, scipy\n"
        "import sim.model\n"
        "from sim import mesa_core\n"
        "assert not mesa_core.is_deferred('mesa')\n"
        "assert issubclass(sim.model.CurtainModel, mesa.Model)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("name", ["CurtainModel", "run", "load_scenario", "Scenario"])
def test_public_names_resolve(name):
    import sim

    assert name in dir(sim)
    assert getattr(sim, name) is not None
    with pytest.raises(AttributeError):
        sim.no_such_name  # noqa: B018
