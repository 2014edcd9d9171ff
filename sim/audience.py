"""The audience and the organisation's reputation (mechanism 7).

The public, regulators, commissioners and the board read stories and replies. Each story
leaves an impression that depends on how the organisation answered, not only on what the
story said ("it was not the sentiment of feedback itself, but how the organisation responded
and reframed the conversation", Site C):

    impression = sentiment (positive or negative)
               - silence_penalty            while unanswered
               + credit_conversational      for a bespoke reply
               + credit_generic             for a generic one, less contrived_penalty x the
                                            share of generic replies in view
               + credit_identified          when the responder is named
               - redirect_penalty           when the author is sent offline
               + credit_change_made         when a change is reported on the public story

Generic replies lose their credit as they dominate the list: "my concern is when someone is
... looking at a list of reviews and seeing that we give out those generic responses" (Site B
communications manager).

Reputation is the attention-weighted mean impression of every story, a story's weight
decaying as exp(-age / attention_days). Weights are stored as exp((day - base) / tau), so a
day's reputation is a ratio of running sums and each change costs O(1).
"""

from __future__ import annotations

import math

import numpy as np

from sim.story import CONVERSATIONAL, GENERIC, NONE, Story

_RESCALE_AT = 300.0  # rebase weights before exp() grows past ~1e130


def _impression_table(c) -> list[float]:
    """Every story's possible impression, indexed by :func:`_state` (built once per config)."""
    table = []
    for key in range(64):
        negative, best = key & 1, (key >> 1) & 3
        identified, redirected, change_public = (key >> 3) & 1, (key >> 4) & 1, (key >> 5) & 1
        value = c.impression_negative if negative else c.impression_positive
        if best == NONE:
            value -= c.silence_penalty
        elif best == CONVERSATIONAL:
            value += c.credit_conversational
        if identified:
            value += c.credit_identified
        if redirected:
            value -= c.redirect_penalty
        if change_public:
            value += c.credit_change_made
        table.append(value)
    return table


def _state(story: Story) -> int:
    return (
        story.negative
        | story.best_type << 1
        | story.identified << 3
        | (story.redirect_day >= 0) << 4
        | (story.change_made_day >= 0 and story.public) << 5
    )


class Audience:
    def __init__(self, config):
        self.config = config
        self._table = _impression_table(config)
        self.attention_days = config.attention_days
        self.base_day = 0
        self.total = 0.0  # sum of w * impression, generic credit excluded
        self.weight = 0.0  # sum of w over stories
        self.generic = 0.0  # sum of w over stories whose best reply is generic
        self.answered = 0.0  # sum of w over answered stories

    def reconfigure(self, config) -> None:
        """New parameters from an intervention (the attention span is fixed for a run)."""
        self.config = config
        self._table = _impression_table(config)
        self.attention_days = config.attention_days

    def add(self, story: Story, day: int) -> None:
        if (day - self.base_day) / self.attention_days > _RESCALE_AT:
            self._rebase(day)
        w = math.exp((story.day - self.base_day) / self.attention_days)  # attention weight
        story.impression = self._table[_state(story)]
        self.total += w * story.impression
        self.weight += w

    def restage(self, story: Story, best_type_before: int = -1) -> None:
        """Re-judge a story whose visible state changed (its impression is still the old one).

        ``best_type_before``: the story's most engaged reply before a new reply, if one was
        posted.
        """
        w = math.exp((story.day - self.base_day) / self.attention_days)  # attention weight
        impression = self._table[_state(story)]
        self.total += w * (impression - story.impression)
        story.impression = impression
        if best_type_before >= 0 and best_type_before != story.best_type:
            if best_type_before == NONE:
                self.answered += w
            if best_type_before == GENERIC:
                self.generic -= w
            if story.best_type == GENERIC:
                self.generic += w

    def _rebase(self, day: int) -> None:
        factor = math.exp(-(day - self.base_day) / self.attention_days)
        self.total *= factor
        self.weight *= factor
        self.generic *= factor
        self.answered *= factor
        self.base_day = day

    def generic_share(self) -> float:
        return self.generic / self.answered if self.answered > 0 else 0.0

    def reputation(self) -> float:
        """Attention-weighted mean impression; 0 before any story is seen."""
        if self.weight <= 0:
            return 0.0
        c = self.config
        credit = c.credit_generic - c.contrived_penalty * self.generic_share()
        return (self.total + credit * self.generic) / self.weight

    def views(self, days_posted: np.ndarray, end_day: int, rng: np.random.Generator):
        """Views each story collected by ``end_day``: its share of a lifetime of attention."""
        age = np.maximum(end_day - days_posted + 1, 0)
        expected = self.config.views_per_story * (1.0 - np.exp(-age / self.config.attention_days))
        return rng.poisson(expected)
