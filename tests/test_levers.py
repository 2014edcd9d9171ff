"""Every culture lever changes some output, in the direction its mechanism says."""

from __future__ import annotations

import statistics

import pytest

from sim.runner import run
from sim.scenario import LEVERS

from .conftest import site

SEEDS = (1, 2, 3)
DAYS = 150

# The sites as they stand at fieldwork, for a short run: Site C with a grown cast (the site
# file grows it from three over ten years), both at fieldwork volume.
AT_FIELDWORK = {
    "site_b": {"fieldwork_start_day": 0, "stories.per_day": 3.3},
    "site_c": {
        "fieldwork_start_day": 0,
        "stories.per_day": 6.0,
        "cast.size": 300,
        "cast.initial_roles": {
            "frontline_clinical": 0.60,
            "frontline_non_clinical": 0.24,
            "patient_experience": 0.12,
            "communications": 0.04,
        },
    },
}


def mean_outcome(base: str, overrides: dict, key: str) -> float:
    scenario = site(base).with_overrides({**AT_FIELDWORK[base], **overrides})
    return statistics.mean(run(scenario, seed=s, days=DAYS).summary[key] for s in SEEDS)


# Little time for the inboxes: where escalation and leadership make their difference.
TIGHT = {"staff_time.hours_per_week": 0.05, "staff_time.central_hours_per_week": 0.2}

# (lever, base site, overrides for A, overrides for B, outcome, expected relation A ? B)
CASES = [
    (
        "scripting",
        "site_c",
        {},
        {"scripting.policy": "generic_templates"},
        "share_conversational",
        ">",
    ),
    ("scripting", "site_b", {}, {"scripting.policy": "stage_directions"}, "share_generic", ">"),
    ("scripting.support", "site_c", {"scripting.support": 0.0}, {}, "share_conversational", "<"),
    ("staging", "site_c", {}, {"staging.policy": "redirect_offline"}, "redirects_offered", "<"),
    ("staging", "site_c", {}, {"staging.policy": "redirect_offline"}, "issues_backstage", ">"),
    (
        "staging.redirect_sentiment",
        "site_b",
        {},
        {"staging.redirect_sentiment": "all"},
        "redirects_offered",
        "<",
    ),
    ("cast", "site_c", {}, {"cast.policy": "central"}, "share_conversational", ">"),
    ("cast.size", "site_c", {}, {"cast.size": 40}, "active_responders", ">"),
    # Under a squeezed team, working through the oldest first lets new stories wait.
    (
        "queue",
        "site_b",
        {"queue.policy": "newest_first", "staff_time.central_hours_per_week": 0.6},
        {"queue.policy": "oldest_first", "staff_time.central_hours_per_week": 0.6},
        "median_days_to_first_response",
        "<",
    ),
    ("cast.recruits_per_month", "site_c", {}, {"cast.recruits_per_month": 0.0}, "cast_size", ">"),
    ("identification", "site_c", {}, {"identification.policy": "anonymous"}, "reputation_end", ">"),
    ("escalation", "site_c", TIGHT, {**TIGHT, "escalation.policy": "none"}, "reminders_sent", ">"),
    (
        "escalation",
        "site_c",
        TIGHT,
        {**TIGHT, "escalation.policy": "none"},
        "response_rate",
        ">",
    ),
    ("backstage", "site_c", {}, {"backstage.policy": "detached"}, "issues_backstage", ">"),
    ("backstage", "site_b", {}, {"backstage.policy": "detached"}, "issues_backstage", ">"),
    # Challenging teaches improvising staff, whose generic replies it flags: they grow more
    # confident and converse more. (Under stage directions only knee-jerk templates are
    # challenged, too few to move the cast's mean confidence beyond seed noise.)
    (
        "challenge",
        "site_c",
        {"scripting.policy": "none"},
        {"scripting.policy": "none", "challenge.policy": "none"},
        "share_conversational",
        ">",
    ),
    (
        "challenge",
        "site_c",
        {"scripting.policy": "none"},
        {"scripting.policy": "none", "challenge.policy": "none"},
        "mean_confidence_end",
        ">",
    ),
    ("leadership", "site_c", {}, {"leadership.policy": "none"}, "cast_size", ">"),
    (
        "leadership",
        "site_c",
        {**TIGHT, "escalation.policy": "none"},
        {**TIGHT, "escalation.policy": "none", "leadership.policy": "none"},
        "response_rate",
        ">",
    ),
    ("leadership.priority", "site_b", {}, {"leadership.priority": 0.0}, "response_rate", ">"),
    (
        "staff_time",
        "site_c",
        {},
        {"staff_time.policy": "squeezed"},
        "median_days_to_first_response",
        "<",
    ),
    (
        "staff_time.central_hours_per_week",
        "site_b",
        {},
        {"staff_time.central_hours_per_week": 0.0},
        "response_rate",
        ">",
    ),
    (
        "staff_time.hours_per_week",
        "site_c",
        {"escalation.policy": "none"},
        {"escalation.policy": "none", "staff_time.hours_per_week": 0.0},
        "response_rate",
        ">",
    ),
    (
        "staff_time.headspace_hours_per_month",
        "site_c",
        {},
        {"staff_time.headspace_hours_per_month": 0.0},
        "changes_made",
        ">",
    ),
]


@pytest.mark.parametrize(
    "lever, base, a, b, outcome, relation", CASES, ids=[f"{c[0]}:{c[4]}" for c in CASES]
)
def test_lever_moves_outcome(lever, base, a, b, outcome, relation):
    first = mean_outcome(base, a, outcome)
    second = mean_outcome(base, b, outcome)
    if relation == ">":
        assert first > second, f"{lever}: {outcome} {first} should exceed {second}"
    else:
        assert first < second, f"{lever}: {outcome} {first} should be below {second}"


def test_every_lever_is_exercised():
    covered = {case[0].split(".")[0] for case in CASES}
    assert covered == set(LEVERS)
