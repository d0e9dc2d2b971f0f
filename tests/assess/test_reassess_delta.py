"""`reassess_market` redoes only what a changed property can move: the rules reading it (the
other rules' findings kept) and, for a property the landed cost reads, the cost lines alone
(the findings and penalties kept when no rule reads it). The after-state built from that
delta must equal a full re-assessment over the changed facts, for random markets and random
changes (a value, the qualifiers, a fact added or removed) of random properties."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

from fact_changes import CHANGES, changed
from hypothesis import given, settings
from hypothesis import strategies as st
from test_matrix_cells import MODELS, POOL, _fact, _rates
from test_reassess_filter import OTHERS

from autoatlas.assess.assessment import assess_with_facts
from autoatlas.assess.batch import ModelSet
from autoatlas.assess.landed_cost import READS
from autoatlas.assess.reassess import reassess_changes, reassess_market
from autoatlas.domain.facts import Fact
from autoatlas.rules.engine import rules_reading

ON = date(2026, 7, 1)
# New versions of facts: every statement of the pool (another value of the same property
# comes from a second entry or from OTHERS) and the other versions of the filter's test.
VERSIONS: list[tuple[str, Any, dict[str, str]]] = [*POOL, *OTHERS]
CHOSEN_MODELS = MODELS[::3]  # every kind of model, fewer of each: the examples stay fast


def _full(facts: list[Fact]) -> list[dict[str, Any]]:
    rates = _rates()
    return [assess_with_facts(m, "XX", ON, facts, rates).as_dict() for m in CHOSEN_MODELS]


@settings(max_examples=60, deadline=None)
@given(
    chosen=st.lists(st.booleans(), min_size=len(POOL), max_size=len(POOL)),
    change=st.sampled_from(CHANGES),
    version=st.integers(0, len(VERSIONS) - 1),
    which=st.integers(0, 10_000),
)
def test_the_after_state_from_the_delta_equals_a_full_reassessment(
    chosen: list[bool], change: str, version: int, which: int
) -> None:
    facts = [_fact(100 + i, *POOL[i][:2], **POOL[i][2]) for i, yes in enumerate(chosen) if yes]
    prop = VERSIONS[version][0]
    after = changed(facts, change, VERSIONS[version], which)
    rates = _rates()
    before = [assess_with_facts(m, "XX", ON, facts, rates) for m in CHOSEN_MODELS]
    again = reassess_market(before, prop, after, rates, models=ModelSet.of(CHOSEN_MODELS))
    assert [a.as_dict() for a in again] == _full(after), f"{change} of {prop}"


def test_a_cost_only_change_keeps_the_findings_and_redoes_the_cost() -> None:
    """The shortcut is taken: a VAT change (no rule reads it) reuses each finding list."""
    assert "trade.vat.rate" in READS and not rules_reading("trade.vat.rate")
    facts = [_fact(100 + i, *row[:2], **row[2]) for i, row in enumerate(POOL)]
    after = [
        dataclasses.replace(f, id=-f.id, value=21) if f.property == "trade.vat.rate" else f
        for f in facts
    ]
    rates = _rates()
    before = [assess_with_facts(m, "XX", ON, facts, rates) for m in CHOSEN_MODELS]
    again = reassess_market(before, "trade.vat.rate", after, rates)
    assert all(a.findings is b.findings for a, b in zip(again, before, strict=True))
    assert [a.as_dict() for a in again] == _full(after)
    assert [a.as_dict() for a in again] != [b.as_dict() for b in before]


def test_a_change_to_what_a_rule_converts_the_price_for_recites_the_rates() -> None:
    """The customs-value line cites the rates the rules converted the price with: removing
    the incentive's price cap (the incentive rule then converts nothing) changes them, and a
    kept customs-value line would be wrong; a duty change keeps the line as it was."""
    # The cap in THB: the rule converts the (USD) prices, citing the THB rate.
    facts = [
        _fact(100 + i, *row[:2], **row[2])
        for i, row in enumerate(POOL)
        if row[0] != "policy.ev_incentive.price_cap" or row[1]["currency"] == "THB"
    ]
    after = [f for f in facts if f.property != "policy.ev_incentive.price_cap"]
    rates = _rates()
    before = [assess_with_facts(m, "XX", ON, facts, rates) for m in CHOSEN_MODELS]
    again = reassess_market(before, "policy.ev_incentive.price_cap", after, rates)
    assert [a.as_dict() for a in again] == _full(after)
    customs = [
        (a.cost.lines[0].facts, b.cost.lines[0].facts) for a, b in zip(again, before, strict=True)
    ]
    assert any(now != was for now, was in customs)
    duty = [
        dataclasses.replace(f, id=-f.id, value=40.0)
        if f.property == "trade.additional_duty.passenger_all"
        else f
        for f in facts
    ]
    again = reassess_market(before, "trade.additional_duty.passenger_all", duty, rates)
    assert [a.as_dict() for a in again] == _full(duty)


def test_the_spliced_penalties_are_worked_out_per_penalties_before_and_fresh_findings() -> None:
    """The splice is shared by models with the same penalties before and the same fresh
    counted findings; a cap change makes some models eligible and others not, so models
    with equal penalties before end with different ones, and each gets its own list."""
    facts = [
        _fact(100 + i, *row[:2], **row[2])
        for i, row in enumerate(POOL)
        if row[0] != "policy.ev_incentive.price_cap"  # no cap: every price is eligible
    ]
    rates = _rates()
    before = [assess_with_facts(m, "XX", ON, facts, rates) for m in CHOSEN_MODELS]
    for cap in ("20000", "30000", "1000000"):  # the prices are 30,000 USD and others
        after = [
            *facts,
            _fact(999, "policy.ev_incentive.price_cap", {"amount": cap, "currency": "USD"}),
        ]
        again = reassess_market(before, "policy.ev_incentive.price_cap", after, rates)
        assert [a.as_dict() for a in again] == _full(after), cap
        lists = [a.penalties for a in again]
        assert len({id(p) for p in lists}) == len(lists)  # no list shared between models


@settings(max_examples=60, deadline=None)
@given(
    chosen=st.lists(st.booleans(), min_size=len(POOL), max_size=len(POOL)),
    changes=st.lists(
        st.tuples(
            st.sampled_from(CHANGES),
            st.integers(0, len(VERSIONS) - 1),
            st.integers(0, 10_000),
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_a_change_set_of_several_properties_equals_a_full_reassessment(
    chosen: list[bool], changes: list[tuple[str, int, int]]
) -> None:
    """`reassess_changes` (a change set: several properties changed at once, as the
    portfolio alerts re-assess them) over the final facts equals a full re-assessment,
    whatever mix of rule, cost, incentive and rate properties changed."""
    facts = [_fact(100 + i, *POOL[i][:2], **POOL[i][2]) for i, yes in enumerate(chosen) if yes]
    after = list(facts)
    props = {VERSIONS[version][0] for _change, version, _which in changes}
    for number, (change, version, which) in enumerate(changes):
        after = changed(after, change, VERSIONS[version], which, number=900 + number)
    rates = _rates()
    before = [assess_with_facts(m, "XX", ON, facts, rates) for m in CHOSEN_MODELS]
    again = reassess_changes(before, props, after, rates, models=ModelSet.of(CHOSEN_MODELS))
    assert [a.as_dict() for a in again] == _full(after), f"{changes}"
