"""`MarketBatch.reassessed`: the matrix state of a market after a change set, with only what
the changed properties can move redone. Whatever changes (a value, the qualifiers, a fact
added or removed; rule, cost, incentive and rate properties, several at once, and changes
in turn), the batch must give every cell and every full assessment that `MarketBatch.of`
over the changed facts gives."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fact_changes import CHANGES, changed
from hypothesis import given, settings
from hypothesis import strategies as st
from test_matrix_batch import _varied
from test_matrix_batch import markets as markets  # the fixture
from test_matrix_cells import MODELS, POOL, _fact, _rates
from test_reassess_filter import OTHERS

from autoatlas.assess.assessment import load_rates, statistic_properties
from autoatlas.assess.batch import MarketBatch, ModelSet
from autoatlas.assess.landed_cost import READS
from autoatlas.atlas import Atlas
from autoatlas.domain.facts import Fact
from autoatlas.rules.engine import rules_reading
from autoatlas.store import queries

ON = date(2026, 7, 1)
VERSIONS: list[tuple[str, Any, dict[str, str]]] = [*POOL, *OTHERS]
CHOSEN = ModelSet.of(MODELS[::3])


def _rows(batch: MarketBatch) -> list[tuple[Any, ...]]:
    return [
        (c.model.id, c.score, c.penalties, c.blockers, c.total, c.currency, c.complete)
        for c in batch.cells()
    ]


def _same(batch: MarketBatch, facts: list[Fact]) -> None:
    # A model set of its own: nothing worked out for the batch under test is shared.
    fresh = MarketBatch.of(ModelSet.of(CHOSEN.models), "XX", ON, facts, _rates())
    assert _rows(batch) == _rows(fresh)
    assert [a.as_dict() for a in batch.assessments()] == [a.as_dict() for a in fresh.assessments()]


_CHANGE = st.tuples(
    st.sampled_from(CHANGES), st.integers(0, len(VERSIONS) - 1), st.integers(0, 10_000)
)


@settings(max_examples=80, deadline=None)
@given(
    chosen=st.lists(st.booleans(), min_size=len(POOL), max_size=len(POOL)),
    change_sets=st.lists(st.lists(_CHANGE, min_size=1, max_size=3), min_size=1, max_size=3),
    ranked_first=st.booleans(),
)
def test_a_reassessed_batch_equals_the_batch_of_the_changed_facts(
    chosen: list[bool], change_sets: list[list[tuple[str, int, int]]], ranked_first: bool
) -> None:
    facts = [_fact(100 + i, *POOL[i][:2], **POOL[i][2]) for i, yes in enumerate(chosen) if yes]
    batch = MarketBatch.of(CHOSEN, "XX", ON, facts, _rates())
    if ranked_first:  # the scores and totals worked out before the change, then carried
        batch.cells()
    number = 900
    for change_set in change_sets:
        props = set()
        for change, version, which in change_set:
            facts = changed(facts, change, VERSIONS[version], which, number=number)
            props.add(VERSIONS[version][0])
            number += 1
        batch = batch.reassessed(props, facts, _rates())
        _same(batch, facts)


def _pool_facts() -> list[Fact]:
    return [_fact(100 + i, *item[:2], **item[2]) for i, item in enumerate(POOL)]


def test_a_rule_only_change_reruns_that_rule_and_keeps_the_cost_plans() -> None:
    facts = _pool_facts()
    batch = MarketBatch.of(CHOSEN, "XX", ON, facts, _rates())
    batch.cells()
    after = changed(facts, "value", ("roads.driving_side", "right", {}), 0)
    again = batch.reassessed({"roads.driving_side"}, after, _rates())
    rerun = [new is not old for new, old in zip(again.columns, batch.columns, strict=True)]
    assert 0 < sum(rerun) < len(rerun)  # the rules reading the side, and only those
    assert again.plans is batch.plans
    _same(again, after)


def test_a_cost_change_reprices_only_the_models_whose_cost_reads_it() -> None:
    facts = _pool_facts()
    batch = MarketBatch.of(CHOSEN, "XX", ON, facts, _rates())
    before = batch.cells()
    prop = "trade.additional_duty.passenger_bev"
    after = changed(facts, "value", (prop, 40.0, {}), 0)  # 17 % on BYD's Chinese BEVs
    again = batch.reassessed({prop}, after, _rates())
    kept = [new is old for new, old in zip(again.plans, batch.plans, strict=True)]
    bev = [m.powertrain == "BEV" for m in CHOSEN.models]
    assert all(k for k, b in zip(kept, bev, strict=True) if not b)  # read for a BEV alone
    # Of the BEVs, only those the changed record applies to get a new plan (replan finds the
    # same records for the others, and they keep their plan and total).
    byd = [m.powertrain == "BEV" and m.origin == "CN" and m.maker == "BYD" for m in CHOSEN.models]
    assert (
        kept == [not b for b in byd]
        and any(byd)
        and any(bev[i] and kept[i] for i in range(len(bev)))
    )
    moved = [(a.total != b.total) for a, b in zip(again.cells(), before, strict=True)]
    assert any(moved) and not any(m for m, b in zip(moved, bev, strict=True) if not b)
    _same(again, after)


# Ported from the Assessment-level engine's tests (reassess, reassess_market): what a change
# redoes and keeps, and that the change shows.


def test_a_cost_only_change_keeps_every_column_and_redoes_the_cost() -> None:
    """A VAT change (no rule reads it) re-runs no rule: every column is the batch's own."""
    assert "trade.vat.rate" in READS and not rules_reading("trade.vat.rate")
    facts = _pool_facts()
    batch = MarketBatch.of(CHOSEN, "XX", ON, facts, _rates())
    before = [a.as_dict() for a in batch.assessments()]
    after = [
        dataclasses.replace(f, id=-f.id, value=21) if f.property == "trade.vat.rate" else f
        for f in facts
    ]
    again = batch.reassessed({"trade.vat.rate"}, after, _rates())
    assert all(new is old for new, old in zip(again.columns, batch.columns, strict=True))
    _same(again, after)
    assert [a.as_dict() for a in again.assessments()] != before


