"""Leadership priority: who is expected to answer, and with what authority (mechanisms 3, 5, 9).

Site C: "top-down pressures and local-level expectations to engage ... nudging hesitant
actors onstage". Sites A and B: engagement "was not driven by senior staff"; at Site B
"protecting organisational reputation was the core focus of communications staff", who own
the replies.
"""

from __future__ import annotations

from sim.policies.registry import LEADERSHIP


class Leadership:
    name = ""

    def __init__(self, config):
        self.config = config

    def expectation(self, role: str) -> float:
        """Expectation on a staff member of this role to take up stories (0 to 1)."""
        return 0.0

    def recruitment_drive(self) -> float:
        """Drive behind recruiting new responders to the cast (0 to 1)."""
        return 0.0

    def authority(self) -> float:
        """Backing for improvement work from feedback (0 to 1)."""
        return 0.0

    def fears_can_ease(self) -> bool:
        """Whether communications staff may learn the value of openness from experience."""
        return True


@LEADERSHIP.register("none")
class NoLeadership(Leadership):
    """Feedback is nobody's priority: only personal belief moves staff (Site A)."""

    label = "Nobody's priority"


@LEADERSHIP.register("reputation_first")
class ReputationFirst(Leadership):
    """Replies are a communications duty for reputation's sake (Site B).

    Communications staff are expected to answer with strength ``priority``; nobody else is;
    improvement work gets no backing from it, and reputation fears do not ease.
    """

    label = "A communications duty, for reputation"

    def expectation(self, role):
        return self.config.priority if role == "communications" else 0.0

    def fears_can_ease(self):
        return False


@LEADERSHIP.register("top_down")
class TopDown(Leadership):
    """Leaders expect everyone on the cast to answer and back the improvement work (Site C).

    ``priority`` sets the expectation on every responder, the drive behind recruitment and
    the authority behind plans.
    """

    label = "Leaders expect everyone to answer"

    def expectation(self, role):
        return self.config.priority

    def recruitment_drive(self):
        return self.config.priority

    def authority(self):
        return self.config.priority
