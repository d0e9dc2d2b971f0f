"""Synthetic inputs for the assessment benchmark: vehicle models, and a layer of rule facts.

Deterministic (random.Random(42)). The models are valid `VehicleSpec`s of every powertrain,
with varied connectors, steering, prices and certifications. The layer gives every market the
facts the rules and the landed cost read (driving side, connectors, mains voltage, climate,
type approval, UN regulation dates, duties, VAT, ...): it supersedes the synthetic database's
random values of those properties with plausible ones, so the rules do real work.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from autoatlas.vehicles.spec import CERTIFICATIONS, VehicleSpec

__all__ = ["LAYER_FROM", "layer_bundle", "synthetic_models"]

ROOT = Path(__file__).resolve().parent.parent
LAYER_FROM = "2025-01-01"  # the synthetic database's last versions start here, open-ended

MAKERS = (
    "BYD",
    "SAIC",
    "Geely",
    "Chery",
    "Great Wall",
    "Tesla",
    "Volkswagen",
    "Toyota",
    "Hyundai",
    "Renault",
    "Ford",
    "Tata",
)
ORIGINS = ("CN", "CN", "CN", "DE", "JP", "KR", "US", "TH", "MX", "IN", "FR", "CZ")
POWERTRAINS = ("BEV", "BEV", "BEV", "PHEV", "PHEV", "EREV", "HEV", "ICE", "ICE", "FCEV")
BODIES = ("sedan", "SUV", "SUV", "hatchback", "pickup", "MPV", "wagon", "coupe", "van")
DC_SETS = (
    ("CCS2",),
    ("CCS1",),
    ("GB/T",),
    ("CHAdeMO",),
    ("NACS",),
    ("CCS2", "CHAdeMO"),
    ("CCS1", "NACS"),
    ("GB/T", "CCS2"),
)
AC_SETS = (("Type2",), ("Type1",), ("GB/T",), ("NACS",), ("Type2", "GB/T"))
PRICE_CURRENCIES = ("USD", "USD", "EUR", "CNY", "JPY", "KRW")
PRICE_SCALE = {"USD": 1, "EUR": 0.92, "CNY": 7.2, "JPY": 150, "KRW": 1350}
LANGUAGES = ("en", "fr", "es", "de", "zh", "ar", "pt", "ru", "th", "ja")

LEFT_HAND_TRAFFIC = frozenset(
    [
        "AG",
        "AI",
        "AU",
        "BB",
        "BD",
        "BM",
        "BN",
        "BS",
        "BT",
        "BW",
        "CC",
        "CK",
        "CX",
        "CY",
        "DM",
        "FJ",
        "FK",
        "GB",
        "GD",
        "GG",
        "GY",
        "HK",
        "ID",
        "IE",
        "IM",
        "IN",
        "JE",
        "JM",
        "JP",
        "KE",
        "KI",
        "KN",
        "KY",
        "LC",
        "LK",
        "LS",
        "MO",
        "MS",
        "MT",
        "MU",
        "MV",
        "MW",
        "MY",
        "MZ",
        "NA",
        "NF",
        "NP",
        "NR",
        "NU",
        "NZ",
        "PG",
        "PK",
        "PN",
        "SB",
        "SC",
        "SG",
        "SH",
        "SR",
        "SZ",
        "TC",
        "TH",
        "TK",
        "TL",
        "TO",
        "TT",
        "TV",
        "TZ",
        "UG",
        "VC",
        "VG",
        "VI",
        "WS",
        "ZA",
        "ZM",
        "ZW",
    ]
)
EU = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "HU",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
    ]
)
REGIME = {
    "EU": "EU-WVTA",
    "US": "FMVSS",
    "CA": "CMVSS",
    "AU": "ADR",
    "IN": "AIS-CMVR",
    "RU": "TR-CU",
    "KZ": "TR-CU",
    "BY": "TR-CU",
    "AM": "TR-CU",
    "KG": "TR-CU",
    "SA": "GSO",
    "AE": "GSO",
    "KW": "GSO",
    "QA": "GSO",
    "BH": "GSO",
    "OM": "GSO",
    "JP": "JIS-TRIAS",
    "KR": "KMVSS",
    "CN": "CCC",
    "BR": "INMETRO",
    "MX": "NOM",
}
DC_STANDARD = {
    "US": ["CCS1", "NACS"],
    "CA": ["CCS1", "NACS"],
    "MX": ["CCS1"],
    "KR": ["CCS1"],
    "JP": ["CHAdeMO"],
    "CN": ["GB/T"],
    "AU": ["CCS2", "CHAdeMO"],
    "IN": ["CCS2", "GB/T"],
}
AC_STANDARD = {
    "US": ["Type1", "NACS"],
    "CA": ["Type1", "NACS"],
    "MX": ["Type1"],
    "KR": ["Type1"],
    "JP": ["Type1"],
    "CN": ["GB/T"],
    "IN": ["Type2", "GB/T"],
}
MAINS = {
    "US": 120,
    "CA": 120,
    "MX": 127,
    "JP": 100,
    "TW": 110,
    "BR": 127,
    "CO": 110,
    "SA": 220,
    "GB": 240,
    "AU": 230,
}


def synthetic_models(count: int, seed: int = 42) -> list[VehicleSpec]:
    """`count` valid models: every powertrain, varied connectors, steering, prices."""
    rng = random.Random(seed)
    return [_model(number, rng) for number in range(count)]


def _model(number: int, rng: random.Random) -> VehicleSpec:
    powertrain = rng.choice(POWERTRAINS)
    plug_in = powertrain in ("BEV", "PHEV", "EREV")
    electric = plug_in or powertrain == "FCEV"
    maker = rng.choice(MAKERS)
    currency = rng.choice(PRICE_CURRENCIES)
    amount = round(rng.uniform(12_000, 120_000) * PRICE_SCALE[currency], 2)
    charger = rng.choice(((100, 240), (200, 250), (100, 130), (None, None)))
    data: dict[str, Any] = {
        "id": f"m{number:04d}-{maker.lower().replace(' ', '-')}",
        "name": f"{maker} model {number}",
        "maker": maker,
        "origin": rng.choice(ORIGINS),
        "powertrain": powertrain,
        "vehicle_class": "N1" if rng.random() < 0.1 else "M1",
        "body_type": rng.choice(BODIES),
        "seats": rng.choice((2, 4, 5, 5, 5, 7, 8)),
        "battery_kwh": round(rng.uniform(40, 120), 1)
        if powertrain == "BEV"
        else (round(rng.uniform(8, 40), 1) if plug_in else None),
        "battery_chemistry": rng.choice(("LFP", "NMC", "NCA", "LMFP")) if electric else None,
        "range_km": round(rng.uniform(250, 700)) if powertrain == "BEV" else None,
        "range_cycle": rng.choice(("WLTP", "CLTC", "EPA")) if powertrain == "BEV" else None,
        "dc_connectors": list(rng.choice(DC_SETS)) if powertrain in ("BEV", "EREV") else [],
        "ac_connectors": list(rng.choice(AC_SETS)) if plug_in else [],
        "dc_power_kw": rng.choice((50, 100, 150, 250, 350)) if powertrain == "BEV" else None,
        "ac_power_kw": rng.choice((7.4, 11, 22)) if plug_in else None,
        "charger_voltage_min_v": charger[0] if plug_in else None,
        "charger_voltage_max_v": charger[1] if plug_in else None,
        "steering": "RHD" if rng.random() < 0.25 else "LHD",
        "length_mm": rng.randint(3600, 5400),
        "width_mm": rng.randint(1600, 2100),
        "height_mm": rng.randint(1300, 2000),
        "kerb_mass_kg": rng.randint(900, 2900),
        "ground_clearance_mm": rng.randint(110, 260),
        "operating_temp_min_c": rng.choice((-40, -30, -25, -20, -10, 0)),
        "operating_temp_max_c": rng.choice((40, 45, 50, 55)),
        "battery_thermal_management": rng.choice(("air", "liquid", "liquid", "liquid-heat-pump"))
        if electric
        else rng.choice(("none", "passive")),
        "certifications": sorted(rng.sample(CERTIFICATIONS, rng.randint(0, 14))),
        "connected_services": rng.random() < 0.7,
        "data_processed_in": sorted(rng.sample(("CN", "DE", "US", "SG", "IE"), rng.randint(0, 2))),
        "documentation_languages": sorted(rng.sample(LANGUAGES, rng.randint(1, 4))),
        "co2_g_km": None if powertrain in ("BEV", "FCEV") else round(rng.uniform(20, 220)),
        "price": {"amount": f"{amount:.2f}", "currency": currency},
        "price_basis": rng.choice(("CIF", "CIF", "FOB", "ex_works")),
    }
    return VehicleSpec.model_validate(data)


def _currencies() -> dict[str, str]:
    """Each market's current currency, from the shipped CLDR reference bundle."""
    data = yaml.safe_load((ROOT / "data" / "reference" / "cldr.yaml").read_text(encoding="utf-8"))
    found: dict[str, tuple[str, str]] = {}
    for fact in data["facts"] if isinstance(data, dict) else data:
        if fact.get("property") == "trade.currency" and not fact.get("valid_to"):
            start = str(fact.get("valid_from") or "")
            if fact["market"] not in found or start > found[fact["market"]][0]:
                found[fact["market"]] = (start, fact["value"])
    return {market: value for market, (_start, value) in found.items()}


