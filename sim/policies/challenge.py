"""Challenging poor replies against the guidelines (Site C).

"One of the things we've learnt in ten years is don't be afraid to challenge a poor
response"; "the guidelines were used to challenge staff who did not conform".
"""

from __future__ import annotations

from sim.policies.registry import CHALLENGE


class Challenge:
    name = ""

    def __init__(self, config):
        self.config = config

    def challenges(self, u: float) -> bool:
        """Whether a poor reply is challenged, from a uniform draw ``u``."""
        return False


@CHALLENGE.register("none")
class NoChallenge(Challenge):
    """Nobody challenges the approach ("few opportunities ... to challenge", Site A)."""

    label = "Nobody challenges replies"


@CHALLENGE.register("guidelines")
class Guidelines(Challenge):
    """A poor reply is challenged with probability ``p_challenge``.

    The challenged responder learns (``learning_gain``) and follows up with a conversational
    reply.
    """

    label = "Replies checked against guidelines"

    def challenges(self, u):
        return u < self.config.p_challenge
