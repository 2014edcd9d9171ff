"""Patients join Mesa's registry in daily batches (sim.mesa_core.register): the model ends up
exactly as if each had gone through ``mesa.Agent.__init__``."""

from __future__ import annotations

import mesa

from sim.agents import CommunicationsStaff, Manager, Patient, Responder
from sim.mesa_core import register
from sim.runner import simulate
from sim.scenario import load_scenario


class _Walker(mesa.Agent):
    """A plain Mesa agent registered the usual way, for comparison."""


class _Batched(mesa.Agent):
    def __init__(self, model):
        self.model = model
        self.unique_id = None
        self.pos = None


def test_batch_registration_matches_mesas_own():
    usual, batched = mesa.Model(rng=1), mesa.Model(rng=1)
    for _ in range(3):
        _Walker(usual)
    register(batched, [])  # nothing to do
    first = [_Walker(batched) for _ in range(3)]  # through Agent.__init__: ids 1..3
    rest = [_Batched(batched) for _ in range(5)]
    register(batched, rest)
    more = [_Batched(batched) for _ in range(2)]
    register(batched, more)
    assert [a.unique_id for a in first] == [1, 2, 3]
    assert [a.unique_id for a in rest + more] == [4, 5, 6, 7, 8, 9, 10]
    assert batched.agent_id_counter == 11
    assert list(batched.agents) == first + rest + more
    assert list(batched.agents_by_type[_Batched]) == rest + more
    assert len(usual.agents) == 3


class _Other(_Batched):
    pass


def test_a_mixed_batch_keeps_list_order_in_ids_and_in_each_kind():
    model = mesa.Model(rng=2)
    batch = [_Batched(model), _Other(model), _Batched(model), _Other(model), _Walker(model)]
    # _Walker registered itself on creation (id 1); the batch follows in list order.
    register(model, batch[:4])
    assert [a.unique_id for a in batch] == [2, 3, 4, 5, 1]
    assert list(model.agents_by_type[_Batched]) == [batch[0], batch[2]]
    assert list(model.agents_by_type[_Other]) == [batch[1], batch[3]]
    assert model.agent_id_counter == 6


def test_every_author_of_a_run_is_registered_once_with_a_unique_id():
    model = simulate(load_scenario("scenarios/site_c.toml"), 3, 400)
    authors = {id(s.author): s.author for s in model.lifecycle.stories}.values()
    patients = list(model.agents_by_type[Patient])
    assert {id(p) for p in patients} == {id(a) for a in authors}
    ids = [a.unique_id for a in model.agents]
    assert len(ids) == len(set(ids)) and None not in ids
    assert sorted(ids) == list(range(1, model.agent_id_counter))
    staff_types = {Responder, Manager, CommunicationsStaff}
    assert staff_types <= set(model.agent_types)
    assert all(isinstance(p, mesa.Agent) and p.model is model for p in patients)


def test_a_registry_laid_out_differently_falls_back_to_mesas_own_path():
    model = mesa.Model(rng=3)
    _Walker(model)
    model._agents_by_type[_Walker]._agents = None  # as if a future Mesa stored them otherwise
    calls = []
    model.register_agent = lambda agent: calls.append(agent)
    batch = [_Batched(model), _Batched(model)]
    register(model, batch)
    assert calls == batch
