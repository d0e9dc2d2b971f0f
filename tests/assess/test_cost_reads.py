"""`cost_reads(powertrain, origin)` names every property a model's landed cost can read; the
re-assessment keeps the cost of a model whose set does not hold the changed property. So a
change (a new value, new qualifiers, a fact added or removed) to a property outside a model's
set must never move that model's cost lines, for any facts and every kind of model."""

from __future__ import annotations

from datetime import date
from typing import Any

from fact_changes import CHANGES, changed
from hypothesis import given, settings
from hypothesis import strategies as st
from test_matrix_cells import MODELS, POOL, _fact, _rates
from test_reassess_filter import OTHERS

from autoatlas.assess.batch import ModelSet, cost_plans, cost_plans_after
from autoatlas.assess.landed_cost import (
    PARTS,
    READS,
    CostPlan,
    cost_reads,
    plan_for,
    price_out,
)
from autoatlas.domain.facts import Fact
from autoatlas.rules.engine import Context, index_facts, vehicle_qualifiers

ON = date(2026, 7, 1)


def _plan(model: Any, facts: list[Fact]) -> CostPlan:
    return plan_for(model, "XX", ON, facts, index_facts(facts), vehicle_qualifiers(model))


VERSIONS = [row for row in [*POOL, *OTHERS] if row[0] in READS and row[0] != "trade.currency"]
# A random market (the pool's statements it holds) and one change to a cost statement.
_ONE_CHANGE = given(
    chosen=st.lists(st.booleans(), min_size=len(POOL), max_size=len(POOL)),
    change=st.sampled_from(CHANGES),
    version=st.integers(0, len(VERSIONS) - 1),
    which=st.integers(0, 10_000),
)


def _market(chosen: list[bool]) -> list[Fact]:
    """The pool's statements `chosen` marks, as one market's facts."""
    return [_fact(100 + i, *POOL[i][:2], **POOL[i][2]) for i, yes in enumerate(chosen) if yes]


def test_the_sets_leave_out_what_a_kind_of_model_never_reads() -> None:
    """Not every property for every model: otherwise nothing is saved."""
    assert "trade.import_duty.passenger_bev" not in cost_reads("ICE", "JP")
    assert "trade.fta_china.in_force" not in cost_reads("BEV", "JP")
    assert "trade.fta_china.in_force" in cost_reads("BEV", "CN")
    assert "policy.ev_incentive.amount" not in cost_reads("ICE", "CN")
    assert "trade.additional_duty.passenger_bev" not in cost_reads("PHEV", "CN")
    assert {"trade.vat.rate", "trade.additional_duty.passenger_all"} <= cost_reads("HEV", "DE")


def _check(facts: list[Any], after: list[Any], prop: str) -> int:
    """Assert the invariant for every model; how many costs the change moved."""
    moved = 0
    for model in MODELS:
        was = price_out(_plan(model, facts), model, _rates()).as_dict()
        now = price_out(_plan(model, after), model, _rates()).as_dict()
        if prop not in cost_reads(model.powertrain, model.origin):
            assert now == was, f"a change of {prop} moved {model.id}"
        moved += now != was
    return moved


def test_every_change_to_every_cost_statement_of_a_full_market() -> None:
    """Every statement present (an FTA in force, duties, taxes, incentives): each version
    of each cost property, each kind of change. The changes do move costs (the check bites)."""
    facts = _market([True] * len(POOL))
    moved = 0
    for version in range(len(VERSIONS)):
        for change in CHANGES:
            for which in (0, 1):
                after = changed(facts, change, VERSIONS[version], which)
                moved += _check(facts, after, VERSIONS[version][0])
    assert moved > 0


@settings(max_examples=80, deadline=None)
@_ONE_CHANGE
def test_a_change_outside_a_models_reads_never_moves_its_cost(
    chosen: list[bool], change: str, version: int, which: int
) -> None:
    facts = _market(chosen)
    _check(facts, changed(facts, change, VERSIONS[version], which), VERSIONS[version][0])


