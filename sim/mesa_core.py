"""Import Mesa's core (``mesa.Agent``, ``mesa.Model``) without the rest of Mesa's package.

Curtain's agents are real :class:`mesa.Agent` objects and its model a real :class:`mesa.Model`,
but nothing else of Mesa is used on a run's path. Mesa's package ``__init__`` (3.5) imports
every subpackage: the grids and networks of ``mesa.discrete_space`` (scipy.spatial,
networkx), ``mesa.experimental`` (continuous space, devs, meta agents), ``batch_run`` and the
``DataCollector``. Measured with ``python -X importtime -c "import mesa"``, that is about
1 s, of which ``mesa.agent`` and ``mesa.model`` themselves need about a third (mostly pandas,
which ``mesa.agent`` imports).

:func:`install` (called by ``import sim``) registers the ``mesa`` and ``mesa.experimental``
packages *before* their ``__init__`` runs: each is a module made from the package's own
import spec, so ``__path__``, ``__file__`` and ``__spec__`` are Mesa's, and nothing is
imported yet. Each gets a module ``__getattr__`` (PEP 562):

- ``mesa.Agent`` and ``mesa.Model`` import just ``mesa.agent`` / ``mesa.model`` (through the
  normal import system) and return their classes, the very objects a full import gives;
- any other attribute (``mesa.DataCollector``, ``from mesa import batch_run``,
  ``mesa.__version__``) first runs the package's real ``__init__`` in place, then answers as
  usual;
- submodules (``import mesa.visualization``) import normally at any time.

Mesa's core modules (``mesa.agent`` and the data recorders ``mesa.model`` imports) import
pandas at their top but use it only inside functions Curtain never calls
(``Agent.create_agents``, ``from_dataframe``, the recorders' ``get_table_dataframe``). While
they are imported, ``pandas`` is a stand-in (:class:`_ImportedOnUse`, only if pandas is not
imported yet): the first attribute read on it imports the real pandas and answers from it,
so those functions work unchanged; and it is taken out of ``sys.modules`` right after, so
any other ``import pandas`` is the ordinary one. A run, which writes its files through
pyarrow (:mod:`sim.columnar`), so starts without pandas (about a third of a one-year run's
start-up).

If Mesa is already imported, :func:`install` does nothing. If the core cannot be imported
on its own (a future Mesa laid out differently), the package's ``__init__`` is run and the
name taken from it, so the price of a surprise is start-up time, never a broken model.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager

#: Packages whose ``__init__`` is deferred, outermost first.
DEFERRED_PACKAGES = ("mesa", "mesa.experimental")
#: Names of the ``mesa`` package served from one core module without running its ``__init__``.
CORE = {"Agent": "mesa.agent", "Model": "mesa.model"}
#: Packages Mesa's core modules import but use only inside functions Curtain never calls.
IMPORTED_ON_USE = ("pandas",)


class _ImportedOnUse(types.ModuleType):
    """Stands for a package while Mesa's core is imported; the first attribute read imports
    the real package (the stand-in is out of ``sys.modules`` by then) and answers from it."""

    def __getattr__(self, attribute: str):
        if attribute.startswith("__"):  # the import system's questions (__spec__, __path__)
            raise AttributeError(attribute)
        if sys.modules.get(self.__name__) is self:  # asked while still standing in
            del sys.modules[self.__name__]
        return getattr(importlib.import_module(self.__name__), attribute)


@contextmanager
def _stand_ins() -> Iterator[None]:
    """:class:`_ImportedOnUse` in ``sys.modules`` for each package not imported yet."""
    placed = {}
    for name in IMPORTED_ON_USE:
        if name not in sys.modules:
            placed[name] = sys.modules[name] = _ImportedOnUse(name)
    try:
        yield
    finally:
        for name, stand_in in placed.items():
            if sys.modules.get(name) is stand_in:
                del sys.modules[name]


def install() -> None:
    """Defer Mesa's package ``__init__`` until something beyond ``Agent``/``Model`` is used."""
    if any(name in sys.modules for name in DEFERRED_PACKAGES):
        return
    for name in DEFERRED_PACKAGES:
        try:
            _register_deferred(name, CORE if name == "mesa" else {})
        except ImportError:  # not installed, or not a package: leave it to the plain import
            return


def is_deferred(name: str = "mesa") -> bool:
    """Whether the package ``name`` is registered and its ``__init__`` has not run yet."""
    module = sys.modules.get(name)
    return module is not None and getattr(module.__dict__.get("__getattr__"), "_deferred", False)


def _register_deferred(name: str, core: dict[str, str]) -> None:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        raise ImportError(f"{name} is not an importable package")
    package = importlib.util.module_from_spec(spec)

    def run_init() -> None:
        if package.__dict__.get("__getattr__") is deferred_getattr:
            del package.__dict__["__getattr__"]
            spec.loader.exec_module(package)

    def deferred_getattr(attribute: str):
        if attribute in core:
            try:
                with _stand_ins():
                    value = getattr(importlib.import_module(core[attribute]), attribute)
            except ImportError:
                run_init()
                value = package.__dict__[attribute]
            setattr(package, attribute, value)
            return value
        run_init()
        try:
            return package.__dict__[attribute]
        except KeyError:
            raise AttributeError(f"module {name!r} has no attribute {attribute!r}") from None

    deferred_getattr._deferred = True
    package.__getattr__ = deferred_getattr
    sys.modules[name] = package
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, package)


def register(model, agents: list) -> None:
    """Register a batch of new agents with ``model``, as ``mesa.Agent.__init__`` does for one.

    Each agent gets the next ``unique_id`` in list order and joins ``model.agents`` and
    ``model.agents_by_type``, so the model afterwards is exactly as if each had been created
    through ``Agent.__init__`` in turn. Mesa's own path costs about 1.5 us an agent (a
    signal wrapper, a debug message formatted whether or not it is logged, two set
    insertions); a model that admits thousands of patients a year registers each day's in one
    step here. The agents' ``__init__`` must set ``model`` and ``pos`` and leave registration
    to this function. Mesa's ``AGENT_ADDED`` signal is not sent for the batch: Curtain observes
    no Mesa signals. Should Mesa's registry be laid out differently (a future version), each
    agent goes through ``model.register_agent`` instead: slower, never wrong.
    """
    try:
        everyone = model._all_agents._agents
        by_type = model._agents_by_type
        laid_out = (
            isinstance(everyone, dict)
            and isinstance(model.agent_id_counter, int)
            and all(isinstance(getattr(s, "_agents", None), dict) for s in by_type.values())
        )
    except AttributeError:
        laid_out = False
    if not laid_out:
        for agent in agents:
            model.register_agent(agent)
    else:
        counter = model.agent_id_counter
        for agent in agents:
            of_kind = by_type.get(type(agent))
            if of_kind is None:  # the first of its kind: Mesa builds the kind's agent set
                model.agent_id_counter = counter
                model.register_agent(agent)
                counter = model.agent_id_counter
                continue
            agent.unique_id = counter
            counter += 1
            everyone[agent] = None
            of_kind._agents[agent] = None
        model.agent_id_counter = counter
    for kind in set(map(type, agents)):
        for dataset in getattr(kind, "_datasets", ()):  # Mesa's data registry, if it tracks them
            for agent in agents:
                if type(agent) is kind:
                    model.data_registry[dataset].add_agent(agent)
