"""The workload model: queues make response time an outcome, reputation is bounded, volume
answers back, and no route to improvement is shut by a switch."""

from __future__ import annotations

import math

import numpy as np

from sim.runner import run

from .conftest import site

# Site C's culture in its first year (a cast of three growing), with volume held still.
STILL = {
    "days": 365,
    "fieldwork_start_day": 0,
    "stories.growth_per_year": 0.0,
    "stories.worth_effect": 0.0,
}


def mean_wait(**overrides) -> float:
    scenario = site("site_c").with_overrides({**STILL, **overrides})
    delays = run(scenario, seed=1).stories["days_to_first_response"].dropna()
    return float(delays.mean())


def test_time_to_first_response_rises_with_volume():
    waits = [mean_wait(**{"stories.per_day": v}) for v in (2.0, 4.0, 8.0)]
    assert waits[0] < waits[1] < waits[2], waits
    assert waits[2] > 2 * waits[0]


def test_time_to_first_response_falls_with_hours():
    waits = [
        mean_wait(
            **{
                "stories.per_day": 3.0,
                "staff_time.central_hours_per_week": h,
                "staff_time.hours_per_week": h / 4,
            }
        )
        for h in (0.5, 1.0, 2.0, 4.0)
    ]
    assert waits[0] > waits[1] > waits[2] > waits[3], waits


def test_response_times_have_sub_day_resolution():
    delays = run(site("site_b"), seed=2, days=200).stories["days_to_first_response"].dropna()
    fractions = np.modf(delays.to_numpy())[0]
    assert len(set(np.round(fractions, 3))) > 20  # not whole days


def test_reputation_stays_a_share_over_twenty_years():
    for name, overrides in (
        ("site_a", {}),
        ("site_b", {}),
        ("site_c", {"stories.growth_per_year": 0.05}),
    ):
        scenario = site(name).with_overrides({**overrides, "days": 7300})
        daily = run(scenario, seed=3).daily
        reputation = daily["reputation"].dropna()
        assert len(reputation) > 7000
        assert ((reputation >= 0.0) & (reputation <= 1.0)).all(), name
        assert ((daily["worth"] >= 0.0) & (daily["worth"] <= 1.0)).all(), name


def test_volume_answers_back_only_through_what_the_public_sees():
    """Same culture and seed: answering (Site C) lifts the story rate above the population's
    baseline; with no effect of worth it stays at the baseline."""
    answering = run(site("site_c").with_overrides(STILL | {"stories.worth_effect": 0.5}), seed=4)
    deaf = run(site("site_c").with_overrides(STILL), seed=4)
    base = site("site_c").stories.per_day
    assert math.isclose(deaf.daily["story_rate"].iloc[-1], base)
    assert answering.daily["story_rate"].iloc[-1] > 1.3 * base
    assert answering.summary["stories"] > deaf.summary["stories"]


def test_detached_backstage_lowers_changes_without_shutting_them():
    linked = run(site("site_c"), seed=5)
    detached = run(site("site_c").with_overrides({"backstage.policy": "detached"}), seed=5)
    assert 0 < detached.summary["changes_made"] < linked.summary["changes_made"] / 3


def test_queue_order_holds_day_after_day():
    """Under a squeezed team, newest first answers what it answers within days, every day;
    oldest first lets every story wait until the backlog reaches it."""
    waits = {}
    for order in ("newest_first", "oldest_first"):
        scenario = site("site_b").with_overrides(
            {
                **STILL,
                "days": 240,
                "stories.per_day": 3.0,
                "staff_time.central_hours_per_week": 0.6,
                "queue.policy": order,
            }
        )
        delays = run(scenario, seed=2).stories["days_to_first_response"].dropna()
        waits[order] = float(delays.median())
    assert waits["newest_first"] < 3 < 20 < waits["oldest_first"], waits
