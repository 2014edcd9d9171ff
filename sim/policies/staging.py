"""Staging: keep the conversation public, or invite the author offline (mechanism 4).

Site B "purposefully redirected patients to PALS due to capacity concerns and apprehensions
surrounding public engagement"; Site A redirected "if staff had the time"; Site C
"encouraged [staff] to meet patients where they wished to communicate, including online".
"""

from __future__ import annotations

from sim.policies.registry import STAGING


class Staging:
    name = ""

    def __init__(self, config):
        self.config = config

    def redirects(self, negative: bool) -> bool:
        """Whether a reply to this story invites its author to take it offline."""
        raise NotImplementedError


@STAGING.register("meet_online")
class MeetOnline(Staging):
    """Meet patients where they post: replies stay public and discuss the issue (Site C)."""

    label = "Meet patients online"

    def redirects(self, negative):
        return False


@STAGING.register("redirect_offline")
class RedirectOffline(Staging):
    """Replies invite the author to contact PALS (Sites A and B).

    ``redirect_sentiment`` chooses which stories: "negative" (Site B's negative template) or
    "all" (Site A's single PALS reply).
    """

    label = "Redirect offline to PALS"

    def redirects(self, negative):
        return negative or self.config.redirect_sentiment == "all"