def layer_bundle(
    path: Path, markets: Iterable[str], statements: Iterable[tuple[str, dict[str, str]]]
) -> int:
    """Write the rule layer as one JSON bundle; `statements` are the synthetic database's
    (property, qualifiers), so the layer supersedes every one a rule or the landed cost reads
    (same period). Returns the number of facts."""
    rng = random.Random(42)
    currencies = _currencies()
    per_usd: dict[str, float] = {"USD": 1.0, "EUR": 0.92}
    synthetic = list(statements)
    facts: list[dict[str, Any]] = []
    for market in markets:
        for prop, qualifiers, value, unit in _market_facts(
            market, rng, currencies, per_usd, synthetic
        ):
            fact: dict[str, Any] = {
                "market": market,
                "property": prop,
                "value": value,
                "valid_from": LAYER_FROM,
                "sources": ["bench-layer"],
                "confidence": "medium",
            }
            if unit:
                fact["unit"] = unit
            if qualifiers:
                fact["qualifiers"] = qualifiers
            facts.append(fact)
    bundle = {
        "sources": [
            {
                "id": "bench-layer",
                "kind": "dataset",
                "title": "AutoAtlas benchmark: synthetic rule-relevant facts",
                "publisher": "AutoAtlas benchmark",
            }
        ],
        "facts": facts,
    }
    path.write_text(json.dumps(bundle, ensure_ascii=False), encoding="utf-8")
    return len(facts)


