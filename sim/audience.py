"""The audience and the organisation's reputation (mechanism 7).

The public, regulators, commissioners and the board read stories and replies. Each reader of
a story is left with a favourable impression of the organisation, or not. The chance depends
on how the organisation answered, not only on what the story said ("it was not the sentiment
of feedback itself, but how the organisation responded and reframed the conversation",
Site C). On the log-odds scale:

    logit = logit_positive or logit_negative       (what the story says)
          - silence_penalty                         while it stands unanswered
          + credit_generic - contrived_penalty x G  for a generic reply, where G is the share
                                                    of answered stories in view whose best
                                                    reply is generic
          + credit_personalised                     for a personalised reply
          + credit_conversational                   for a transparent, conversational one
          + credit_identified                       when the responder is named
          - redirect_penalty                        when the author is sent offline
          + credit_change_made                      when a change is reported on the story
    favourable = 1 / (1 + exp(-logit))

Generic replies lose their credit as they dominate the list: "my concern is when someone is
... looking at a list of reviews and seeing that we give out those generic responses" (Site B
communications manager).

**Reputation** is the share of the audience's recent reading that leaves a favourable
impression: the attention-weighted mean of ``favourable`` over every story, a story's weight
decaying as exp(-age / attention_days). It lies in [0, 1] by construction (a mean of
probabilities). What would measure it: a survey of people who read the organisation's page on
the platform, asking whether what they read left them thinking better or worse of it.

**Worth** is the share of the same attention that falls on stories showing posting was
worthwhile: a bespoke (personalised or conversational) reply, or a change made. The public
posts more when it sees this (``stories.worth_effect``).

A story's state (sentiment, best reply, named, redirected, change shown) takes one of 64
values; the audience keeps the attention weight in each state, so every change of state costs
O(1) (two list entries) and a day's reputation a sum over the 64 states, whatever the number
of stories. Weights are stored as exp((day - base) / tau) and rebased before they overflow.
"""

from __future__ import annotations

import math
from itertools import compress
from operator import mul

import numpy as np

from sim.story import CONVERSATIONAL, GENERIC, NONE, PERSONALISED, Story

_RESCALE_AT = 300.0  # rebase weights before exp() grows past ~1e130
N_STATES = 64


def state_of(story: Story) -> int:
    """What the audience can see of a story, as one of :data:`N_STATES` codes."""
    return (
        story.negative
        | story.best_type << 1
        | story.identified << 3
        | (story.redirect_day >= 0) << 4
        | (story.change_made_day >= 0 and story.public and story.n_responses > 0) << 5
    )


def _logits(c) -> list[float]:
    """Every state's log-odds of a favourable impression, generic credit left out."""
    table = []
    for key in range(N_STATES):
        negative, best = key & 1, (key >> 1) & 3
        identified, redirected, change_shown = (key >> 3) & 1, (key >> 4) & 1, (key >> 5) & 1
        value = c.logit_negative if negative else c.logit_positive
        if best == NONE:
            value -= c.silence_penalty
        elif best == PERSONALISED:
            value += c.credit_personalised
        elif best == CONVERSATIONAL:
            value += c.credit_conversational
        if identified:
            value += c.credit_identified
        if redirected:
            value -= c.redirect_penalty
        if change_shown:
            value += c.credit_change_made
        table.append(value)
    return table


def _best(key: int) -> int:
    return (key >> 1) & 3


_GENERIC_STATES = [k for k in range(N_STATES) if _best(k) == GENERIC]
_IS_GENERIC = [_best(k) == GENERIC for k in range(N_STATES)]
_IS_ANSWERED = [_best(k) != NONE for k in range(N_STATES)]
_IS_WORTH = [_best(k) >= PERSONALISED or bool((k >> 5) & 1) for k in range(N_STATES)]


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


