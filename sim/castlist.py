"""The cast list: staff registered to answer stories, where they sit and how confident.

Membership, not behaviour: who is alerted and how the cast grows are the cast policy's
decisions (:mod:`sim.policies.cast`). The list keeps, cheaply and exactly, the figures the
mechanisms need every day: members per service, experienced colleagues on the wings, and the
sum of confidence for the daily mean.
"""

from __future__ import annotations


class CastList:
    def __init__(self, services: int, experienced_at: float):
        self.experienced_at = experienced_at
        self.members: list = []
        self.local: list[list] = [[] for _ in range(services)]
        self.central: list = []
        self._experienced_local = [0] * services
        self._experienced_central = 0
        self.confidence_sum = 0.0

    def __len__(self) -> int:
        return len(self.members)

    def _group(self, staff) -> list:
        return self.central if staff.service < 0 else self.local[staff.service]

    def _count_experienced(self, staff, step: int) -> None:
        if staff.service < 0:
            self._experienced_central += step
        else:
            self._experienced_local[staff.service] += step

    def add(self, staff) -> None:
        staff.cast = self
        self.members.append(staff)
        self._group(staff).append(staff)
        self.confidence_sum += staff.confidence
        if staff.confidence >= self.experienced_at:
            self._count_experienced(staff, 1)

    def remove(self, staff) -> None:
        staff.cast = None
        self.members.remove(staff)
        self._group(staff).remove(staff)
        self.confidence_sum -= staff.confidence
        if staff.confidence >= self.experienced_at:
            self._count_experienced(staff, -1)

    def confidence_changed(self, staff, old: float, new: float) -> None:
        self.confidence_sum += new - old
        was, now = old >= self.experienced_at, new >= self.experienced_at
        if was != now:
            self._count_experienced(staff, 1 if now else -1)

    def wings(self, staff) -> bool:
        """Is an experienced colleague in the same team (service, or central team) on hand?"""
        if staff.service < 0:
            others = self._experienced_central
        else:
            others = self._experienced_local[staff.service]
        if staff.cast is self and staff.confidence >= self.experienced_at:
            others -= 1
        return others > 0

    def mean_confidence(self) -> float:
        return self.confidence_sum / len(self.members) if self.members else float("nan")