def _market_facts(
    market: str,
    rng: random.Random,
    currencies: dict[str, str],
    per_usd: dict[str, float],
    synthetic: list[tuple[str, dict[str, str]]],
) -> list[tuple[str, dict[str, str], Any, str | None]]:
    found: list[tuple[str, dict[str, str], Any, str | None]] = []

    def add(prop: str, value: Any, unit: str | None = None, **qualifiers: str) -> None:
        found.append((prop, qualifiers, value, unit))

    eu = market == "EU"
    currency = currencies.get(market, "EUR" if eu else "USD")
    add("trade.currency", currency)
    if currency not in per_usd:
        per_usd[currency] = round(10 ** rng.uniform(-0.5, 3.5), 4)
    left = market in LEFT_HAND_TRAFFIC
    add("roads.driving_side", "left" if left else "right")
    add(
        "regulation.rhd_registration" if not left else "regulation.lhd_registration",
        rng.choice(("allowed", "restricted", "banned")),
    )
    add(
        "charging.dc_connector",
        DC_STANDARD.get(market, rng.choice((["CCS2"], ["CCS2", "CHAdeMO"]))),
    )
    add("charging.ac_connector", AC_STANDARD.get(market, ["Type2"]))
    add("regulation.type_approval.regime", REGIME.get(market, rng.choice(("UNECE", "national"))))
    for prop in ("un_r155", "un_r156", "un_r100", "un_r152", "un_r138", "ecall"):
        if eu or rng.random() < 0.6:
            day = "2024-07-07" if eu else f"{rng.randint(2022, 2029)}-{rng.randint(1, 12):02d}-01"
            add(f"regulation.{prop}.mandatory_from", day)
    if eu:
        add("regulation.battery.passport_required_from", "2027-02-18")
        add("regulation.battery.carbon_footprint_declaration_from", "2025-02-18")
    add("regulation.battery.epr_required", eu or rng.random() < 0.3)
    add(
        "regulation.vehicle_data.localisation_required",
        market in ("CN", "RU") or rng.random() < 0.1,
    )
    if market in ("US", "CA") or rng.random() < 0.05:
        add(
            "regulation.connected_vehicle.origin_restriction",
            "connected-vehicle software and hardware from this origin are prohibited",
            origin="CN",
        )
    add("regulation.documentation.languages", sorted({"en", rng.choice(LANGUAGES)}))
    if rng.random() < 0.2:
        add("policy.ice_phase_out.date", f"{rng.randint(2030, 2040)}-01-01")
    if rng.random() < 0.3:
        add(
            "policy.ev_incentive.amount",
            {"amount": str(rng.choice((1000, 2000, 3000, 5000))), "currency": "USD"},
        )
        add(
            "policy.ev_incentive.price_cap",
            {"amount": str(rng.choice((40_000, 50_000, 60_000))), "currency": "USD"},
        )
    if rng.random() < 0.2:
        add("trade.luxury_tax.threshold", {"amount": "80000", "currency": "USD"})
    if rng.random() < 0.2:
        add("trade.fta_china.in_force", True)
        add("trade.fta_china.agreement", "Regional Comprehensive Economic Partnership (RCEP)")
    elif rng.random() < 0.5:
        add("trade.fta_china.in_force", False)
    add("trade.import_ban.in_force", False)
    for prop, qualifiers in synthetic:
        value = _numeric(prop, qualifiers, market, rng, per_usd[currency], left)
        if value is not None:
            found.append((prop, qualifiers, value[0], value[1]))
    return found


