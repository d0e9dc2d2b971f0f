"""`reprice`, the re-assessment's shortcut for a change to one cost property: it keeps the
cost lines before the first one the property can move (`RESUMES`: the incentive's amount and
cap redo only the incentive line, VAT only VAT, registration and the incentive, ...), and
redoes the customs value's cited rates and the rest. It must equal `price_out` over the new
facts: for any amount and cap of the incentive (in any currency, or none) before and after,
for any change to any resumable property of a market, and for every model."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

from fact_changes import CHANGES, changed
from hypothesis import given, settings
from hypothesis import strategies as st
from test_matrix_cells import MODELS, POOL, _fact, _rates
from test_reassess_filter import OTHERS

from autoatlas.assess.landed_cost import (
    INCENTIVE_READS,
    RESUMES,
    CostPlan,
    plan_for,
    price_out,
    reprice,
)
from autoatlas.domain.facts import Fact
from autoatlas.rules.engine import index_facts, vehicle_qualifiers

ON = date(2026, 7, 1)
# Every cost fact of the pool but the incentive's: duties, excise, luxury tax, VAT.
BASE = [
    _fact(100 + i, *row[:2], **row[2])
    for i, row in enumerate(POOL)
    if (row[0] not in INCENTIVE_READS and row[0] != "trade.currency") or row[1] == "THB"
]
MONEY = st.one_of(
    st.none(),
    st.builds(
        lambda amount, currency: {"amount": str(amount), "currency": currency},
        st.integers(0, 3_000_000),
        st.sampled_from(["THB", "USD", "EUR", "XYZ"]),  # XYZ: no exchange rate
    ),
)


def _plan(model: Any, facts: list[Fact]) -> CostPlan:
    return plan_for(model, "XX", ON, facts, index_facts(facts), vehicle_qualifiers(model))


def _with(amount: dict[str, str] | None, cap: dict[str, str] | None) -> list[Fact]:
    extra = []
    if amount is not None:
        extra.append(_fact(900, "policy.ev_incentive.amount", amount))
    if cap is not None:
        extra.append(_fact(901, "policy.ev_incentive.price_cap", cap))
    return [*BASE, *extra]


@settings(max_examples=60, deadline=None)
@given(before=st.tuples(MONEY, MONEY), after=st.tuples(MONEY, MONEY))
def test_repricing_the_incentive_alone_equals_pricing_out_whole(
    before: tuple[Any, Any], after: tuple[Any, Any]
) -> None:
    old, new = _with(*before), _with(*after)
    for model in MODELS:
        previous = price_out(_plan(model, old), model, _rates())
        plan = _plan(model, new)
        again = reprice(plan, model, _rates(), previous, "policy.ev_incentive.amount", {})
        assert again.as_dict() == price_out(plan, model, _rates()).as_dict(), model.id
        # The lines between the customs value and the incentive are the ones kept.
        kept = [line for line in previous.lines[1:] if line.key != "incentive"]
        assert all(a is b for a, b in zip(again.lines[1:], kept, strict=False))


def test_the_customs_value_recites_the_rates_the_caller_passes() -> None:
    """The rules' conversions (passed in `rates.used`) are cited by the customs value: a
    kept first line would cite the old ones."""
    model = next(m for m in MODELS if m.powertrain == "BEV" and m.price.currency != "THB")
    facts = _with({"amount": "50000", "currency": "THB"}, {"amount": "40000", "currency": "USD"})
    plan = _plan(model, facts)
    previous = price_out(plan, model, _rates())
    rates = _rates()
    rates.used.append(rates.per_usd["EUR"][1])  # as if a rule had converted to EUR
    again = reprice(plan, model, rates, previous, "policy.ev_incentive.price_cap", {})
    rates = _rates()
    rates.used.append(rates.per_usd["EUR"][1])
    assert again.as_dict() == price_out(plan, model, rates).as_dict()
    assert again.lines[0].facts != previous.lines[0].facts


RESUMABLE = [row for row in [*POOL, *OTHERS] if row[0] in RESUMES]


@settings(max_examples=120, deadline=None)
@given(
    chosen=st.lists(st.booleans(), min_size=len(POOL), max_size=len(POOL)),
    change=st.sampled_from(CHANGES),
    version=st.integers(0, len(RESUMABLE) - 1),
    which=st.integers(0, 10_000),
)
def test_repricing_from_the_first_line_a_property_moves_equals_pricing_out_whole(
    chosen: list[bool], change: str, version: int, which: int
) -> None:
    facts = [_fact(100 + i, *POOL[i][:2], **POOL[i][2]) for i, yes in enumerate(chosen) if yes]
    prop = RESUMABLE[version][0]
    after = changed(facts, change, RESUMABLE[version], which)
    for model in MODELS:
        previous = price_out(_plan(model, facts), model, _rates())
        plan = _plan(model, after)
        again = reprice(plan, model, _rates(), previous, prop, {})
        assert again.as_dict() == price_out(plan, model, _rates()).as_dict(), (model.id, prop)


def test_every_resumable_property_is_a_cost_property_and_lines_are_kept() -> None:
    """A VAT change keeps the lines before VAT (the same objects)."""
    facts = [_fact(100 + i, *row[:2], **row[2]) for i, row in enumerate(POOL)]
    after = [
        dataclasses.replace(f, id=-f.id, value=21) if f.property == "trade.vat.rate" else f
        for f in facts
    ]
    model = MODELS[0]
    previous = price_out(_plan(model, facts), model, _rates())
    again = reprice(_plan(model, after), model, _rates(), previous, "trade.vat.rate", {})
    keys = [line.key for line in again.lines]
    kept = keys.index("vat")
    assert kept >= 3 and all(
        a is b for a, b in zip(again.lines[:kept], previous.lines, strict=False)
    )
    assert again.line("vat") != previous.line("vat")
