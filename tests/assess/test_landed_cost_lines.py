"""Landed-cost lines and totals with every rate written here (test values for Singapore, not
its law): luxury tax above a threshold in another currency, registration tax, an incentive
under its price cap, a price basis that is not CIF, and a currency with no rate."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autoatlas.assess.assessment import assess
from autoatlas.atlas import Atlas
from autoatlas.vehicles.spec import VehicleSpec
from factories import bundle

ON = date(2026, 7, 1)
MODEL: dict[str, Any] = {
    "id": "lux-ev",
    "name": "Lux EV",
    "maker": "Example Motors",
    "origin": "JP",
    "powertrain": "BEV",
    "body_type": "sedan",
    "seats": 5,
    "battery_kwh": 90,
    "dc_connectors": ["CCS2"],
    "steering": "RHD",
    "length_mm": 4900,
    "width_mm": 1900,
    "height_mm": 1450,
    "kerb_mass_kg": 2200,
    "ground_clearance_mm": 140,
    "operating_temp_min_c": -20,
    "operating_temp_max_c": 50,
    "price": {"amount": "50000", "currency": "USD"},
}
SG = [
    ("trade.currency", "SGD", {}),
    ("trade.exchange_rate.usd", 1.35, {}),
    ("trade.import_duty.passenger_bev", 10, {"unit": "percent"}),
    ("trade.excise.passenger_rate", 20, {"unit": "percent"}),
    ("trade.luxury_tax.threshold", {"amount": 54000, "currency": "SGD"}, {}),
    ("trade.luxury_tax.rate", 10, {"unit": "percent"}),
    ("trade.vat.rate", 9, {"unit": "percent"}),
    ("trade.registration_tax.rate", 100, {"unit": "percent"}),
    ("policy.ev_incentive.amount", {"amount": 5000, "currency": "SGD"}, {}),
    ("policy.ev_incentive.price_cap", {"amount": 200000, "currency": "SGD"}, {}),
]


@pytest.fixture
def singapore(atlas: Atlas, write_bundle: Callable[..., Path]) -> Atlas:
    rows = [{"market": "SG", "property": p, "value": v, **extra} for p, v, extra in SG]
    atlas.import_files([write_bundle(bundle(*rows))])
    return atlas


def lines(atlas: Atlas, **changes: Any) -> Any:
    spec = VehicleSpec.model_validate({**MODEL, **changes})
    with atlas.read() as connection:
        return assess(connection, spec, "SG", ON).cost


def test_every_line_and_the_total_worked_out_by_hand(singapore: Atlas) -> None:
    cost = lines(singapore)
    # customs value 50,000 USD × 1.35                      = 67,500.00 SGD
    # import duty 10 % of 67,500.00                        =  6,750.00
    # excise 20 % of 67,500 + 6,750 = 74,250.00            = 14,850.00
    # luxury tax 10 % of (67,500 − 54,000) = 13,500.00     =  1,350.00
    # VAT 9 % of 74,250 + 14,850 + 1,350 = 90,450.00       =  8,140.50
    # registration 100 % of 74,250 + 14,850 = 89,100.00    = 89,100.00
    # gross 187,690.50 ≤ cap 200,000: incentive            = −5,000.00
    # total 182,690.50 SGD; / 1.35 = 135,326.296… → 135,326.30 USD
    assert [(line.key, line.rate, line.amount) for line in cost.lines] == [
        ("price", None, Decimal("67500.00")),
        ("mfn_duty", 10.0, Decimal("6750.00")),
        ("excise", 20.0, Decimal("14850.00")),
        ("luxury_tax", 10.0, Decimal("1350.00")),
        ("vat", 9.0, Decimal("8140.50")),
        ("registration", 100.0, Decimal("89100.00")),
        ("incentive", None, Decimal("-5000.00")),
    ]
    assert cost.total == Decimal("182690.50")
    assert cost.total_in_model_currency == Decimal("135326.30")
    assert cost.complete
    assert all(line.facts for line in cost.lines), "each line cites its facts"


def test_above_the_cap_no_incentive_and_an_ex_works_price_is_flagged(singapore: Atlas) -> None:
    cost = lines(singapore, price={"amount": "60000", "currency": "USD"}, price_basis="ex_works")
    # 81,000.00; duty 8,100.00; excise 20 % of 89,100 = 17,820.00; luxury 10 % of 27,000 =
    # 2,700.00; VAT 9 % of 109,620.00 = 9,865.80; registration 106,920.00;
    # gross 226,405.80 > 200,000: no incentive; total 226,405.80 SGD
    assert cost.line("incentive") is None
    assert cost.total == Decimal("226405.80")
    price = cost.line("price")
    assert price is not None and price.note is not None and "ex_works" in price.note


def test_a_currency_without_a_rate_leaves_the_cost_unknown(singapore: Atlas) -> None:
    cost = lines(singapore, price={"amount": "50000", "currency": "EUR"})
    assert [(line.key, line.amount) for line in cost.lines] == [("price", None)]
    assert cost.lines[0].note == "no exchange rate from EUR to SGD"
    assert cost.total is None and not cost.complete


def test_a_china_built_fcev_under_an_fta_pays_the_electric_rate(
    atlas: Atlas, write_bundle: Callable[..., Path]
) -> None:
    # FCEVs take the BEV lines (MFN and FTA); this used to raise KeyError('FCEV').
    rows = [
        {"market": "SG", "property": p, "value": v, **extra}
        for p, v, extra in [
            *SG,
            ("trade.fta_china.in_force", True, {}),
            ("trade.fta_china.duty.passenger_bev", 0, {"unit": "percent"}),
        ]
    ]
    atlas.import_files([write_bundle(bundle(*rows))])
    with atlas.read() as connection:
        spec = VehicleSpec.model_validate(
            {**MODEL, "origin": "CN", "powertrain": "FCEV", "dc_connectors": []}
        )
        cost = assess(connection, spec, "SG", ON).cost
    duty = cost.line("mfn_duty")
    assert duty is not None and duty.label == "Import duty (FTA with China)"
    assert duty.amount == Decimal("0.00")


@settings(max_examples=300, deadline=None)
@given(
    value=st.decimals(
        min_value=Decimal("-1e12"), max_value=Decimal("1e12"), allow_nan=False, places=None
    )
)
def test_money_rounds_to_the_cent_half_up(value: Decimal) -> None:
    """Every line is rounded to the cent, half up, by a context of its own (faster than the
    keyword form): the same as `quantize(..., rounding=ROUND_HALF_UP)` for any amount."""
    from decimal import ROUND_HALF_UP

    from autoatlas.assess.landed_cost import _money

    expected = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert _money(value) == expected
    assert str(_money(value)) == str(expected)