def test_a_property_nothing_reads_changes_nothing() -> None:
    facts = _pool_facts()
    batch = MarketBatch.of(CHOSEN, "XX", ON, facts, _rates())
    rows = _rows(batch)
    assert not rules_reading("market.population") and "market.population" not in READS
    more = [*facts, _fact(999, "market.population", 70_000_000)]
    again = batch.reassessed({"market.population"}, more, _rates())
    assert all(new is old for new, old in zip(again.columns, batch.columns, strict=True))
    assert again.plans is batch.plans
    assert _rows(again) == rows
    _same(again, more)


def test_the_change_shows_in_the_findings_and_the_score() -> None:
    """Left-hand traffic fails a left-hand-drive model; made right-hand, it passes."""
    facts = [f for f in _pool_facts() if f.property != "roads.driving_side" or not f.qualifiers]
    batch = MarketBatch.of(CHOSEN, "XX", ON, facts, _rates())
    was = batch.cells()
    after = changed(facts, "value", ("roads.driving_side", "right", {}), 0)
    again = batch.reassessed({"roads.driving_side"}, after, _rates())
    now = again.cells()
    lhd = next(i for i, m in enumerate(CHOSEN.models) if m.steering == "LHD")

    def steering(batch: MarketBatch) -> str:
        found = batch.assessment(lhd).findings
        return next(str(f.status) for f in found if f.rule == "roads.steering_side")

    assert (steering(batch), steering(again)) == ("fail", "ok")
    assert now[lhd].score > was[lhd].score
    _same(again, after)


