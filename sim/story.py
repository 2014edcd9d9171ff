"""Stories: records, not agents, each carrying its whole journey.

posted (day, service, sentiment, hostility, author) -> read by the public (views) ->
responses (day, type, responder role, identified or not) -> offline redirect offered /
accepted / declined -> issue taken backstage -> change planned -> change made.

Fields are written only by :mod:`sim.lifecycle` (and the audience's own bookkeeping);
everything else reads them. Days are model days from 0; -1 means "not (yet)". Times
(``posted_at``, ``first_response_time``) are days with a fraction: 3.5 is noon on day 3.
"""

from __future__ import annotations

# Response types, ordered by engagement (Ramsey et al. 2019's typology, cited in Ramsey 2023,
# Table 1): none; generic (a template); personalised (tailored to the story, but neither
# telling its journey nor inviting a conversation); transparent, conversational.
NONE, GENERIC, PERSONALISED, CONVERSATIONAL = 0, 1, 2, 3
RESPONSE_TYPES = ("none", "generic", "personalised", "conversational")

# Routes by which an issue reaches improvement work (sim/policies/backstage.py).
ROUTE_PUBLIC, ROUTE_OFFLINE, ROUTE_PALS, ROUTE_FEED = 1, 2, 3, 4
ROUTES = {
    0: None,
    ROUTE_PUBLIC: "public conversation",
    ROUTE_OFFLINE: "offline contact",
    ROUTE_PALS: "PALS or complaints",
    ROUTE_FEED: "improvement team reading the feed",
}


class Story:
    __slots__ = (
        "actionable",
        "author",
        "backstage_day",
        "best_type",
        "change_made_day",
        "change_planned_day",
        "conversational_day",
        "day",
        "dropped_day",
        "first_responder",
        "first_response_day",
        "first_response_time",
        "first_type",
        "hostility",
        "id",
        "identified",
        "last_responder",
        "n_responses",
        "negative",
        "nudge",
        "pass_reason",
        "personalised_day",
        "posted_at",
        "public",
        "redirect_accepted",
        "redirect_day",
        "reminders",
        "repeat",
        "route",
        "seen_state",
        "service",
        "views",
    )

    def __init__(
        self,
        id: int,
        posted_at: float,
        service: int,
        negative: bool,
        hostility: float,
        actionable: bool,
        author,
        repeat: bool,
    ):
        self.id = id
        self.posted_at = posted_at  # day + fraction of the day, at sub-day resolution
        self.day = int(posted_at)
        self.service = service
        self.negative = negative
        self.hostility = hostility
        self.actionable = actionable
        self.author = author
        self.repeat = repeat
        self.n_responses = 0
        self.first_response_day = -1
        self.first_response_time = -1.0
        self.first_type = NONE
        self.best_type = NONE
        self.conversational_day = -1
        self.personalised_day = -1
        self.first_responder = None
        self.last_responder = None
        self.identified = False
        self.redirect_day = -1
        self.redirect_accepted = -1  # -1 not offered / undecided, 0 declined, 1 accepted
        self.public = True  # the conversation stays public (no redirect offered)
        self.backstage_day = -1
        self.route = 0
        self.change_planned_day = -1
        self.change_made_day = -1
        self.dropped_day = -1
        self.reminders = 0
        self.nudge = 0.0  # expectation a manager's reminder adds for the team
        self.pass_reason = -1  # why staff last passed it over (lifecycle.PASS_REASONS), -1 none
        self.seen_state = 0  # what the audience sees (sim.audience), kept by the audience
        self.views = 0

    @property
    def answered(self) -> bool:
        return self.n_responses > 0

    def __repr__(self) -> str:
        kind = "negative" if self.negative else "positive"
        return f"Story({self.id}, day {self.day}, service {self.service}, {kind})"
