"""Identification: who wears the mask (Ramsey et al. 2023, "Who gets to wear the mask?").

Sites A and B signed off "ambiguously from the hospital"; Site C "encouraged staff to
identify themselves individually". Named replies earn the audience's trust and the
author's, but expose the responder, who needs ``exposure`` more confidence for a bespoke
reply.
"""

from __future__ import annotations

from sim.policies.registry import IDENTIFICATION


class Identification:
    name = ""
    named = False

    def __init__(self, config):
        self.config = config

    @property
    def exposure(self) -> float:
        return self.config.exposure if self.named else 0.0


@IDENTIFICATION.register("anonymous")
class Anonymous(Identification):
    """Replies signed by the organisation ("the Trust", "[X] Hospital")."""

    label = "Signed by the Trust"
    named = False


@IDENTIFICATION.register("named")
class Named(Identification):
    """Replies signed by the staff member with their role (Site C profiles)."""

    label = "Signed by name and role"
    named = True