def test_a_change_to_what_a_rule_converts_the_price_for_recites_the_rates() -> None:
    """The customs-value line cites the rates the rules converted the price with: removing
    the incentive's price cap in baht (the incentive rule then converts nothing) changes
    them; a duty change leaves them."""
    facts = [
        f
        for f in _pool_facts()
        if f.property != "policy.ev_incentive.price_cap" or f.value["currency"] == "THB"
    ]
    batch = MarketBatch.of(CHOSEN, "XX", ON, facts, _rates())
    batch.cells()
    after = [f for f in facts if f.property != "policy.ev_incentive.price_cap"]
    again = batch.reassessed({"policy.ev_incentive.price_cap"}, after, _rates())
    _same(again, after)
    customs = [
        (a.cost.lines[0].facts, b.cost.lines[0].facts)
        for a, b in zip(again.assessments(), batch.assessments(), strict=True)
    ]
    assert any(now != was for now, was in customs)
    prop = "trade.additional_duty.passenger_all"
    duty = [
        dataclasses.replace(f, id=-f.id, value=40.0) if f.property == prop else f for f in facts
    ]
    again = batch.reassessed({prop}, duty, _rates())
    _same(again, duty)
    customs = [
        (a.cost.lines[0].facts, b.cost.lines[0].facts)
        for a, b in zip(again.assessments(), batch.assessments(), strict=True)
    ]
    assert all(now == was for now, was in customs)


def test_a_cap_change_moves_some_scores_and_keeps_the_others() -> None:
    """Without a cap every price is eligible; a cap makes some models ineligible and leaves
    others: the scores carried from before the change and those worked out again both
    equal a fresh batch's."""
    facts = [f for f in _pool_facts() if f.property != "policy.ev_incentive.price_cap"]
    batch = MarketBatch.of(CHOSEN, "XX", ON, facts, _rates())
    was = [c.score for c in batch.cells()]
    for cap in ("20000", "30000", "1000000"):  # the prices are 30,000 USD
        after = [
            *facts,
            _fact(999, "policy.ev_incentive.price_cap", {"amount": cap, "currency": "USD"}),
        ]
        again = batch.reassessed({"policy.ev_incentive.price_cap"}, after, _rates())
        _same(again, after)
        if cap == "20000":
            now = [c.score for c in again.cells()]
            assert any(n != w for n, w in zip(now, was, strict=True))
            assert any(n == w for n, w in zip(now, was, strict=True))


CHANGED_IN_TH = [
    ("roads.driving_side", "right"),  # rules only
    ("regulation.lhd_registration", "banned"),  # rules only
    ("charging.dc_connector", ["CCS2", "GB/T"]),  # rules only, shared by projection
    ("trade.vat.rate", 10),  # the landed cost
    ("policy.ev_incentive.price_cap", {"amount": 30000, "currency": "USD"}),  # cost and a rule
    ("trade.exchange_rate.usd", 36.5),  # a rate: everything
    ("climate.temp_min_c", 12),  # a rule reading every city
]


@pytest.mark.parametrize(("prop", "value"), CHANGED_IN_TH)
def test_a_stored_market_reassessed_equals_its_batch_after(
    atlas: Atlas, markets: list[str], prop: str, value: object
) -> None:
    """On a market as the store reads it (test_matrix_batch's Thailand) and the matrix
    tests' varied models."""
    models = ModelSet.of(_varied())
    with atlas.read() as connection:
        facts = queries.profile(connection, "TH", as_of=ON, statistics=statistic_properties())
        rates = load_rates(connection, ON)
    batch = MarketBatch.of(models, "TH", ON, facts, rates)
    batch.cells()
    old = next(f for f in facts if f.property == prop)
    new = dataclasses.replace(old, id=-old.id, value=value)
    after = [new if f is old else f for f in facts]
    if prop == "trade.exchange_rate.usd":
        rates = dataclasses.replace(
            rates, per_usd={**rates.per_usd, "THB": (Decimal(str(value)), new)}
        )
    again = batch.reassessed({prop}, after, rates)
    fresh = MarketBatch.of(models, "TH", ON, after, rates)
    assert _rows(again) == _rows(fresh)
    assert [a.as_dict() for a in again.assessments()] == [a.as_dict() for a in fresh.assessments()]
    assert [a.as_dict() for a in again.assessments()] != [a.as_dict() for a in batch.assessments()]
