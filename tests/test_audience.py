"""The audience's bookkeeping stays in step with the stories it summarises."""

from __future__ import annotations

import math

import pytest

from sim.audience import N_STATES, state_of
from sim.runner import simulate
from sim.scenario import load_scenario


@pytest.mark.parametrize("site", ["site_b", "site_c"])
def test_each_story_is_counted_in_the_state_it_shows_with_its_weight(site):
    model = simulate(load_scenario(f"scenarios/{site}.toml"), 4, 500)
    audience = model.audience
    recount = [0.0] * N_STATES
    for story in model.lifecycle.stories:
        assert story.seen_state == state_of(story), story
        recount[story.seen_state] += math.exp(
            (story.posted_at - audience.base_day) / audience.attention_days
        )
    for kept, counted in zip(audience.weights, recount, strict=True):
        assert kept == pytest.approx(counted, rel=1e-9, abs=1e-9 * max(recount))
    total, answered, generic, worthy, _ = audience.sums()
    assert total == pytest.approx(sum(recount), rel=1e-12)
    assert 0.0 <= generic <= answered * (1 + 1e-12) <= total * (1 + 1e-12)
    assert 0.0 <= worthy <= total * (1 + 1e-12)
    assert 0.0 <= audience.reputation() <= 1.0
    assert 0.0 <= audience.worth() <= 1.0