def _numeric(
    prop: str,
    qualifiers: dict[str, str],
    market: str,
    rng: random.Random,
    rate: float,
    left: bool,
) -> tuple[Any, str | None] | None:
    """A plausible value for a synthetic statement a rule reads; None for the others."""
    if prop.startswith("trade.import_duty."):
        return rng.choice((0, 5, 6, 10, 10, 15, 20, 25, 30, 40, 70)), "percent"
    if prop.startswith("trade.fta_china.duty."):
        return rng.choice((0, 0, 5, 10)), "percent"
    if prop.startswith("trade.additional_duty."):
        duty = rng.choice((7.8, 17.0, 27.0, 35.3, 100)) if qualifiers.get("origin") == "CN" else 0
        return (duty if rng.random() < 0.3 else 0), "percent"
    simple = {
        "trade.vat.rate": (0, 27),
        "trade.excise.passenger_rate": (0, 30),
        "trade.luxury_tax.rate": (0, 20),
        "trade.registration_tax.rate": (0, 15),
        "roads.paved_share": (20, 100),
        "climate.temp_min_c": (-30, 25),
        "climate.temp_max_c": (18, 44),
    }
    if prop in simple:
        low, high = simple[prop]
        unit = "degC" if prop.startswith("climate.") else "percent"
        return round(rng.uniform(low, high), 1), unit
    if prop == "trade.exchange_rate.usd":
        return rate, None
    if prop == "charging.mains_voltage":
        return MAINS.get(market, 240 if left else 230), "V"
    if prop == "regulation.fleet_co2.target":
        return round(rng.uniform(80, 150), 1), "g/km"
    if prop == "trade.import_quota.units":
        return rng.randint(5_000, 50_000), None
    return None
