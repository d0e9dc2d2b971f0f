"""Re-assessing a whole market's models at once after one changed fact (`reassess_market`)
equals a full assessment of each over the changed facts, for a property only rules read, one
the landed cost reads, a rate, and one nothing reads."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest
from test_matrix_batch import _varied
from test_matrix_batch import markets as markets  # the fixture

from autoatlas.assess.assessment import assess_with_facts, load_rates, statistic_properties
from autoatlas.assess.reassess import reassess_market, splice
from autoatlas.atlas import Atlas
from autoatlas.store import queries

ON = date(2026, 7, 1)
CHANGES = [
    ("roads.driving_side", "right"),  # rules only
    ("charging.dc_connector", ["CCS2", "GB/T"]),  # rules only, shared by projection
    ("trade.vat.rate", 10),  # the landed cost
    ("policy.ev_incentive.price_cap", {"amount": 30000, "currency": "USD"}),  # cost and a rule
    ("trade.exchange_rate.usd", 36.5),  # a rate: everything
    ("climate.temp_min_c", 12),  # a rule reading every city
]


@pytest.mark.parametrize(("prop", "value"), CHANGES)
def test_a_market_reassessed_at_once_equals_full_assessments(
    atlas: Atlas,
    markets: list[str],
    prop: str,
    value: object,
) -> None:
    models = _varied()
    with atlas.read() as connection:
        facts = queries.profile(connection, "TH", as_of=ON, statistics=statistic_properties())
        rates = load_rates(connection, ON)
    before = [assess_with_facts(m, "TH", ON, facts, rates) for m in models]
    old = next(f for f in facts if f.property == prop)
    new = dataclasses.replace(old, id=-old.id, value=value)
    changed = splice(facts, prop, [new if f is old else f for f in facts if f.property == prop])
    if prop == "trade.exchange_rate.usd":
        rates = dataclasses.replace(
            rates, per_usd={**rates.per_usd, "THB": (Decimal(str(value)), new)}
        )
    after = reassess_market(before, prop, changed, rates)
    full = [assess_with_facts(m, "TH", ON, changed, rates) for m in models]
    assert [a.as_dict() for a in after] == [a.as_dict() for a in full]
    assert [a.as_dict() for a in after] != [a.as_dict() for a in before]


def test_a_property_no_rule_reads_moves_nothing(atlas: Atlas, markets: list[str]) -> None:
    models = _varied()[:5]
    with atlas.read() as connection:
        facts = queries.profile(connection, "TH", as_of=ON, statistics=statistic_properties())
        rates = load_rates(connection, ON)
    before = [assess_with_facts(m, "TH", ON, facts, rates) for m in models]
    assert reassess_market(before, "market.population", facts, rates) == before
    assert reassess_market([], "trade.vat.rate", facts, rates) == []
