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


def _multiple(result: RunResult, first_conversational: bool) -> float:
    s = result.stories
    answered = (s["responses"] > 0).to_numpy()
    conversational = (s["first_response_type"] == "conversational").to_numpy()
    of = answered & (conversational if first_conversational else ~conversational)
    return _share((s["responses"] >= 2).to_numpy(), of)


def share_multiple_after_conversational(result: RunResult) -> float:
    """Of the stories whose first response was conversational, the share with two or more."""
    return _multiple(result, True)


def multiple_responses_gap(result: RunResult) -> float:
    """Share with two or more responses after a conversational first response, less the
    same share after any other first response (Table 1's "most often in receipt of multiple
    responses")."""
    return _multiple(result, True) - _multiple(result, False)


def _fieldwork(result: RunResult):
    s = result.stories
    return s[s["day_posted"] >= result.scenario.fieldwork_start_day]


def median_days_to_first_response_fieldwork(result: RunResult) -> float:
    """Median days from posting to first response, for stories posted in the fieldwork year
    (days with their fraction; unanswered stories left out)."""
    delays = _fieldwork(result)["days_to_first_response"].dropna()
    return float(delays.median()) if len(delays) else float("nan")


def share_bespoke(result: RunResult) -> float:
    """Share of all stories whose best reply is bespoke (personalised or conversational)."""
    summary = result.summary
    return float(summary["share_personalised"] + summary["share_conversational"])


def changes_not_made(result: RunResult) -> float:
    """Changes planned that were never (or not yet) made: what a platform still lists as
    planned when nobody marks an abandoned plan."""
    summary = result.summary
    return float(summary["changes_planned_total"] - summary["changes_made"])


def cast_growth(result: RunResult) -> float:
    """Cast size at the end of the run over the cast size on its first day."""
    cast = result.daily["cast_size"]
    return float(cast.iloc[-1] / cast.iloc[0]) if len(cast) and cast.iloc[0] else float("nan")


MEASURES: dict[str, Callable[[RunResult], float]] = {
    f.__name__: f
    for f in (
        share_identified_answered,
        share_responses_by_communications,
        share_negative_answered_redirected,
        share_positive_answered_redirected,
        share_redirected_lost,
        share_multiple_after_conversational,
        multiple_responses_gap,
        median_days_to_first_response_fieldwork,
        share_bespoke,
        changes_not_made,
        cast_growth,
    )
}
