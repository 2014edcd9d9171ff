"""Cast list: who may answer, who is alerted to a story, and how the cast grows (mechanisms 1, 9).

"A team of over 890 staff able to monitor and respond to online patient feedback at site C,
in comparison to a maximum of two at sites A and B." Site C's communications manager: "feedback
responses were limited to three people... This has grown steadily as we have learnt the
value." Site B: "suggestions to include patient experience representatives were discounted".
"""

from __future__ import annotations

from sim.policies.registry import CAST


class CastPolicy:
    name = ""
    #: Whether every story waits in one inbox for the whole cast (no service inboxes).
    central_only = True

    def __init__(self, config):
        self.config = config

    def recruits(self, drive: float, openness: float, room: int, poisson) -> int:
        """How many staff join the cast this month."""
        return 0


@CAST.register("central")
class Central(CastPolicy):
    """A small central team answers everything; communications keep the gate (Sites A, B).

    Every story waits in one inbox that the whole cast works through; nobody is recruited.
    """

    label = "A small central team answers"


@CAST.register("distributed")
class Distributed(CastPolicy):
    """Responders spread across services; the central team recruits keen staff (Site C).

    A story waits first in its own service's inbox ("often by staff or teams closely
    associated with the care being discussed"), and after ``central_after_days`` in the
    central team's too. Each month a Poisson number joins: ``recruits_per_month`` scaled by
    leadership drive and by communications' openness, up to ``max_size``.
    """

    label = "Staff across services answer"

    central_only = False

    def recruits(self, drive, openness, room, poisson):
        if room <= 0:
            return 0
        mean = self.config.recruits_per_month * drive * openness
        return min(room, int(poisson(mean))) if mean > 0 else 0
