"""Which (model, market) pairs a change to one property of one market touches
(`affected_pairs`): the market's and its members' for a property an assessment reads, none
for one nothing reads, every pair for an exchange rate. That what a change touches is
re-assessed exactly is tests/assess/test_batch_reassessed.py's."""

from __future__ import annotations

import pytest

from autoatlas.assess.reassess import affected_pairs, splice
from factories import stored_fact

PORTFOLIO = [("seal", "TH"), ("dolphin", "TH"), ("seal", "DE"), ("seal", "FR"), ("seal", "EU")]


def test_a_rule_only_property_touches_that_market_and_its_members() -> None:
    assert affected_pairs("roads.driving_side", "TH", PORTFOLIO) == [
        ("seal", "TH"),
        ("dolphin", "TH"),
    ]
    # A bloc's fact reaches the members that inherit it.
    assert affected_pairs("trade.vat.rate", "EU", PORTFOLIO, members=["DE", "FR"]) == [
        ("seal", "DE"),
        ("seal", "FR"),
        ("seal", "EU"),
    ]


def test_models_by_market_give_the_same_pairs() -> None:
    by_market = {"TH": ["seal", "dolphin"], "DE": ["seal"], "FR": ["seal"], "EU": ["seal"]}
    assert affected_pairs("roads.driving_side", "TH", by_market) == [
        ("seal", "TH"),
        ("dolphin", "TH"),
    ]
    assert sorted(affected_pairs("trade.vat.rate", "EU", by_market, members=["DE"])) == [
        ("seal", "DE"),
        ("seal", "EU"),
    ]


def test_unread_properties_touch_nothing_and_rates_touch_everything() -> None:
    assert affected_pairs("market.bev_sales", "TH", PORTFOLIO) == []
    assert affected_pairs("trade.exchange_rate.usd", "TH", PORTFOLIO) == PORTFOLIO


def test_splice_replaces_the_changed_properties_only() -> None:
    vat, side, duty = (
        stored_fact(1, "trade.vat.rate", 7),
        stored_fact(2, "roads.driving_side", "left"),
        stored_fact(3, "trade.excise.passenger_rate", 10),
    )
    new_vat = stored_fact(4, "trade.vat.rate", 10)
    after = splice([vat, side, duty], {"trade.vat.rate", "trade.excise.passenger_rate"}, [new_vat])
    assert after == [side, new_vat]
    # A bare name would be read as a collection of letters and replace nothing.
    with pytest.raises(TypeError, match="collection of property names"):
        splice([vat], "trade.vat.rate", [new_vat])