class Audience:
    def __init__(self, config):
        self.attention_days = config.attention_days
        self.base_day = 0
        self.weights = [0.0] * N_STATES  # attention weight of the stories in each state
        self._sums: tuple[float, float, float, float, float] | None = None
        self.reconfigure(config)

    def reconfigure(self, config) -> None:
        """New parameters from an intervention (the attention span is fixed for a run)."""
        self.config = config
        self._logits = _logits(config)
        self._plain = [0.0 if _IS_GENERIC[k] else _sigmoid(v) for k, v in enumerate(self._logits)]
        self._sums = None

    def _weight(self, story: Story) -> float:
        """The story's attention weight now, relative to ``base_day``."""
        return math.exp((story.posted_at - self.base_day) / self.attention_days)

    def add(self, story: Story, day: int) -> None:
        """A story is posted on ``day`` (and has no reply yet)."""
        if (day - self.base_day) / self.attention_days > _RESCALE_AT:
            self._rebase(day)
        # A story just posted shows only its sentiment: state_of(story) is story.negative.
        story.seen_state = state = 1 if story.negative else 0
        self.weights[state] += self._weight(story)
        self._sums = None

    def restage(self, story: Story) -> None:
        """Re-judge a story whose visible state may have changed."""
        state = state_of(story)
        old = story.seen_state
        if state != old:
            w = self._weight(story)
            weights = self.weights
            weights[old] -= w
            weights[state] += w
            story.seen_state = state
            self._sums = None

    def sums(self) -> tuple[float, float, float, float, float]:
        """The weights of all stories, the answered, the generic and the worthwhile ones, and
        the favourable-weighted sum over the non-generic states (whose chance does not
        depend on the generic share). Summed over the 64 states when asked after a change:
        at most once a day in a run, however many stories changed."""
        if self._sums is None:
            w = self.weights
            self._sums = (
                sum(w),
                sum(compress(w, _IS_ANSWERED)),
                sum(compress(w, _IS_GENERIC)),
                sum(compress(w, _IS_WORTH)),
                sum(map(mul, w, self._plain)),
            )
        return self._sums

    def _rebase(self, day: int) -> None:
        factor = math.exp(-(day - self.base_day) / self.attention_days)
        self.weights = [w * factor for w in self.weights]
        self._sums = None
        self.base_day = day

    def generic_share(self) -> float:
        """Share of the answered stories in view whose best reply is generic."""
        _, answered, generic, _, _ = self.sums()
        return generic / answered if answered > 0 else 0.0

    def favourable(self, state: int, generic_share: float | None = None) -> float:
        """Chance a reader of a story in ``state`` is left with a favourable impression."""
        if _best(state) != GENERIC:
            return self._plain[state]
        c = self.config
        share = self.generic_share() if generic_share is None else generic_share
        return _sigmoid(self._logits[state] + c.credit_generic - c.contrived_penalty * share)

    def reputation(self) -> float:
        """Share of recent reading that leaves a favourable impression (0 to 1); NaN before
        anything has been posted."""
        total, answered, generic, _, favourable = self.sums()
        if total <= 0:
            return math.nan
        if generic > 0:
            w = self.weights
            share = generic / answered
            for k in _GENERIC_STATES:
                if w[k] > 0:
                    favourable += w[k] * self.favourable(k, share)
        value = favourable / total
        return 0.0 if value < 0.0 else (1.0 if value > 1.0 else value)

    def worth(self) -> float:
        """Share of recent attention on stories with a bespoke reply or a change shown."""
        total, _, _, worthy, _ = self.sums()
        if total <= 0:
            return 0.0
        value = worthy / total
        return 0.0 if value < 0.0 else (1.0 if value > 1.0 else value)

    def views(self, days_posted: np.ndarray, end_day: int, rng: np.random.Generator):
        """Views each story collected by ``end_day``: its share of a lifetime of attention."""
        age = np.maximum(end_day - days_posted + 1, 0)
        expected = self.config.views_per_story * (1.0 - np.exp(-age / self.config.attention_days))
        return rng.poisson(expected)
