"""Re-assessing only what one changed fact can move: which pairs a change touches, and that
the partial re-run equals a full assessment over the changed facts (facts written here)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from autoatlas.assess.assessment import assess_with_facts, load_rates, statistic_properties
from autoatlas.assess.reassess import affected_pairs, reassess, splice
from autoatlas.atlas import Atlas
from autoatlas.domain.facts import Fact
from autoatlas.store import queries
from autoatlas.vehicles.spec import VehicleSpec
from factories import SEAL, bundle

ON = date(2026, 7, 1)
SPEC: dict[str, Any] = SEAL
TH = [
    ("trade.currency", "THB", {}),
    ("trade.exchange_rate.usd", 35, {}),
    ("roads.driving_side", "left", {}),
    ("regulation.lhd_registration", "restricted", {}),
    ("charging.dc_connector", ["CCS2"], {}),
    ("trade.import_duty.passenger_bev", 80, {"unit": "percent"}),
    ("trade.vat.rate", 7, {"unit": "percent"}),
    ("policy.ev_incentive.amount", {"amount": 50000, "currency": "THB"}, {}),
    ("policy.ev_incentive.price_cap", {"amount": 2000000, "currency": "THB"}, {}),
]
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


@pytest.fixture
def thailand(atlas: Atlas, write_bundle: Callable[..., Path]) -> tuple[list[Fact], Any]:
    rows = [{"market": "TH", "property": p, "value": v, **extra} for p, v, extra in TH]
    atlas.import_files([write_bundle(bundle(*rows))])
    with atlas.read() as connection:
        facts = queries.profile(connection, "TH", as_of=ON, statistics=statistic_properties())
        return facts, load_rates(connection, ON)


def _changed(facts: list[Fact], prop: str, value: Any) -> list[Fact]:
    now = [dataclasses.replace(f, value=value) for f in facts if f.property == prop]
    assert now, f"no {prop} fact to change"
    return splice(facts, prop, now)


@pytest.mark.parametrize(
    ("prop", "value", "steering"),
    [
        ("roads.driving_side", "right", "LHD"),  # a rule only: the others are kept
        ("regulation.lhd_registration", "banned", "LHD"),
        ("roads.driving_side", "right", "RHD"),
        ("trade.vat.rate", 10, "LHD"),  # the landed cost reads it
        ("policy.ev_incentive.price_cap", {"amount": "900000", "currency": "THB"}, "LHD"),
        ("trade.exchange_rate.usd", 36, "LHD"),  # a rate: everything
    ],
)
def test_the_partial_re_run_equals_a_full_assessment(
    thailand: tuple[list[Fact], Any], prop: str, value: Any, steering: str
) -> None:
    facts, rates = thailand
    model = VehicleSpec.model_validate({**SPEC, "steering": steering})
    previous = assess_with_facts(model, "TH", ON, facts, rates)
    changed = _changed(facts, prop, value)
    if prop == "trade.exchange_rate.usd":
        rates = dataclasses.replace(
            rates, per_usd={"THB": (rates.per_usd["THB"][0] + 1, rates.per_usd["THB"][1])}
        )
    partial = reassess(previous, prop, changed, rates)
    full = assess_with_facts(model, "TH", ON, changed, rates)
    assert partial.as_dict() == full.as_dict()


def test_the_change_shows_and_an_unread_property_changes_nothing(
    thailand: tuple[list[Fact], Any],
) -> None:
    facts, rates = thailand
    model = VehicleSpec.model_validate(SPEC)
    previous = assess_with_facts(model, "TH", ON, facts, rates)
    steering = next(f for f in previous.findings if f.rule == "roads.steering_side")
    assert steering.status == "fail"
    after = reassess(
        previous, "roads.driving_side", _changed(facts, "roads.driving_side", "right"), rates
    )
    steering = next(f for f in after.findings if f.rule == "roads.steering_side")
    assert steering.status == "ok"
    assert after.score > previous.score
    assert reassess(previous, "market.bev_sales", facts, rates) is previous
