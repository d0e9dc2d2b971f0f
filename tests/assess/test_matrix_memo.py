"""A matrix remembers rule findings across the models of a market (rules.memo): every
assessment must equal the one made without the memo, whatever the models share."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from autoatlas.assess.assessment import assess_with_facts, load_rates, matrix, statistic_properties
from autoatlas.atlas import Atlas
from autoatlas.rules.engine import index_facts
from autoatlas.rules.memo import Memo
from autoatlas.store import queries
from autoatlas.vehicles.spec import VehicleSpec
from factories import bundle

ON = date(2026, 7, 1)
BASE: dict[str, Any] = {
    "name": "Car",
    "maker": "BYD",
    "origin": "CN",
    "body_type": "sedan",
    "seats": 5,
    "battery_kwh": 60,
    "length_mm": 4500,
    "width_mm": 1800,
    "height_mm": 1500,
    "kerb_mass_kg": 1800,
    "ground_clearance_mm": 150,
    "operating_temp_min_c": -20,
    "operating_temp_max_c": 50,
    "connected_services": True,
}
FACTS = [
    ("trade.currency", "THB", {}),
    ("trade.exchange_rate.usd", 35, {}),
    ("roads.driving_side", "left", {}),
    ("regulation.lhd_registration", "restricted", {}),
    ("charging.dc_connector", ["CCS2"], {}),
    ("charging.ac_connector", ["Type2"], {}),
    ("charging.mains_voltage", 230, {"unit": "V"}),
    ("climate.temp_min_c", 12, {"unit": "degC", "qualifiers": {"city": "Chiang Mai"}}),
    ("climate.temp_max_c", 36, {"unit": "degC", "qualifiers": {"city": "Bangkok"}}),
    ("regulation.un_r155.mandatory_from", "2026-01-01", {}),
    ("regulation.un_r100.mandatory_from", "2027-01-01", {}),
    ("regulation.documentation.languages", ["th", "en"], {}),
    ("regulation.vehicle_data.localisation_required", True, {}),
    ("trade.import_duty.passenger_bev", 80, {"unit": "percent"}),
    ("trade.import_duty.passenger_bev", 0, {"unit": "percent", "qualifiers": {"origin": "CN"}}),
    (
        "trade.additional_duty.passenger_all",
        10,
        {"unit": "percent", "qualifiers": {"maker": "byd"}},
    ),
    ("trade.vat.rate", 7, {"unit": "percent"}),
    ("policy.ev_incentive.amount", {"amount": 50000, "currency": "THB"}, {}),
    ("policy.ev_incentive.price_cap", {"amount": 2000000, "currency": "THB"}, {}),
]


def _models() -> list[VehicleSpec]:
    """Models that share some of what the rules read and differ in the rest."""
    found = []
    choices = itertools.product(
        ("BEV", "PHEV", "ICE"),
        ("LHD", "RHD"),
        (frozenset(), frozenset({"UN-R155"}), frozenset({"UN-R155", "UN-R100"})),
        (("CN", "BYD"), ("DE", "Volkswagen")),
        (("30000", "USD"), ("1000000", "THB"), ("30000.00", "USD")),
    )
    for number, (
        powertrain,
        steering,
        certificates,
        (origin, maker),
        (amount, currency),
    ) in enumerate(choices):
        electric = powertrain != "ICE"
        spec = {
            **BASE,
            "id": f"m{number}",
            "powertrain": powertrain,
            "steering": steering,
            "certifications": sorted(certificates),
            "origin": origin,
            "maker": maker,
            "battery_kwh": 60 if electric else None,
            "dc_connectors": ["CCS2"] if powertrain == "BEV" else [],
            "ac_connectors": ["Type2"] if electric else [],
            "documentation_languages": ["en"] if number % 2 else ["en", "th"],
            "data_processed_in": ["TH"] if number % 3 == 0 else [],
            "price": {"amount": amount, "currency": currency},
        }
        found.append(VehicleSpec.model_validate(spec))
    return found


def test_remembered_findings_equal_computed_ones(
    atlas: Atlas, write_bundle: Callable[..., Path]
) -> None:
    rows = [{"market": "TH", "property": p, "value": v, **extra} for p, v, extra in FACTS]
    atlas.import_files([write_bundle(bundle(*rows))])
    models = _models()
    with atlas.read() as connection:
        facts = queries.profile(connection, "TH", as_of=ON, statistics=statistic_properties())
        rates = load_rates(connection, ON)
        fast = matrix(connection, models, ["TH"], ON)
    memo: Memo = {}
    index = index_facts(facts)
    remembered = [
        assess_with_facts(m, "TH", ON, facts, rates, index=index, memo=memo) for m in models
    ]
    computed = [assess_with_facts(m, "TH", ON, facts, rates) for m in models]
    assert [a.as_dict() for a in remembered] == [a.as_dict() for a in computed]
    assert sum(len(tree) > 0 for tree in memo.values()) > 10, "the memo was used"
    by_pair = {(a.model.id, a.market): a.as_dict() for a in computed}
    assert [a.as_dict() for a in fast] == [by_pair[(a.model.id, a.market)] for a in fast]
