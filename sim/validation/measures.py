"""Per-run figures for the patterns, beyond the run summary.

Each is a function of one :class:`~sim.runner.RunResult`, named as patterns use it. Shares
are of the stories the definition names and are NaN when there are none.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.runner import RunResult


def _share(mask, of) -> float:
    n = int(np.sum(of))
    return float(np.sum(mask & of)) / n if n else float("nan")


def share_identified_answered(result: RunResult) -> float:
    """Of the stories answered, the share whose first responder was named with their role."""
    s = result.stories
    return _share(s["identified"].to_numpy(bool), (s["responses"] > 0).to_numpy())


def share_responses_by_communications(result: RunResult) -> float:
    """Of all staff responses, the share given by communications staff."""
    e = result.events
    answers = (e["event"] == "answered").to_numpy()
    return _share((e["actor_role"] == "communications").to_numpy(), answers)


def _redirected(result: RunResult) -> np.ndarray:
    return result.stories["redirect_offered_day"].notna().to_numpy()


def share_negative_answered_redirected(result: RunResult) -> float:
    """Of the negative stories answered, the share invited offline."""
    s = result.stories
    of = ((s["responses"] > 0) & (s["sentiment"] == "negative")).to_numpy()
    return _share(_redirected(result), of)


def share_positive_answered_redirected(result: RunResult) -> float:
    """Of the positive stories answered, the share invited offline."""
    s = result.stories
    of = ((s["responses"] > 0) & (s["sentiment"] == "positive")).to_numpy()
    return _share(_redirected(result), of)


def share_redirected_lost(result: RunResult) -> float:
    """Of the stories invited offline, the share whose issue never reached improvement work."""
    lost = result.stories["backstage_day"].isna().to_numpy()
    return _share(lost, _redirected(result))


MEASURES: dict[str, Callable[[RunResult], float]] = {
    f.__name__: f
    for f in (
        share_identified_answered,
        share_responses_by_communications,
        share_negative_answered_redirected,
        share_positive_answered_redirected,
        share_redirected_lost,
    )
}
