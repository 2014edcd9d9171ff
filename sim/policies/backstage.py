"""Backstage link: how strongly each route carries an issue to improvement work (mechanism 5).

"A transparent and conversational feedback response frontstage aligns with the ability to
better prioritise backstage improvement." At Site B "the teams were separate in personnel,
physical location and remit"; at Site A patient-informed improvement "lacked organisational
priority". Four routes reach improvement work, each with its own take-up rate in the
scenario (``backstage.p_take_up_*``):

- **public**: a responder carries the issue from a conversation kept in public;
- **offline**: an author who accepted an invitation to PALS;
- **pals**: an author who raised it through PALS or complaints anyway;
- **feed**: an improvement team reading the feed picks it up on its own.

A link policy scales those rates; no policy sets a route to zero. That changing only the
frontstage is not enough (mechanism 10) has to come out of the rates, not out of a switch.
"""

from __future__ import annotations

from sim.policies.registry import BACKSTAGE
from sim.story import ROUTE_FEED, ROUTE_OFFLINE, ROUTE_PALS, ROUTE_PUBLIC


class BackstageLink:
    name = ""

    def __init__(self, config):
        self.config = config
        c = config
        base = {
            ROUTE_PUBLIC: c.p_take_up_public,
            ROUTE_OFFLINE: c.p_take_up_offline,
            ROUTE_PALS: c.p_take_up_pals,
            ROUTE_FEED: c.p_take_up_feed,
        }
        self.chances = {route: p * self.factor(route) for route, p in base.items()}

    def factor(self, route: int) -> float:
        """Share of the route's take-up rate this link keeps."""
        return 1.0

    def take_up_chance(self, route: int) -> float:
        """Chance an issue arriving by ``route`` is taken up by improvement work."""
        return self.chances[route]


@BACKSTAGE.register("linked")
class Linked(BackstageLink):
    """Responders and improvement teams work together: every route at its full rate (Site C)."""

    label = "Responders linked to improvement teams"


@BACKSTAGE.register("separate_team")
class SeparateTeam(BackstageLink):
    """A patient experience team apart from the responders (Site B).

    PALS contacts reach it at their full rate; public conversations and the feed only at
    ``separate_team_factor`` of theirs.
    """

    label = "A separate patient experience team"

    def factor(self, route):
        if route in (ROUTE_PUBLIC, ROUTE_FEED):
            return self.config.separate_team_factor
        return 1.0


@BACKSTAGE.register("detached")
class Detached(BackstageLink):
    """Improvement work has no link to online feedback: every route at ``detached_factor``."""

    label = "Detached from feedback"

    def factor(self, route):
        return self.config.detached_factor
