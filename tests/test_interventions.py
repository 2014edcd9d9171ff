"""Interventions switch levers on their day, and only from then on."""

from __future__ import annotations

from sim.runner import run

from .conftest import site


def test_site_a_engagement_starts_on_its_day():
    scenario = site("site_a")
    day = scenario.fieldwork_start_day + 120
    result = run(scenario, seed=3, days=day + 90)
    events = result.events
    switch = events[events["event"] == "intervention"]
    assert switch["day"].tolist() == [day]
    assert "Sporadic generic engagement begins" in switch["note"].iloc[0]
    answers = events[events["event"] == "answered"]
    assert len(answers) > 0 and answers["day"].min() >= day


def test_a_new_chief_nurse_changes_the_culture_mid_run():
    chief_nurse = {
        "day": 180,
        "note": "A new chief nurse reviews the approach",
        "set": {
            "scripting.policy": "stage_directions",
            "staging.policy": "meet_online",
            "identification.policy": "named",
            "leadership.policy": "top_down",
            "leadership.priority": 0.7,
            "cast.policy": "distributed",
            "cast.max_size": 200,
            "cast.size": 40,
            "staff_time.policy": "protected",
            "staff_time.hours_per_week": 1.0,
            "staff_time.central_hours_per_week": 3.0,
        },
    }
    base = site("site_a")
    changed = base.model_copy(update={"interventions": [*base.interventions]})
    changed = type(base).model_validate(
        {**changed.to_dict(), "interventions": [*changed.to_dict()["interventions"], chief_nurse]}
    )
    result = run(changed, seed=2, days=300)
    daily, events = result.daily, result.events
    assert daily["cast_size"].iloc[179] == 2 and daily["cast_size"].iloc[180] == 40
    answers = events[events["event"] == "answered"]
    before = answers[answers["day"] < 180]
    after = answers[answers["day"] >= 180]
    assert set(before["detail"]) <= {"generic"}
    assert after["detail"].isin(["personalised", "conversational"]).mean() > 0.5
    assert after["actor_id"].nunique() > 2


def test_resizing_the_cast_down_and_up():
    base = site("site_c")
    data = base.to_dict()
    data["interventions"] = [
        {"day": 10, "set": {"cast.size": 50}, "note": "grow"},
        {"day": 20, "set": {"cast.size": 5}, "note": "cut"},
    ]
    result = run(type(base).model_validate(data), seed=1, days=30)
    sizes = result.daily["cast_size"]
    assert sizes.iloc[9] == 3 and sizes.iloc[10] == 50 and sizes.iloc[20] == 5
