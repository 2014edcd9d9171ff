"""Escalation: reminders to managers and board review of response times (mechanism 3).

Site C guidelines: "Postings with no responses will be followed up by the involvement team or
the communications team who will forward a reminder to general managers including heads of
service (if necessary). The Trust board discusses Care Opinion response times reported in the
monthly patient voice report." A general manager: "despite the reminders they haven't done
it ... so then I will get involved".
"""

from __future__ import annotations

from sim.policies.registry import ESCALATION


class Escalation:
    name = ""
    reminds = False

    def __init__(self, config):
        self.config = config

    def board_reviews(self, day: int) -> bool:
        """Whether the board reviews response times at the start of ``day``."""
        return False

    def pressure(self, late_share: float) -> float:
        """Expectation a board review adds, given the share of stories answered late."""
        return 0.0


@ESCALATION.register("none")
class NoEscalation(Escalation):
    """Nobody follows up unanswered stories (Sites A and B)."""

    label = "Nobody follows up"


@ESCALATION.register("reminders")
class Reminders(Escalation):
    """Reminders to the service's manager after ``reminder_after_days``, and board reviews.

    A reminded manager answers themselves with probability ``p_manager_steps_in`` (if they have
    the time) and otherwise nudges the alerted staff to look again; reminders repeat up to
    ``max_reminders``. Every ``board_review_interval_days`` the board sees the share of the
    period's stories answered late, which adds ``board_pressure_gain`` times that share to
    every responder's expectation until the next review.
    """

    label = "Reminders to managers"
    reminds = True

    def board_reviews(self, day):
        interval = self.config.board_review_interval_days
        return interval > 0 and day > 0 and day % interval == 0

    def pressure(self, late_share):
        return self.config.board_pressure_gain * late_share
