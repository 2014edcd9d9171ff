"""Conservation laws of the story journey, on the sites and on random cultures."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.policies.registry import REGISTRIES
from sim.runner import RunResult, run
from sim.story import RESPONSE_TYPES

from .conftest import cached_run, site


def check_invariants(result: RunResult) -> None:
    stories, events, daily = result.stories, result.events, result.daily
    summary = result.summary

    # No story lost: every posting is one row, one "posted" event, one count.
    posted = events[events["event"] == "posted"]
    assert len(stories) == len(posted) == summary["stories"] == daily["stories_posted"].sum()
    assert stories["story_id"].tolist() == list(range(len(stories)))
    assert set(posted["story_id"]) == set(stories["story_id"])

    # No response before its story; no event of a story before it was posted.
    story_events = events.dropna(subset=["story_id"]).merge(
        stories[["story_id", "day_posted"]], on="story_id"
    )
    assert (story_events["day"] >= story_events["day_posted"]).all()
    answered = stories.dropna(subset=["first_response_day"])
    assert (answered["days_to_first_response"] >= 0).all()

    # Responses conserve: per story and in total.
    answers = events[events["event"] == "answered"]
    per_story = answers.groupby("story_id").size()
    assert (stories.set_index("story_id")["responses"].reindex(per_story.index) == per_story).all()
    assert stories["responses"].sum() == len(answers) == summary["responses"]
    assert (stories["responses"] > 0).sum() == round(summary["response_rate"] * len(stories))

    # Redirects: every offer decided once, accepted + declined = offered.
    offered = (events["event"] == "redirect_offered").sum()
    decided = events["event"].isin(["redirect_accepted", "redirect_declined"]).sum()
    assert offered == decided == summary["redirects_offered"]
    assert summary["redirects_accepted"] <= summary["redirects_offered"]

    # Backstage: made <= planned <= taken backstage; pending + made + abandoned = planned.
    backstage = (events["event"] == "taken_backstage").sum()
    planned_total = (events["event"] == "change_planned").sum()
    made = (events["event"] == "change_made").sum()
    assert made == summary["changes_made"] <= planned_total <= backstage
    assert summary["changes_planned"] + made <= planned_total
    assert summary["changes_planned"] >= 0
    assert (
        stories["change_made_day"].dropna()
        >= stories["change_planned_day"].dropna().reindex(stories["change_made_day"].dropna().index)
    ).all()
    assert stories["backstage_day"].notna().sum() == backstage

    # Shares of response type sum to one; rates are rates.
    last = daily.iloc[-1]
    total = sum(last[f"share_{kind}"] for kind in RESPONSE_TYPES)
    assert np.isclose(total, 1.0)
    shares = [f"share_{kind}" for kind in RESPONSE_TYPES]
    for col in ("response_rate", "negative_share_total", "reputation", "worth", *shares):
        values = daily[col].dropna()
        assert ((values >= 0) & (values <= 1)).all(), col

    # The best reply a story received agrees with the daily shares at the end.
    best = stories["best_response_type"].value_counts(normalize=True)
    for kind in RESPONSE_TYPES:
        assert np.isclose(best.get(kind, 0.0), last[f"share_{kind}"]), kind
    # Response times are measured, at sub-day resolution, from posting to the first reply.
    delay = answered["days_to_first_response"]
    assert np.allclose(delay, answered["first_response_day"] - answered["posted_at"], atol=1.0)

    # Daily cumulative counts never decrease.
    for col in (
        "stories",
        "redirects_offered",
        "issues_backstage",
        "changes_made",
        "changes_planned_total",
        "active_responders",
    ):
        assert (daily[col].diff().dropna() >= 0).all(), col
    assert summary["active_responders"] == answers["actor_id"].nunique()
    assert pd.api.types.is_integer_dtype(daily["stories"])


def test_invariants_hold_for_each_site():
    for name in ("site_a", "site_b", "site_c"):
        check_invariants(cached_run(name))


lever_choices = {lever: st.sampled_from(reg.names()) for lever, reg in REGISTRIES.items()}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    policies=st.fixed_dictionaries(lever_choices),
    size=st.integers(0, 60),
    hours=st.sampled_from([0.0, 0.2, 1.0, 3.0]),
    priority=st.sampled_from([0.0, 0.5, 1.0]),
    seed=st.integers(0, 2**31 - 1),
)
def test_invariants_hold_for_random_cultures(policies, size, hours, priority, seed):
    overrides = {f"{lever}.policy": name for lever, name in policies.items()}
    overrides.update(
        {
            "cast.size": size,
            "staff_time.hours_per_week": hours,
            "leadership.priority": priority,
            "stories.per_day": 4.0,
        }
    )
    scenario = site("site_c").with_overrides(overrides)
    check_invariants(run(scenario, seed=seed, days=150))
