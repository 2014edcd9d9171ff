"""Culture levers as small policy objects, chosen by name from the scenario.

Each lever has its own module and registry (see :mod:`sim.policies.registry`). Policies hold
the parameters of their config section and make one kind of decision; they never touch a
story's state (that is :mod:`sim.lifecycle`'s job) and draw randomness only from the
generator they are handed.
"""

from sim.policies import (  # noqa: F401  (registers every policy)
    backstage,
    cast,
    challenge,
    escalation,
    identification,
    leadership,
    queue,
    scripting,
    staff_time,
    staging,
)
from sim.policies.registry import REGISTRIES, Registry

__all__ = ["REGISTRIES", "Registry"]
