"""A monthly exchange rate is a period figure (a statistic): past its month, the latest one
that has started still converts; before the first one, the landed cost says it has no rate.
Rates written here are test values, not a source's."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from test_landed_cost_lines import MODEL

from autoatlas.assess.assessment import assess, load_rates
from autoatlas.atlas import Atlas
from autoatlas.vehicles.spec import VehicleSpec
from factories import bundle

RATES = [  # SGD per USD, one per month
    (35, "2026-09-01", "2026-10-01"),
    (36, "2026-10-01", "2026-11-01"),
]


@pytest.fixture
def rated(atlas: Atlas, write_bundle: Callable[..., Path]) -> Atlas:
    rows = [{"market": "SG", "property": "trade.currency", "value": "SGD"}] + [
        {
            "market": "SG",
            "property": "trade.exchange_rate.usd",
            "value": value,
            "valid_from": start,
            "valid_to": end,
        }
        for value, start, end in RATES
    ]
    atlas.import_files([write_bundle(bundle(*rows))])
    return atlas


@pytest.mark.parametrize(
    ("day", "rate"),
    [
        (date(2026, 8, 31), None),  # before the first month: no rate
        (date(2026, 9, 1), Decimal(35)),
        (date(2026, 9, 30), Decimal(35)),
        (date(2026, 10, 1), Decimal(36)),
        (date(2026, 11, 22), Decimal(36)),  # after the last month: the latest figure
        (date(2027, 3, 1), Decimal(36)),
    ],
)
def test_the_rate_on_a_day_is_its_month_or_the_latest_before_it(
    rated: Atlas, day: date, rate: Decimal | None
) -> None:
    with rated.read() as connection:
        found = load_rates(connection, day).per_usd.get("SGD")
        cost = assess(connection, VehicleSpec.model_validate(MODEL), "SG", day).cost
    assert (found[0] if found else None) == rate
    price = cost.line("price")
    if rate is None:
        assert [(line.key, line.amount) for line in cost.lines] == [("price", None)]
        assert cost.lines[0].note == "no exchange rate from USD to SGD"
        assert cost.total is None and not cost.complete
    else:
        assert price is not None and price.amount == Decimal(50000) * rate
        assert any(f.property == "trade.exchange_rate.usd" for f in price.facts)
