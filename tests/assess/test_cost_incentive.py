"""`price_incentive`, the re-assessment's shortcut for a change to the incentive's amount or
price cap: it keeps the cost lines before the incentive line (only the customs value's cited
rates and the incentive line are redone). It must equal `price_out` over the new facts, for
any amount and cap (in any currency, or none) before and after, and for every model."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from test_matrix_cells import MODELS, POOL, _fact, _rates

from autoatlas.assess.assessment import _COST_RULE
from autoatlas.assess.landed_cost import (
    INCENTIVE_READS,
    CostPlan,
    cost_plan,
    price_incentive,
    price_out,
)
from autoatlas.domain.facts import Fact
from autoatlas.rules.engine import Context, index_facts, vehicle_qualifiers

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
    context = Context(
        model=model,
        market="XX",
        on=ON,
        facts=facts,
        rule=_COST_RULE,
        index=index_facts(facts),
        vehicle=vehicle_qualifiers(model),
    )
    return cost_plan(context)


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
        again = price_incentive(plan, model, _rates(), previous, {})
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
    again = price_incentive(plan, model, rates, previous, {})
    rates = _rates()
    rates.used.append(rates.per_usd["EUR"][1])
    assert again.as_dict() == price_out(plan, model, rates).as_dict()
    assert again.lines[0].facts != previous.lines[0].facts
