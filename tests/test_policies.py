"""Each policy decides on its own, given its config section: no model needed."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from sim.castlist import CastList
from sim.policies.registry import (
    BACKSTAGE,
    CAST,
    CHALLENGE,
    ESCALATION,
    IDENTIFICATION,
    LEADERSHIP,
    REGISTRIES,
    SCRIPTING,
    STAFF_TIME,
    STAGING,
)
from sim.scenario import LEVERS
from sim.story import (
    CONVERSATIONAL,
    GENERIC,
    NONE,
    PERSONALISED,
    ROUTE_FEED,
    ROUTE_OFFLINE,
    ROUTE_PALS,
    ROUTE_PUBLIC,
)


def cfg(**kw):
    return SimpleNamespace(**kw)


def test_every_lever_has_a_registry_with_documented_policies():
    assert set(REGISTRIES) == set(LEVERS)
    for registry in REGISTRIES.values():
        assert len(registry.names()) >= 2
        for name in registry.names():
            assert registry.describe(name), f"{registry.lever}.{name} has no docstring"


# -- scripting --------------------------------------------------------------------------
SCRIPT = cfg(support=0.2, p_knee_jerk=0.3, improvisation_penalty=0.25)


NEEDS = (0.1, 0.3, 0.5)  # generic, personalised, conversational


def test_templates_only_ever_give_generic_replies():
    script = SCRIPTING.get("generic_templates")(SCRIPT)
    assert script.choose(1.0, NEEDS) == GENERIC
    assert script.choose(0.05, NEEDS) == NONE
    assert script.when_short_of_time(GENERIC, 0.0) == NONE
    assert not script.poor(GENERIC)  # a template is the script, not a failing of it


def test_stage_directions_give_bespoke_replies_or_none():
    script = SCRIPTING.get("stage_directions")(SCRIPT)
    assert script.cue == 0.2
    assert script.choose(0.6, NEEDS) == CONVERSATIONAL
    assert script.choose(0.4, NEEDS) == PERSONALISED
    assert script.choose(0.2, NEEDS) == NONE  # no template to fall back on
    # Short of time: a conversation shrinks to a personalised reply, that to a knee-jerk
    # template only with probability p_knee_jerk.
    assert script.when_short_of_time(CONVERSATIONAL, 0.99) == PERSONALISED
    assert script.when_short_of_time(PERSONALISED, 0.29) == GENERIC
    assert script.when_short_of_time(PERSONALISED, 0.31) == NONE
    assert script.poor(GENERIC) and not script.poor(CONVERSATIONAL)


def test_no_script_improvises_bespoke_only_with_extra_confidence():
    script = SCRIPTING.get("none")(SCRIPT)
    assert script.cue == 0.0
    assert script.choose(0.5, NEEDS) == GENERIC  # 0.5 < 0.3 + 0.25
    assert script.choose(0.6, NEEDS) == PERSONALISED
    assert script.choose(0.8, NEEDS) == CONVERSATIONAL
    assert script.choose(0.05, NEEDS) == NONE
    assert script.when_short_of_time(CONVERSATIONAL, 0.5) == PERSONALISED
    assert script.when_short_of_time(GENERIC, 0.5) == NONE


# -- staging --------------------------------------------------------------------------
def test_meet_online_never_redirects():
    staging = STAGING.get("meet_online")(cfg(redirect_sentiment="all"))
    assert not staging.redirects(True) and not staging.redirects(False)


@pytest.mark.parametrize(
    "which, negative, positive", [("negative", True, False), ("all", True, True)]
)
def test_redirect_offline_by_sentiment(which, negative, positive):
    staging = STAGING.get("redirect_offline")(cfg(redirect_sentiment=which))
    assert staging.redirects(True) is negative
    assert staging.redirects(False) is positive


# -- cast ------------------------------------------------------------------------------
def staff(service, confidence=0.5, role="frontline_clinical"):
    return SimpleNamespace(service=service, confidence=confidence, role=role, cast=None)


def make_cast():
    cast = CastList(services=3, experienced_at=0.7)
    local = [staff(0) for _ in range(5)] + [staff(1)]
    central = [staff(-1, role="patient_experience") for _ in range(4)]
    for member in local + central:
        cast.add(member)
    return cast, local, central


CAST_CFG = cfg(recruits_per_month=10.0)


def test_cast_list_knows_teams_and_experienced_colleagues_on_the_wings():
    cast, local, central = make_cast()
    assert len(cast) == 10 and len(cast.local[0]) == 5 and len(cast.central) == 4
    assert not cast.wings(local[0])
    cast.confidence_changed(local[1], 0.5, 0.8)  # a colleague in service 0 is now experienced
    local[1].confidence = 0.8
    assert cast.wings(local[0]) and not cast.wings(local[1])  # nobody else is
    assert not cast.wings(local[5]) and not cast.wings(central[0])  # other teams


def test_central_cast_works_one_inbox_and_never_recruits():
    central = CAST.get("central")(CAST_CFG)
    distributed = CAST.get("distributed")(CAST_CFG)
    assert central.central_only and not distributed.central_only
    assert central.recruits(drive=1.0, openness=1.0, room=100, poisson=lambda m: 5) == 0


def test_distributed_recruits_scale_with_drive_openness_and_room():
    policy = CAST.get("distributed")(CAST_CFG)
    means = []
    policy.recruits(0.5, 0.4, 100, lambda m: means.append(m) or 7)
    assert means == [pytest.approx(10.0 * 0.5 * 0.4)]
    assert policy.recruits(1.0, 1.0, room=3, poisson=lambda m: 7) == 3
    assert policy.recruits(0.0, 1.0, room=100, poisson=lambda m: 7) == 0
    assert policy.recruits(1.0, 1.0, room=0, poisson=lambda m: 7) == 0


# -- identification, leadership, staff time, challenge, escalation, backstage -----------
def test_identification_exposes_only_named_staff():
    named = IDENTIFICATION.get("named")(cfg(exposure=0.1))
    anonymous = IDENTIFICATION.get("anonymous")(cfg(exposure=0.1))
    assert named.named and named.exposure == 0.1
    assert not anonymous.named and anonymous.exposure == 0.0


def test_leadership_expectations():
    config = cfg(priority=0.8)
    none = LEADERSHIP.get("none")(config)
    reputation = LEADERSHIP.get("reputation_first")(config)
    top_down = LEADERSHIP.get("top_down")(config)
    assert none.expectation("frontline_clinical") == 0 and none.recruitment_drive() == 0
    assert reputation.expectation("communications") == 0.8
    assert reputation.expectation("frontline_clinical") == 0
    assert not reputation.fears_can_ease() and reputation.authority() == 0
    assert top_down.expectation("frontline_clinical") == 0.8
    assert top_down.recruitment_drive() == 0.8 and top_down.authority() == 0.8


def test_staff_time_protected_and_squeezed():
    config = cfg(p_squeezed_week=0.6)
    assert STAFF_TIME.get("protected")(config).weekly_hours(0.1, 2.0) == 2.0
    squeezed = STAFF_TIME.get("squeezed")(config)
    assert squeezed.weekly_hours(0.5, 2.0) == 0.0
    assert squeezed.weekly_hours(0.7, 2.0) == 2.0


def test_challenge():
    assert not CHALLENGE.get("none")(cfg(p_challenge=1.0)).challenges(0.0)
    guidelines = CHALLENGE.get("guidelines")(cfg(p_challenge=0.5))
    assert guidelines.challenges(0.4) and not guidelines.challenges(0.6)


def test_escalation_board_reviews_on_its_interval():
    config = cfg(board_review_interval_days=30, board_pressure_gain=2.0)
    reminders = ESCALATION.get("reminders")(config)
    assert reminders.reminds
    assert [d for d in range(100) if reminders.board_reviews(d)] == [30, 60, 90]
    assert reminders.pressure(0.25) == 0.5
    none = ESCALATION.get("none")(config)
    assert not none.reminds and not any(none.board_reviews(d) for d in range(100))
    no_board = ESCALATION.get("reminders")(cfg(board_review_interval_days=0, board_pressure_gain=1))
    assert not any(no_board.board_reviews(d) for d in range(100))


BACKSTAGE_CFG = cfg(
    p_take_up_public=0.4,
    p_take_up_offline=0.5,
    p_take_up_pals=0.3,
    p_take_up_feed=0.1,
    separate_team_factor=0.25,
    detached_factor=0.1,
)


@pytest.mark.parametrize(
    "policy, public, offline, pals, feed",
    [
        ("linked", 0.4, 0.5, 0.3, 0.1),
        ("separate_team", 0.1, 0.5, 0.3, 0.025),
        ("detached", 0.04, 0.05, 0.03, 0.01),
    ],
)
def test_backstage_routes_are_scaled_never_closed(policy, public, offline, pals, feed):
    link = BACKSTAGE.get(policy)(BACKSTAGE_CFG)
    assert link.take_up_chance(ROUTE_PUBLIC) == pytest.approx(public)
    assert link.take_up_chance(ROUTE_OFFLINE) == pytest.approx(offline)
    assert link.take_up_chance(ROUTE_PALS) == pytest.approx(pals)
    assert link.take_up_chance(ROUTE_FEED) == pytest.approx(feed)
    assert all(link.take_up_chance(r) > 0 for r in (ROUTE_PUBLIC, ROUTE_OFFLINE))


def test_queue_orders():
    from sim.policies.registry import QUEUE

    items = [
        SimpleNamespace(ready=i, story=SimpleNamespace(hostility=h))
        for i, h in enumerate([0.5, 0.1, 0.9])
    ]
    order = {
        name: [it.ready for it in QUEUE.get(name)(cfg()).order(items)] for name in QUEUE.names()
    }
    assert order == {
        "oldest_first": [0, 1, 2],
        "newest_first": [2, 1, 0],
        "mildest_first": [1, 0, 2],
        "most_hostile_first": [2, 0, 1],
    }


def test_registering_a_name_twice_is_refused():
    with pytest.raises(ValueError, match="registered twice"):
        SCRIPTING.register("none")(type("Again", (), {}))
