"""Care quality per service (mechanism 6).

A story about service s is negative with probability 1 - q_s. A change made from feedback
closes a share ``quality_gain_per_change`` of the gap between q_s and 1, so fewer negative
stories follow: "Two years, and nothing really happened. But when the story was placed on
Care Opinion we were able to resolve it in 6 weeks" (Site C).
"""

from __future__ import annotations

import numpy as np


class Services:
    def __init__(self, quality: np.ndarray):
        self.quality = [float(q) for q in quality]

    @classmethod
    def draw(cls, n: int, mean: float, spread: float, rng: np.random.Generator) -> Services:
        quality = mean + spread * rng.standard_normal(n) if spread > 0 else np.full(n, mean)
        return cls(np.clip(quality, 0.0, 1.0))

    def __len__(self) -> int:
        return len(self.quality)

    def p_negative(self, service: int) -> float:
        return 1.0 - self.quality[service]

    def improve(self, service: int, gain: float) -> None:
        q = self.quality[service]
        self.quality[service] = q + gain * (1.0 - q)

    def mean(self) -> float:
        return sum(self.quality) / len(self.quality)
