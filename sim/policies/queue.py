"""Queue: the order in which staff with time work through a waiting inbox (mechanisms 1, 2).

Unanswered stories wait in inboxes (a service's, the central team's). Staff who sit down to
an inbox read the waiting items in the order this policy gives, as far as their time allows:
reading costs time whether or not they then answer. Site C's guidelines ask teams to "monitor,
track and respond to ALL stories posted ... within the timescales set out"; Site A's staff
"felt they did not have time to consider" online feedback at all.
"""

from __future__ import annotations

from sim.policies.registry import QUEUE


class QueueOrder:
    name = ""

    def __init__(self, config):
        self.config = config

    def order(self, items: list) -> list:
        """The waiting items (each with ``.ready`` time and ``.story``), in reading order."""
        return items


@QUEUE.register("oldest_first")
class OldestFirst(QueueOrder):
    """First come, first served: the longest-waiting story is read first."""

    label = "Oldest story first"


@QUEUE.register("newest_first")
class NewestFirst(QueueOrder):
    """The newest story first, as a platform's front page shows them; old ones sink."""

    label = "Newest story first"

    def order(self, items):
        return items[::-1]


@QUEUE.register("mildest_first")
class MildestFirst(QueueOrder):
    """The least hostile story first: staff who fear the stage pick the easy ones."""

    label = "Mildest story first"

    def order(self, items):
        return sorted(items, key=lambda item: item.story.hostility)


@QUEUE.register("most_hostile_first")
class MostHostileFirst(QueueOrder):
    """The most hostile story first: a team that treats the angriest as the most urgent."""

    label = "Most hostile story first"

    def order(self, items):
        return sorted(items, key=lambda item: -item.story.hostility)
