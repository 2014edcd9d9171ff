"""The three Trusts' patterns come out of the mechanisms, over their histories and seeds.

Each site file runs a history (Site C ten years from a cast of three, Sites A and B five);
the fieldwork year is its last. Tolerances are loose enough for seed-to-seed variation and
tight enough that the wrong culture fails them (Site A's cast of two gives the widest spread).
"""

from __future__ import annotations

import statistics

import pytest

from .conftest import cached_run, site

SEEDS = (1, 2, 3, 4, 5)


def runs(name):
    return [cached_run(name, seed=s) for s in SEEDS]


def mean(name, key):
    return statistics.mean(r.summary[key] or 0.0 for r in runs(name))


def bespoke(summary):
    return summary["share_personalised"] + summary["share_conversational"]


def test_site_a_answers_little_generically_with_at_most_two():
    engagement = site("site_a").fieldwork_start_day + 120
    for result in runs("site_a"):
        s = result.summary
        assert s["response_rate"] <= 0.15
        assert bespoke(s) <= 0.01
        assert s["active_responders"] <= 2
        assert result.daily["response_rate"].iloc[:engagement].max() == 0.0  # no time given
    assert mean("site_a", "response_rate") > 0.0


def test_site_a_confidence_never_grows_and_stage_fright_erodes_the_unsure():
    """Templates are no practice, so confidence cannot rise; a template protects whoever
    posts it (Site A's PALS reply as much as Site B's), but staff too unsure to post even
    that retreat from hostile stories shaken."""
    for result in runs("site_a"):
        confidence = result.daily["mean_confidence"]
        if bespoke(result.summary) == 0:  # a rare confident improviser does practise
            assert confidence.iloc[-1] <= confidence.iloc[0] + 1e-12
    unsure = {"confidence.initial_mean": 0.08, "staff.legitimacy_mean": 0.6}
    drops = []
    for seed in SEEDS:
        daily = cached_run(
            "site_a", seed=seed, **{k.replace(".", "__"): v for k, v in unsure.items()}
        ).daily
        drops.append(daily["mean_confidence"].iloc[0] - daily["mean_confidence"].iloc[-1])
    assert statistics.mean(drops) > 0


def test_site_b_answers_nearly_all_with_templates_by_two_communications_staff():
    for result in runs("site_b"):
        s = result.summary
        assert s["response_rate"] >= 0.95
        assert s["share_generic"] >= 0.95 and bespoke(s) == 0.0
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


def test_site_c_grows_from_three_to_hundreds_and_answers_nearly_all_in_person():
    for result in runs("site_c"):
        s = result.summary
        assert result.daily["cast_size"].iloc[0] == 3
        assert s["response_rate"] >= 0.95
        assert bespoke(s) >= 0.9 and s["share_conversational"] >= 0.5
        assert s["active_responders"] >= 200
        assert 1.05 <= s["responses"] / s["stories"] <= 1.3
        answered = result.stories[result.stories["responses"] > 0]
        assert answered["identified"].mean() >= 0.9


def per_story(name):
    return statistics.mean(r.summary["changes_made"] / r.summary["stories"] for r in runs(name))


def test_site_b_makes_some_changes_fewer_per_story_than_site_c():
    """No structural zero: Site B's separate team still takes up PALS and offline contacts."""
    assert mean("site_b", "changes_made") > 0
    assert per_story("site_c") > 5 * per_story("site_b") > 0


def test_site_c_changes_more_per_story_than_a_and_b():
    assert per_story("site_c") > per_story("site_b")
    assert per_story("site_c") > 5 * max(per_story("site_a"), per_story("site_b"), 1e-4)


@pytest.mark.parametrize("key", ["reputation_end", "response_rate"])
def test_site_c_leads_on_reputation_and_response(key):
    assert mean("site_c", key) > mean("site_a", key)
    assert mean("site_c", key) > mean("site_b", key) or key == "response_rate"