def test_the_plan_parts_read_the_cost_reads_and_fill_the_plan_in_order() -> None:
    """`replan` looks up again only the parts reading a changed property: the parts must
    cover every property the landed cost reads, and every field of a plan, once."""
    assert set().union(*(part.reads for part in PARTS)) == set(READS)
    assert [name for part in PARTS for name in part.names] == list(CostPlan.__dataclass_fields__)


def test_each_part_reads_only_its_properties() -> None:
    """A part is looked up again on a change to its reads alone, and once per kind of
    vehicle as its own facts narrow it: its look-up, under a rule allowing only its reads,
    must find what the whole look-up finds, for every kind of model over every statement."""
    facts = _market([True] * len(POOL))
    index = index_facts(facts)
    for model in MODELS:
        whole = _plan(model, facts)
        for part in PARTS:
            context = Context(
                model=model, market="XX", on=ON, facts=facts, rule=part.rule, index=index
            )
            assert part.look_up(context) == tuple(getattr(whole, name) for name in part.names)


# The models, and some that set apart what MODELS do not (every BYD is built in China, every
# Volkswagen in Germany, all are M1): a Chinese-built Volkswagen of each powertrain, and
# light trucks, so that a part's facts narrowed by maker or class split its kinds.
MIXED = [
    *MODELS,
    *(m.with_changes(maker="Volkswagen") for m in MODELS[::6] if m.origin == "CN"),
    *(m.with_changes(vehicle_class="N1") for m in MODELS[::7]),
]


def _check_batch_plans(
    facts: list[Fact], after: list[Fact], prop: str, chosen: list[Any] = MIXED
) -> None:
    """The matrix's plans after a change (`cost_plans_after`: each changed part looked up
    once per kind of vehicle as its own facts narrow it) find, for every model whose cost
    can read the property, the records its whole look-up finds, and are its plans before
    exactly when those records did not move; a model whose cost cannot read it keeps its
    plan, which prices it as the whole look-up does."""
    models = ModelSet.of(chosen)
    plans = cost_plans(models, "XX", ON, facts, index_facts(facts))
    again = cost_plans_after(models, "XX", ON, after, index_facts(after), plans, {prop})
    for model, plan, new in zip(chosen, plans, again, strict=True):
        whole = _plan(model, after)
        if prop in cost_reads(model.powertrain, model.origin):
            assert _records(new) == _records(whole), (model.id, prop)
            assert (new is plan) == (_records(plan) == _records(whole))
        else:
            assert new is plan
            assert price_out(new, model, _rates()) == price_out(whole, model, _rates())


def test_a_batchs_plans_after_every_change_to_a_full_market() -> None:
    facts = _market([True] * len(POOL))
    for version in VERSIONS:
        for change in CHANGES:
            for which in (0, 1):
                _check_batch_plans(facts, changed(facts, change, version, which), version[0])


@settings(max_examples=80, deadline=None)
@_ONE_CHANGE
def test_a_batchs_plans_after_a_change_are_the_plans_looked_up_whole(
    chosen: list[bool], change: str, version: int, which: int
) -> None:
    facts = _market(chosen)
    after = changed(facts, change, VERSIONS[version], which)
    _check_batch_plans(facts, after, VERSIONS[version][0])


def _records(plan: CostPlan) -> list[Any]:
    """A plan's records by identity (two records of equal value are not the same), and its
    label."""
    return [
        value if isinstance(value, str) else id(value)
        for value in (getattr(plan, name) for name in CostPlan.__dataclass_fields__)
    ]


@settings(max_examples=80, deadline=None)
@_ONE_CHANGE
def test_a_plan_looked_up_again_in_part_is_the_plan_looked_up_whole(
    chosen: list[bool], change: str, version: int, which: int
) -> None:
    """A model alone (the first of its kind, whatever the others): after a change, the
    parts reading the changed property looked up again give the records a whole look-up
    gives, and the plan itself (kept, with its total) when they are the records it had."""
    facts = _market(chosen)
    after = changed(facts, change, VERSIONS[version], which)
    for model in MODELS[::4]:
        _check_batch_plans(facts, after, VERSIONS[version][0], [model])
