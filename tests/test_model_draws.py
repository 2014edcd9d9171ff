"""Per-story draws made ahead in blocks (sim.model.DrawnAhead)."""

from __future__ import annotations

import itertools

import numpy as np

from sim.model import DrawnAhead
from sim.runner import simulate
from sim.scenario import load_scenario


def test_values_come_out_in_order_whatever_the_sizes_asked():
    counter = itertools.count()
    ahead = DrawnAhead(lambda k: [next(counter) for _ in range(k)], block=5)
    taken = []
    for n in (0, 3, 4, 1, 12, 2, 5):
        got = ahead.take(n)
        assert len(got) == n
        taken += got
    assert taken == list(range(len(taken)))


def test_discard_drops_what_was_drawn_under_old_parameters():
    scale = [1]
    ahead = DrawnAhead(lambda k: [scale[0]] * k, block=10)
    assert ahead.take(2) == [1, 1]
    scale[0] = 7
    ahead.discard()
    assert ahead.take(3) == [7, 7, 7]


def test_an_intervention_on_hostility_applies_from_its_day():
    base = load_scenario("benchmarks/site_c_full_volume.toml")
    hostile_from_30 = {"day": 30, "set": {"stories.hostility_mean": 0.9}}
    scenario = type(base).model_validate({**base.to_dict(), "interventions": [hostile_from_30]})
    model = simulate(scenario, 1, 60)
    negative = [s for s in model.lifecycle.stories if s.negative]
    hostility = np.array([s.hostility for s in negative])
    days = np.array([s.day for s in negative])
    # From its very day, not once the stories drawn ahead under the old mean are used up.
    assert hostility[days < 30].mean() < 0.5 < 0.8 < hostility[(days >= 30) & (days < 33)].mean()


def test_a_copied_model_draws_from_its_own_generator():
    import copy
    import pickle

    from sim.model import CurtainModel

    model = CurtainModel(load_scenario("benchmarks/site_c_full_volume.toml"), seed=3)
    model.run(20)
    for twin in (copy.deepcopy(model), pickle.loads(pickle.dumps(model))):
        assert twin._rows.draw.__self__ is twin and twin._hostilities.draw.__self__ is twin
        state = model.rng.bit_generator.state
        drawn = twin._rows.take(1000) + twin._hostilities.take(1000)
        assert model.rng.bit_generator.state == state  # the original's generator untouched
        again = copy.deepcopy(model)
        assert drawn == again._rows.take(1000) + again._hostilities.take(1000)
