"""Backstage link: which routes carry an issue from a story to improvement work (mechanism 5).

"A transparent and conversational feedback response frontstage aligns with the ability to
better prioritise backstage improvement." At Site B "the teams were separate in personnel,
physical location and remit"; at Site A patient-informed improvement "lacked organisational
priority". Two routes exist: the public conversation itself, and an author who took up an
offline invitation (PALS).
"""

from __future__ import annotations

from sim.policies.registry import BACKSTAGE


class BackstageLink:
    name = ""

    def __init__(self, config):
        self.config = config

    def take_up_chance(self, public_conversation: bool, offline_contact: bool) -> float:
        """Chance an issue is taken up by improvement work, by the route it arrived on."""
        return 0.0


@BACKSTAGE.register("detached")
class Detached(BackstageLink):
    """No route from online feedback to improvement work (weak link, no capacity)."""

    label = "No route to improvement work"


@BACKSTAGE.register("separate_team")
class SeparateTeam(BackstageLink):
    """A patient experience team apart from the responders: only offline contacts reach it.

    Public replies are not passed on; an author who contacts PALS is taken up with
    ``p_take_up`` (Site B).
    """

    label = "A separate patient experience team"

    def take_up_chance(self, public_conversation, offline_contact):
        return self.config.p_take_up if offline_contact else 0.0


@BACKSTAGE.register("linked")
class Linked(BackstageLink):
    """Responders carry issues from their public conversations to improvement teams (Site C).

    Both routes are taken up with ``p_take_up``; issues from a public conversation also get
    the leverage of visibility when planned and worked on.
    """

    label = "Responders linked to improvement teams"

    def take_up_chance(self, public_conversation, offline_contact):
        return self.config.p_take_up if (public_conversation or offline_contact) else 0.0
