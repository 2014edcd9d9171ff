"""The national typology (Ramsey et al. 2019): non-responder, generic, mixed, conversational.

The rule, with its thresholds from the system file's ``[typology]`` table (assumptions):

1. an organisation that answered fewer than ``non_responder_below`` of its stories is a
   **non-responder** (an organisation with no stories answered none);
2. otherwise, if at least ``generic_at_least`` of its answered stories got nothing better
   than a generic reply, it is a **generic** responder;
3. otherwise, if at least ``conversational_at_least`` of its answered stories got a
   transparent, conversational reply, it is a **conversational** responder;
4. otherwise it is **mixed** (mostly personalised replies, or no type dominating).

Counts are by each story's best reply (:data:`sim.story.RESPONSE_TYPES`), over the stories
the organisation received in the period classed.
"""

from __future__ import annotations

from collections.abc import Sequence

from sim.story import RESPONSE_TYPES

CLASSES = ("non-responder", "generic", "mixed", "conversational")


def classify(counts: Sequence[int], rule) -> str:
    """The class of an organisation whose stories' best replies number ``counts`` (indexed
    as :data:`RESPONSE_TYPES`); ``rule`` has the three thresholds."""
    total = sum(counts)
    by_type = dict(zip(RESPONSE_TYPES, counts, strict=True))
    answered = total - by_type["none"]
    if total == 0 or answered / total < rule.non_responder_below:
        return "non-responder"
    if by_type["generic"] / answered >= rule.generic_at_least:
        return "generic"
    if by_type["conversational"] / answered >= rule.conversational_at_least:
        return "conversational"
    return "mixed"


def best_type_counts(stories, before_day: int | None = None) -> list[int]:
    """Counts of best reply by type over model stories (posted before ``before_day``)."""
    counts = [0] * len(RESPONSE_TYPES)
    for story in stories:
        if before_day is not None and story.day >= before_day:
            continue
        counts[story.best_type] += 1
    return counts
