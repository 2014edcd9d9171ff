"""A day-indexed agenda: the model's event calendar.

Work is triggered by story arrivals and by scheduled events (a look at a story, a reminder,
a patient's judgement, a change finished), not by every agent polling every day. Events for
one day run in the order they were scheduled; an event may schedule more for the same day.
A plain dict of lists is used rather than Mesa's event list because the model schedules tens
of thousands of small events a year and this costs a fraction of a microsecond each.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from typing import Any

#: A month, for monthly rules (recruitment, openness, headspace): 30 days.
MONTH_DAYS = 30


class Clock:
    """Today's date, shared by the parts of the model that need it."""

    __slots__ = ("day",)

    def __init__(self) -> None:
        self.day = 0


class Agenda:
    def __init__(self) -> None:
        self._days: dict[int, list[tuple[Callable[[Any], None], Any]]] = {}

    def at(self, day: int, action: Callable[[Any], None], arg: Any) -> None:
        entries = self._days.get(day)
        if entries is None:
            self._days[day] = [(action, arg)]
        else:
            entries.append((action, arg))

    def run(self, day: int) -> None:
        entries = self._days.get(day)
        if entries is None:
            return
        # Events may schedule more for today: a list iterator also yields items appended to
        # the list while it runs.
        for action, arg in entries:
            action(arg)
        del self._days[day]

    def pending(self) -> int:
        return sum(len(v) for v in self._days.values())


class Cursor:
    """Walks a list of stories in posting order, handing out those old enough.

    Rules that act a fixed number of days after posting (a reminder, the author's
    judgement) take today's due stories from a cursor instead of scheduling one event per
    story: most stories never need a reminder, and the walk costs nothing for them. ``days``
    is the stories' posting days, in the same order (so non-decreasing): a day's due stories
    are found by bisection.
    """

    def __init__(self, stories: list, days: list[int]) -> None:
        self.stories = stories
        self.days = days
        self.position = 0

    def due(self, posted_on_or_before: int) -> list:
        """Stories not handed out before, posted on or before the given day."""
        start = self.position
        end = bisect_right(self.days, posted_on_or_before, start)
        if end <= start:
            return []
        self.position = end
        return self.stories[start:end]
