"""The daily and summary figures agree with the stories they are computed from."""

from __future__ import annotations

import numpy as np

from .conftest import cached_run


def test_daily_last_row_matches_story_table():
    result = cached_run("site_c")
    stories, daily, summary = result.stories, result.daily, result.summary
    last = daily.iloc[-1]
    answered = stories["responses"] > 0
    assert last["stories"] == len(stories)
    assert np.isclose(last["response_rate"], answered.mean())
    assert np.isclose(
        last["share_conversational"], (stories["best_response_type"] == "conversational").mean()
    )
    assert np.isclose(last["responses_per_story"], stories.loc[answered, "responses"].mean())
    assert summary["median_days_to_first_response"] == stories["days_to_first_response"].median()
    assert last["changes_made"] == stories["change_made_day"].notna().sum()
    assert last["issues_backstage"] == stories["backstage_day"].notna().sum()


def test_recent_response_rate_by_hand():
    result = cached_run("site_b")
    stories, daily = result.stories, result.daily
    for day in (29, 100, 364):
        window = stories[(stories["day_posted"] > day - 30) & (stories["day_posted"] <= day)]
        answered = window["first_response_day"].fillna(10**9) <= day
        assert np.isclose(daily["response_rate_30d"].iloc[day], answered.mean())


def test_active_responders_in_window_by_hand():
    result = cached_run("site_c")
    answers = result.events[result.events["event"] == "answered"]
    for day in (30, 200):
        recent = answers[(answers["day"] > day - 30) & (answers["day"] <= day)]
        assert result.daily["active_responders_30d"].iloc[day] == recent["actor_id"].nunique()


def test_views_are_counted_and_older_stories_have_more():
    stories = cached_run("site_c").stories
    assert stories["views"].sum() > 0
    early = stories[stories["day_posted"] < 60]["views"].mean()
    late = stories[stories["day_posted"] > 330]["views"].mean()
    assert early > late
