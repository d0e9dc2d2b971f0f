"""Which (model, market) pairs a change to one property of one market touches
(`affected_pairs`): the market's and its members' for a property an assessment reads, none
for one nothing reads, every pair for an exchange rate. That what a change touches is
re-assessed exactly is tests/assess/test_batch_reassessed.py's."""

from __future__ import annotations

from autoatlas.assess.reassess import affected_pairs

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
