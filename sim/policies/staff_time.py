"""Staff time for feedback work (mechanism 1).

Site A: "online feedback being something they felt they did not have time to consider";
Site C provided "permission for 'headspace' (dedicated time)".
"""

from __future__ import annotations

from sim.policies.registry import STAFF_TIME


class StaffTime:
    name = ""

    def __init__(self, config):
        self.config = config

    def weekly_hours(self, u: float, hours: float) -> float:
        """Hours available this week, from a uniform draw ``u`` and the allowance ``hours``."""
        raise NotImplementedError


@STAFF_TIME.register("protected")
class Protected(StaffTime):
    """The allowance is protected every week."""

    label = "Protected time"

    def weekly_hours(self, u, hours):
        return hours


@STAFF_TIME.register("squeezed")
class Squeezed(StaffTime):
    """Feedback work fits round other work: a week is lost with probability ``p_squeezed_week``."""

    label = "Time squeezed by other work"

    def weekly_hours(self, u, hours):
        return 0.0 if u < self.config.p_squeezed_week else hours
