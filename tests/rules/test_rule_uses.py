"""Every rule declares the model fields it reads (`uses`), and the declaration is exact: run
through a recording model over facts that reach every branch, a rule (and its `applies`)
reads no field it did not declare. The matrix shares a rule's findings between models with
the same declared fields, so an undeclared read would hand one model another's findings.
Likewise a rule declares whether its findings name or depend on the market's code
(`uses_market`): the matrix shares the others' between markets reading the same records."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from autoatlas.assess.rates import Rates
from autoatlas.rules.engine import RULES, Context, Rule, Status, rules_reading
from autoatlas.rules.memo import Recorder, RecordingQualifiers
from autoatlas.vehicles.spec import VehicleSpec, parse_spec
from factories import SEAL
from factories import stored_fact as _fact

ON = date(2026, 7, 1)


# Markets whose facts take each rule down its different branches.
MARKETS: list[list[tuple[str, Any, dict[str, str]]]] = [
    [
        ("trade.currency", "THB", {}),
        ("roads.driving_side", "left", {}),
        ("regulation.lhd_registration", "banned", {}),
        ("regulation.rhd_registration", "allowed", {}),
        ("charging.dc_connector", ["CCS2"], {}),
        ("charging.ac_connector", ["Type2"], {}),
        ("charging.mains_voltage", 230, {}),
        ("climate.temp_min_c", -30, {"city": "A"}),
        ("climate.temp_max_c", 45, {"city": "B"}),
        ("roads.paved_share", 30, {}),
        ("regulation.type_approval.regime", "EU-WVTA", {}),
        ("regulation.un_r155.mandatory_from", "2024-07-07", {}),
        ("regulation.un_r100.mandatory_from", "2027-01-01", {}),
        ("regulation.battery.passport_required_from", "2027-02-18", {}),
        ("regulation.fleet_co2.target", 95, {}),
        ("regulation.connected_vehicle.origin_restriction", "banned", {"origin": "CN"}),
        ("regulation.vehicle_data.localisation_required", True, {}),
        ("regulation.documentation.languages", ["th", "en"], {}),
        ("regulation.battery.epr_required", True, {}),
        ("trade.additional_duty.passenger_bev", 17.0, {"origin": "CN", "maker": "byd"}),
        ("trade.additional_duty.passenger_all", 10.0, {}),
        ("trade.import_ban.in_force", True, {"powertrain": "ICE"}),
        ("trade.fta_china.in_force", True, {}),
        ("trade.fta_china.agreement", "ACFTA", {}),
        ("trade.import_quota.units", 1000, {}),
        ("policy.ev_incentive.amount", {"amount": "50000", "currency": "THB"}, {}),
        ("policy.ev_incentive.price_cap", {"amount": "40000", "currency": "USD"}, {}),
        ("policy.local_production.requirement", "1:1 by 2027", {}),
        ("policy.ice_phase_out.date", "2030-01-01", {}),
    ],
    [
        ("roads.driving_side", "right", {}),
        ("charging.dc_connector", ["GB/T"], {}),
        ("charging.mains_voltage", 110, {}),
        ("climate.temp_min_c", -5, {}),
        ("climate.temp_max_c", 31, {}),
        ("roads.paved_share", 95, {}),
        ("regulation.type_approval.regime", "UNECE", {}),
        ("regulation.un_r155.mandatory_from", "2027-07-07", {}),
        ("regulation.fleet_co2.target", 300, {}),
        ("regulation.connected_vehicle.origin_restriction", "banned", {"origin": "RU"}),
        ("regulation.vehicle_data.localisation_required", False, {}),
        ("trade.fta_china.in_force", False, {}),
        ("trade.import_ban.in_force", False, {}),
        ("policy.ev_incentive.amount", {"amount": "3000", "currency": "EUR"}, {}),
        ("policy.ice_phase_out.date", "2020-01-01", {}),
    ],
    [],  # nothing known
]


def _models() -> list[VehicleSpec]:
    found = []
    for number, (powertrain, steering, origin, certs, connected, co2) in enumerate(
        itertools.product(
            ("BEV", "PHEV", "ICE"),
            ("LHD", "RHD"),
            ("CN", "DE"),
            ((), ("EU-WVTA", "UN-R155", "UN-R100", "battery-passport")),
            (True, False),
            (None, 120.0),
        )
    ):
        electric = powertrain != "ICE"
        found.append(
            parse_spec(
                {
                    **SEAL,
                    "id": f"m{number}",
                    "powertrain": powertrain,
                    "battery_kwh": 60 if electric else None,
                    "dc_connectors": ["CCS2"] if powertrain == "BEV" and number % 3 else [],
                    "ac_connectors": ["Type2"] if electric else [],
                    "charger_voltage_min_v": 200 if number % 2 else None,
                    "charger_voltage_max_v": 240 if number % 2 else None,
                    "steering": steering,
                    "origin": origin,
                    "certifications": list(certs),
                    "connected_services": connected,
                    "co2_g_km": co2,
                    "battery_thermal_management": ("air", "liquid")[number % 2],
                    "price": {"amount": "30000", "currency": "USD"},
                }
            )
        )
    return found


def _declared(item: Rule) -> tuple[set[str], dict[str, frozenset[str]]]:
    whole, members = set(), {}
    for use in item.uses or ():
        if isinstance(use, tuple):
            members[use[0]] = use[1]
        else:
            whole.add(use)
    return whole, members


def _undeclared(item: Rule, reads: list[tuple[Any, Any]]) -> list[Any]:
    whole, members = _declared(item)
    wrong = []
    for name, _value in reads:
        if isinstance(name, tuple) and name[0] == "in":  # ("in", field, member)
            _in, field, member = name
            if field not in whole and member not in members.get(field, frozenset()):
                wrong.append(name)
        elif isinstance(name, tuple):  # ("above", field, bound), ("price above", ...)
            if (name[1] if name[0] == "above" else "price") not in whole:
                wrong.append(name)
        elif name.startswith("@"):
            continue  # a qualifier compared by a fact look-up: the matrix adds those itself
        elif name not in whole:
            wrong.append(name)
    return wrong


def test_every_rule_declares_what_it_reads_of_the_model() -> None:
    rules_reading("")  # loads the library
    assert [r.id for r in RULES.values() if r.uses is None] == []


def _rule_ids() -> list[str]:
    rules_reading("")  # loads the library
    return sorted(RULES)


@pytest.mark.parametrize("rule_id", _rule_ids())
def test_a_rule_reads_only_the_fields_it_declares(rule_id: str) -> None:
    item = RULES[rule_id]
    rates = Rates.from_facts(
        [_fact(1, "trade.currency", "THB"), _fact(2, "trade.currency", "EUR")],
        [_fact(3, "trade.exchange_rate.usd", 35), _fact(4, "trade.exchange_rate.usd", 0.9)],
    )
    ran = 0
    for rows in MARKETS:
        facts = [_fact(10 + i, p, v, **q) for i, (p, v, q) in enumerate(rows)]
        for model in _models():
            recorder = Recorder(model)
            applies = item.applies(recorder)  # type: ignore[arg-type]
            assert _undeclared(item, recorder.reads) == [], f"{rule_id} applies"
            if not applies:
                continue
            recorder.reads.clear()
            context = Context(
                model=recorder,  # type: ignore[arg-type]
                market="XX",
                on=ON,
                facts=facts,
                rule=item,
                converter=Rates(rates.per_usd).convert,
            )
            context.vehicle = RecordingQualifiers(
                {
                    "origin": model.origin,
                    "maker": model.maker.casefold(),
                    "powertrain": model.powertrain,
                    "vehicle_class": model.vehicle_class,
                },
                recorder.reads,
            )
            list(item.check(context))
            ran += 1
            assert _undeclared(item, recorder.reads) == [], rule_id
    assert ran > 0


def test_an_undeclared_read_is_caught() -> None:
    """The check above can fail: a rule that reads a field it does not declare."""
    item = RULES["roads.ground_clearance"]
    recorder = Recorder(_models()[0])
    _ = recorder.steering
    assert _undeclared(item, recorder.reads) == ["steering"]
    _ = "UN-R156" in recorder.certifications
    assert ("in", "certifications", "UN-R156") in _undeclared(
        RULES["regulation.un_r155"], recorder.reads
    )


def _findings_in(item: Rule, market: str, facts: list[Any], model: VehicleSpec) -> list[Any]:
    rates = Rates.from_facts(
        [_fact(1, "trade.currency", "THB"), _fact(2, "trade.currency", "EUR")],
        [_fact(3, "trade.exchange_rate.usd", 35), _fact(4, "trade.exchange_rate.usd", 0.9)],
    )
    context = Context(
        model=model, market=market, on=ON, facts=facts, rule=item, converter=rates.convert
    )
    return list(item.check(context))


def _market_free(findings: list[Any]) -> list[Any]:
    """The findings as a market sharing them would have them: an "unknown — no fact" names
    its market (Context.unknown), so the matrix never shares one; its rule and status stay."""
    return [(f.rule, f.status) if f.status is Status.UNKNOWN else f for f in findings]


@pytest.mark.parametrize("rule_id", _rule_ids())
def test_a_rule_declares_whether_it_reads_the_market(rule_id: str) -> None:
    """The matrix shares a column between markets reading the same records unless the rule
    declares `uses_market`: over the same facts, a rule that does not declare it finds the
    same in two markets, and one that does finds something else in at least one case (the
    declaration is not idle)."""
    item = RULES[rule_id]
    differs = False
    for rows in MARKETS:
        facts = [_fact(10 + i, p, v, **q) for i, (p, v, q) in enumerate(rows)]
        for model in _models():
            if not item.applies(model):
                continue
            here, there = (_findings_in(item, code, facts, model) for code in ("XX", "YY"))
            if item.uses_market:
                differs = differs or _market_free(here) != _market_free(there)
            else:
                assert _market_free(here) == _market_free(there), rule_id
    assert differs == item.uses_market, rule_id


def _cited_as_held(findings: list[Any]) -> list[Any]:
    """The findings with every record they cite as its holder reads it (not inherited)."""
    return [
        replace(f, facts=tuple(replace(x, inherited_from=None) for x in f.facts)) for f in findings
    ]


@pytest.mark.parametrize("rule_id", _rule_ids())
def test_a_rule_finds_the_same_in_a_record_held_or_inherited(rule_id: str) -> None:
    """The matrix gives a member inheriting a bloc's records the bloc's column with the
    member's records cited (`ModelSet.column`): no rule may read where a record is
    inherited from. Over the same records, held by the market or inherited from a bloc,
    a rule finds the same, each citing the records as its market reads them."""
    item = RULES[rule_id]
    for rows in MARKETS:
        held = [_fact(10 + i, p, v, **q) for i, (p, v, q) in enumerate(rows)]
        inherited = [replace(f, inherited_from="EU") for f in held]
        for model in _models():
            if not item.applies(model):
                continue
            here = _findings_in(item, "XX", held, model)
            there = _findings_in(item, "XX", inherited, model)
            assert _cited_as_held(there) == here, rule_id
            assert all(x.inherited_from == "EU" for f in there for x in f.facts), rule_id
