"""Cast list: who may answer, who is alerted to a story, and how the cast grows (mechanisms 1, 9).

"A team of over 890 staff able to monitor and respond to online patient feedback at site C,
in comparison to a maximum of two at sites A and B." Site C's communications manager: "feedback
responses were limited to three people... This has grown steadily as we have learnt the
value." Site B: "suggestions to include patient experience representatives were discounted".
"""

from __future__ import annotations

from typing import Any

from sim.policies.registry import CAST


def _rotation(members: list[Any], k: int, u: float) -> list[Any]:
    """Up to ``k`` distinct members, starting at a uniformly drawn position.

    Member lists are kept in random order, so a rotation from a random start is a random
    choice without the cost of sampling. The members are a list (a slice is already a new
    list: no further copy is needed).
    """
    n = len(members)
    if n <= k:
        return list(members)
    start = int(u * n)
    end = start + k
    if end <= n:
        return members[start:end]
    return members[start:] + members[: end - n]


class CastPolicy:
    name = ""

    def __init__(self, config):
        self.config = config

    def candidates(self, cast, service: int, u: float) -> list:
        """The members of ``cast`` (a CastList) alerted to a story about ``service``."""
        raise NotImplementedError

    def recruits(self, drive: float, openness: float, room: int, poisson) -> int:
        """How many staff join the cast this month."""
        return 0


@CAST.register("central")
class Central(CastPolicy):
    """A small central team answers everything; communications keep the gate (Sites A, B).

    Every story alerts ``alerts_per_story`` members of the whole cast; nobody is recruited.
    """

    label = "A small central team answers"

    def candidates(self, cast, service, u):
        return _rotation(cast.members, self.config.alerts_per_story, u)


@CAST.register("distributed")
class Distributed(CastPolicy):
    """Responders spread across services; the central team recruits keen staff (Site C).

    A story alerts staff in its own service first ("often by staff or teams closely
    associated with the care being discussed"), then the central team. Each month a
    Poisson number joins: ``recruits_per_month`` scaled by leadership drive and by
    communications' openness, up to ``max_size``.
    """

    label = "Staff across services answer"

    def candidates(self, cast, service, u):
        k = self.config.alerts_per_story
        chosen = _rotation(cast.local[service], k, u)
        if len(chosen) < k and cast.central:
            chosen += _rotation(cast.central, k - len(chosen), u)
        return chosen

    def recruits(self, drive, openness, room, poisson):
        if room <= 0:
            return 0
        mean = self.config.recruits_per_month * drive * openness
        return min(room, int(poisson(mean))) if mean > 0 else 0
