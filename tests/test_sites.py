"""The three Trusts' patterns emerge from the mechanisms, over a year and several seeds.

Each check states a tolerance loose enough for seed-to-seed variation and tight enough that
the wrong culture fails it (Site A's cast of two gives it the widest spread).
"""

from __future__ import annotations

import statistics

import pytest

from .conftest import cached_run

SEEDS = (1, 2, 3, 4, 5)


def runs(name):
    return [cached_run(name, seed=s) for s in SEEDS]


def mean(name, key):
    return statistics.mean(r.summary[key] or 0.0 for r in runs(name))


def test_site_a_answers_little_generically_with_at_most_two():
    for result in runs("site_a"):
        s = result.summary
        assert s["response_rate"] <= 0.15
        assert s["share_conversational"] == 0.0
        assert s["active_responders"] <= 2
        assert result.daily["response_rate"].iloc[:120].max() == 0.0  # before engagement
    assert mean("site_a", "response_rate") > 0.0


def test_site_a_stage_fright_erodes_confidence():
    """Without bespoke practice confidence cannot rise; facing hostility unsupported, it falls."""
    drops = []
    for result in runs("site_a"):
        confidence = result.daily["mean_confidence"]
        assert confidence.iloc[-1] <= confidence.iloc[0]
        drops.append(confidence.iloc[0] - confidence.iloc[-1])
    assert statistics.mean(drops) > 0


def test_site_b_answers_nearly_all_with_templates_by_two_communications_staff():
    for result in runs("site_b"):
        s = result.summary
        assert s["response_rate"] >= 0.95
        assert s["share_generic"] >= 0.95 and s["share_conversational"] == 0.0
        assert s["active_responders"] == 2
        answers = result.events[result.events["event"] == "answered"]
        assert set(answers["actor_role"]) == {"communications"}
        assert not result.stories["identified"].any()


def test_site_b_redirects_negative_stories_and_loses_most():
    for result in runs("site_b"):
        stories = result.stories
        answered = stories[stories["responses"] > 0]
        redirected = answered["redirect_offered_day"].notna()
        assert (redirected == (answered["sentiment"] == "negative")).all()
        s = result.summary
        assert s["redirects_accepted"] <= 0.3 * s["redirects_offered"]


def test_site_c_answers_nearly_all_conversationally_with_a_wide_named_cast():
    for result in runs("site_c"):
        s = result.summary
        assert s["response_rate"] >= 0.95
        assert s["share_conversational"] >= 0.9
        assert s["active_responders"] >= 300
        assert 1.1 <= s["responses_per_story"] <= 1.3
        answered = result.stories[result.stories["responses"] > 0]
        assert answered["identified"].mean() >= 0.9


def test_site_c_changes_more_per_story_than_a_and_b():
    per_story = {
        name: statistics.mean(r.summary["changes_made"] / r.summary["stories"] for r in runs(name))
        for name in ("site_a", "site_b", "site_c")
    }
    assert per_story["site_c"] > per_story["site_b"] >= per_story["site_a"]
    assert per_story["site_c"] > 5 * max(per_story["site_a"], per_story["site_b"], 1e-4)


@pytest.mark.parametrize("key", ["reputation_end", "response_rate"])
def test_site_c_leads_on_reputation_and_response(key):
    assert mean("site_c", key) > mean("site_a", key)
    assert mean("site_c", key) > mean("site_b", key) or key == "response_rate"
