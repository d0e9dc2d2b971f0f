"""The portfolio alerts build a pair's full assessments (before and after) only where the
batches say one of what an alert reads may have moved: the failed blockers, a tax line's
rate, the landed price beyond the threshold. A cap change that takes one BEV out of the
incentive and leaves the other eligible gives both a new cost plan (the cap is on it) but
moves only the first one's price; the ICE model's cost does not read the cap at all (real
database). And a pair left out must be one whose full assessments raise no alert, whatever
the change (random change sets of duties, taxes, the luxury tax, the incentive, rules with
blockers and an exchange rate, over facts written here)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from alerts_helpers import ICE_SPEC, SPEC, fact, org_id, people, publish, reassess_change_set
from hypothesis import given, settings
from hypothesis import strategies as st

from autoatlas.alerts import portfolio
from autoatlas.alerts.portfolio import PortfolioPair, compare_assessments
from autoatlas.assess.assessment import Assessment
from autoatlas.assess.batch import MarketBatch, ModelSet
from autoatlas.assess.rates import Rates
from autoatlas.atlas import Atlas
from autoatlas.vehicles.spec import VehicleSpec
from factories import stored_fact

ON = date(2026, 7, 1)
FROM = "2020-01-01"
TH = "TH"
CAP = "policy.ev_incentive.price_cap"
SEAL = VehicleSpec.model_validate(SPEC)  # 30,000 USD: 1,572,900 THB landed before the grant
DOLPHIN = VehicleSpec.model_validate(
    {**SPEC, "id": "dolphin", "price": {"amount": "20000", "currency": "USD"}}
)  # 1,048,600 THB landed
COROLLA = VehicleSpec.model_validate(ICE_SPEC)


def test_only_the_pairs_whose_summary_moved_are_assessed_in_full(
    atlas: Atlas, monkeypatch: pytest.MonkeyPatch
) -> None:
    who = people(atlas)
    byd = org_id(atlas, "byd")
    publish(
        atlas,
        who,
        fact("TH", "trade.currency", "THB", valid_from=FROM),
        fact("TH", "trade.exchange_rate.usd", 35.0, valid_from=FROM),
        fact("TH", "trade.import_duty.passenger_bev", 40, unit="percent", valid_from=FROM),
        fact("TH", "trade.import_duty.passenger_ice", 40, unit="percent", valid_from=FROM),
        fact("TH", "trade.vat.rate", 7, unit="percent", valid_from=FROM),
        fact(
            "TH",
            "policy.ev_incentive.amount",
            {"amount": "50000", "currency": "THB"},
            valid_from=FROM,
        ),
        fact(TH, CAP, {"amount": "100000", "currency": "USD"}, valid_from=FROM),
    )
    models = [SEAL, DOLPHIN, COROLLA]
    pairs = [PortfolioPair(byd, model, TH) for model in models]
    built: list[str] = []
    assessment = MarketBatch.assessment

    def counting(batch: MarketBatch, i: int) -> Assessment:
        built.append(batch.models.models[i].id)
        return assessment(batch, i)

    monkeypatch.setattr(MarketBatch, "assessment", counting)
    # 1,400,000 THB: the Seal's landed price is above it now, the Dolphin's still under.
    change_set = publish(
        atlas, who, fact(TH, CAP, {"amount": "40000", "currency": "USD"}, valid_from=FROM)
    )
    found = reassess_change_set(atlas, pairs, change_set, ON)
    assert [(p.model.id, [c["change"] for c in change.changes]) for p, change in found] == [
        ("seal", ["landed_price_up"])
    ]
    assert built == ["seal", "seal"]  # before and after, the Seal's alone


def _money(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "USD"}


# What a change can take each property to (the first value is the market's before any
# change): duties, taxes, the luxury tax, the incentive, and rules with blockers.
VALUES: list[tuple[str, list[Any], dict[str, str]]] = [
    ("trade.import_duty.passenger_bev", [40, 0, 80], {}),
    ("trade.import_duty.passenger_ice", [40, 20], {}),
    ("trade.import_duty.passenger_phev", [40, 10], {}),
    ("trade.additional_duty.passenger_bev", [17.0, 0, 35.3], {"origin": "CN"}),
    ("trade.excise.passenger_rate", [8, 10], {}),
    # In baht: a Seal (30,000 USD) is under it at 35 baht a dollar, above it at 36.5.
    (
        "trade.luxury_tax.threshold",
        [{"amount": "1060000", "currency": "THB"}, _money("20000"), _money("40000")],
        {},
    ),
    ("trade.luxury_tax.rate", [10, 20], {}),
    ("trade.vat.rate", [7, 10], {}),
    ("trade.registration_tax.rate", [1, 3], {}),
    ("policy.ev_incentive.amount", [_money("1500"), _money("4000")], {}),
    ("policy.ev_incentive.price_cap", [_money("100000"), _money("25000"), _money("40000")], {}),
    ("regulation.lhd_registration", ["allowed", "restricted", "banned"], {}),
    ("roads.driving_side", ["left", "right"], {}),
    ("trade.import_ban.in_force", [True, False], {"powertrain": "ICE"}),
    ("charging.dc_connector", [["CCS2"], ["GB/T"]], {}),
]
MODELS = ModelSet.of(
    [
        SEAL,
        DOLPHIN,
        COROLLA,
        SEAL.with_changes(id="seal-rhd", steering="RHD", dc_connectors=["GB/T"]),
        SEAL.with_changes(id="tiggo", maker="Chery", powertrain="PHEV"),
        DOLPHIN.with_changes(id="dolphin-eur", price={"amount": "19000", "currency": "EUR"}),
    ]
)


def _rates(thb: float) -> Rates:
    currencies, per_usd = [], []
    for number, (market, currency, rate) in enumerate(
        (("XX", "THB", thb), ("EU", "EUR", 0.9), ("CN", "CNY", 7.1))
    ):
        currencies.append(stored_fact(1 + number, "trade.currency", currency, market=market))
        per_usd.append(stored_fact(4 + number, "trade.exchange_rate.usd", rate, market=market))
    return Rates.from_facts(currencies, per_usd)


_CHANGE = st.tuples(
    st.integers(0, len(VALUES) - 1), st.integers(0, 2), st.booleans()
)  # which property, its new value, or removed


@settings(max_examples=150, deadline=None)
@given(
    changes=st.lists(_CHANGE, min_size=1, max_size=3),
    thb=st.sampled_from([35.0, 35.0, 36.5]),
    threshold=st.sampled_from([Decimal("0"), Decimal("1.0"), Decimal("5")]),
)
def test_a_pair_left_unassessed_would_raise_no_alert(
    changes: list[tuple[int, int, bool]], thb: float, threshold: Decimal
) -> None:
    """What `_may_alert` leaves out, the full assessments would not alert on, whatever
    changed: a tax rate, the luxury tax, the incentive, a blocker, an exchange rate."""
    facts = [
        stored_fact(99, "trade.currency", "THB"),
        *(
            stored_fact(100 + n, prop, values[0], **qualifiers)
            for n, (prop, values, qualifiers) in enumerate(VALUES)
        ),
    ]
    after, props = list(facts), set()
    for number, (which, value, removed) in enumerate(changes):
        prop, values, qualifiers = VALUES[which]
        after = [f for f in after if f.property != prop]
        if not removed:
            after.append(stored_fact(900 + number, prop, values[value % len(values)], **qualifiers))
        props.add(prop)
    rates = _rates(thb)
    if thb != 35.0:
        props.add("trade.exchange_rate.usd")
    before = MarketBatch.of(MODELS, "XX", ON, facts, _rates(35.0))
    was = before.totals()
    again = before.reassessed(props, after, rates)
    chosen = set(portfolio._may_alert(before, was, again, again.totals(), threshold))
    for i in range(len(MODELS.models)):
        if i not in chosen:
            change = compare_assessments(
                before.assessment(i), again.assessment(i), threshold=threshold
            )
            assert change is None, (MODELS.models[i].id, change)
