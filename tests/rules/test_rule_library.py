"""Every rule, with facts written here (not the starter data): a case where it holds, one
where it fails, one where the fact is missing ("unknown — no fact"), and one across a
valid-date boundary (the fact starts tomorrow: today it is unknown, tomorrow it decides)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from autoatlas.assess.assessment import assess
from autoatlas.atlas import Atlas
from autoatlas.rules.engine import RULES, Status, _load_library
from autoatlas.vehicles.spec import VehicleSpec
from factories import bundle

ON = date(2026, 7, 1)
BASE: dict[str, Any] = {
    "id": "seal",
    "name": "Seal",
    "maker": "BYD",
    "origin": "CN",
    "powertrain": "BEV",
    "body_type": "sedan",
    "seats": 5,
    "battery_kwh": 82.5,
    "steering": "LHD",
    "dc_connectors": ["CCS2"],
    "ac_connectors": ["Type2"],
    "charger_voltage_min_v": 100,
    "charger_voltage_max_v": 240,
    "length_mm": 4800,
    "width_mm": 1875,
    "height_mm": 1460,
    "kerb_mass_kg": 2150,
    "ground_clearance_mm": 120,
    "operating_temp_min_c": -25,
    "operating_temp_max_c": 50,
    "connected_services": True,
    "data_processed_in": ["CN"],
    "documentation_languages": ["en"],
    "price": {"amount": "30000", "currency": "USD"},
}

# rule → (facts [(property, value, extra)], model changes that pass, model changes that fail)
Case = tuple[list[tuple[str, Any, dict[str, Any]]], dict[str, Any], dict[str, Any]]
CASES: dict[str, Case] = {
    "roads.steering_side": (
        [("roads.driving_side", "right", {}), ("regulation.rhd_registration", "banned", {})],
        {},
        {"steering": "RHD"},
    ),
    "roads.ground_clearance": ([("roads.paved_share", 30, {})], {"ground_clearance_mm": 200}, {}),
    "charging.dc_connector": (
        [("charging.dc_connector", ["CCS2"], {})],
        {},
        {"dc_connectors": ["GB/T"]},
    ),
    "charging.ac_connector": (
        [("charging.ac_connector", ["Type2"], {})],
        {},
        {"ac_connectors": ["GB/T"]},
    ),
    "charging.mains_voltage": (
        [("charging.mains_voltage", 230, {"unit": "V"})],
        {},
        {"charger_voltage_min_v": 100, "charger_voltage_max_v": 130},
    ),
    "climate.cold": (
        [("climate.temp_min_c", -10, {"qualifiers": {"city": "Moscow"}})],
        {},
        {"operating_temp_min_c": -5},
    ),
    "climate.heat": (
        [("climate.temp_max_c", 36, {"qualifiers": {"city": "Riyadh"}})],
        {},
        {"operating_temp_max_c": 35},
    ),
    "regulation.type_approval": (
        [("regulation.type_approval.regime", "EU-WVTA", {})],
        {"certifications": ["EU-WVTA"]},
        {},
    ),
    "regulation.fleet_co2": (
        [("regulation.fleet_co2.target", 93.6, {"unit": "g/km"})],
        {},
        {"powertrain": "PHEV", "co2_g_km": 120},
    ),
    "regulation.connected_vehicle_origin": (
        [
            (
                "regulation.connected_vehicle.origin_restriction",
                "ban on connected systems",
                {"qualifiers": {"origin": "CN"}},
            )
        ],
        {"origin": "TH"},
        {},
    ),
    "regulation.data_localisation": (
        [("regulation.vehicle_data.localisation_required", True, {})],
        {"data_processed_in": ["CN", "TH"]},
        {},
    ),
    "regulation.battery_epr": ([("regulation.battery.epr_required", False, {})], {}, {}),
    "regulation.documentation_languages": (
        [("regulation.documentation.languages", ["en", "th"], {})],
        {"documentation_languages": ["en", "th"]},
        {},
    ),
    "trade.additional_duty": ([("trade.additional_duty.passenger_bev", 0, {})], {}, {}),
    "trade.import_ban": (
        [("trade.import_ban.in_force", True, {"qualifiers": {"origin": "CN"}})],
        {"origin": "TH"},
        {},
    ),
    "trade.fta_china": ([("trade.fta_china.in_force", True, {})], {}, {}),
    "trade.import_quota": ([("trade.import_quota.units", 5000, {})], {}, {}),
    "policy.incentive_eligibility": (
        [
            ("policy.ev_incentive.amount", {"amount": 100000, "currency": "USD"}, {}),
            ("policy.ev_incentive.price_cap", {"amount": 40000, "currency": "USD"}, {}),
        ],
        {},
        {"price": {"amount": "50000", "currency": "USD"}},
    ),
    "policy.local_production": (
        [("policy.local_production.requirement", "build 1:1 locally", {})],
        {},
        {},
    ),
    "policy.ice_phase_out": (
        [("policy.ice_phase_out.date", "2030-01-01", {})],
        {"powertrain": "HEV"},
        {"powertrain": "HEV"},
    ),
}
for _cert in ("un_r155", "un_r156", "un_r100", "un_r138", "un_r152", "un_r144"):
    _prop = {"un_r144": "regulation.ecall.mandatory_from"}.get(
        _cert, f"regulation.{_cert}.mandatory_from"
    )
    CASES[f"regulation.{_cert}"] = (
        [(_prop, "2024-07-07", {})],
        {"certifications": [_cert.upper().replace("_", "-")]},
        {},
    )
for _duty, _cert in (
    ("passport", "battery-passport"),
    ("carbon_footprint", "battery-carbon-footprint"),
):
    _prop = {
        "passport": "regulation.battery.passport_required_from",
        "carbon_footprint": "regulation.battery.carbon_footprint_declaration_from",
    }[_duty]
    CASES[f"regulation.battery_{_duty}"] = (
        [(_prop, "2025-02-18", {})],
        {"certifications": [_cert]},
        {},
    )
# Rules whose "fails" is a note the team must read rather than a failed requirement.
NOTES = {"trade.fta_china", "trade.import_quota", "policy.local_production", "policy.ice_phase_out"}
# Rules that stay silent without a fact: their absence is not a requirement (see the rules).
SILENT_WHEN_MISSING = {"trade.import_quota", "policy.local_production", "policy.ice_phase_out"}


def test_every_rule_has_a_case() -> None:
    _load_library()
    assert len(RULES) >= 25
    assert sorted(CASES) == sorted(RULES)


def model(**changes: Any) -> VehicleSpec:
    return VehicleSpec.model_validate({**BASE, **changes})


def load(
    atlas: Atlas,
    write: Callable[..., Path],
    facts: list[tuple[str, Any, dict[str, Any]]],
    start: date | None = None,
) -> None:
    rows = []
    for prop, value, extra in facts:
        row = {"market": "TH", "property": prop, "value": value, **extra}
        if start:
            row["valid_from"] = start.isoformat()
        rows.append(row)
    atlas.import_files([write(bundle(*rows))])


def findings(atlas: Atlas, rule_id: str, spec: VehicleSpec, on: date = ON) -> list[Any]:
    with atlas.read() as connection:
        result = assess(connection, spec, "TH", on)
    return [f for f in result.findings if f.rule == rule_id]


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_holds_fails_misses_and_turns_on_its_date(
    atlas: Atlas, write_bundle: Callable[..., Path], rule_id: str
) -> None:
    facts, passing, failing = CASES[rule_id]
    missing = findings(atlas, rule_id, model(**passing))
    if rule_id in SILENT_WHEN_MISSING:
        assert missing == []
    else:
        assert [f.status for f in missing] == [Status.UNKNOWN]
        assert "unknown — no fact" in missing[0].message.en
    tomorrow = ON + timedelta(days=1)
    load(atlas, write_bundle, facts, start=tomorrow)
    assert [f.status for f in findings(atlas, rule_id, model(**passing))] == [
        f.status for f in missing
    ], "a fact valid from tomorrow must not decide today"
    held = findings(atlas, rule_id, model(**passing), on=tomorrow)
    failed = findings(atlas, rule_id, model(**failing), on=tomorrow)
    assert held and failed
    expected_held = {Status.NOTE} if rule_id in NOTES else {Status.OK, Status.NOTE}
    assert {f.status for f in held} <= expected_held | {Status.OK}
    if rule_id not in NOTES and failing:
        assert [f.status for f in failed] == [Status.FAIL]
        assert failed[0].adaptation is not None or rule_id == "regulation.fleet_co2"
    for finding in held + failed:
        assert finding.facts, "a finding cites the facts it used"
        assert all(fact.sources for fact in finding.facts)
        assert finding.message.zh
