"""The matrix's shortcuts against the plain engine, on facts drawn at random.

`MarketBatch` (assess.batch) groups the models by what each rule declares it reads, shares one
run between groups that agree on what the rule actually read (the memo, kept per set of
matching narrowed facts), prices a matrix row with `price_gross` and `with_incentive`
instead of the cost lines, and counts penalties and blockers from shared entries. Every one
of those must leave each pair's answer as `assess_with_facts` of that pair alone gives it:
findings, cost lines, score and penalties, and the compact row's score, penalties, blockers
and landed total.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_matrix_memo import _models as memo_models

from autoatlas.assess.assessment import assess_with_facts
from autoatlas.assess.batch import MarketBatch, ModelSet
from autoatlas.assess.rates import Rates
from autoatlas.rules.engine import Status
from autoatlas.vehicles.spec import VehicleSpec
from factories import stored_fact as _fact

ON = date(2026, 7, 1)


# Facts that take the rules and the landed cost down their branches, some narrowed by the
# vehicle's origin, maker, powertrain or class; each example picks a subset.
POOL: list[tuple[str, Any, dict[str, str]]] = [
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
    ("regulation.type_approval.regime", "UNECE", {"powertrain": "ICE"}),
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
    ("roads.driving_side", "right", {"vehicle_class": "M1"}),
    ("charging.dc_connector", ["GB/T"], {"origin": "CN"}),
    ("climate.temp_min_c", -5, {}),
    ("regulation.un_r155.mandatory_from", "2027-07-07", {"maker": "Volkswagen"}),
    ("regulation.fleet_co2.target", 300, {"powertrain": "PHEV"}),
    ("regulation.connected_vehicle.origin_restriction", "banned", {"origin": "RU"}),
    ("policy.ice_phase_out.date", "2020-01-01", {"powertrain": "HEV"}),
    ("trade.import_duty.passenger_bev", 20, {}),
    ("trade.import_duty.passenger_bev", 0, {"origin": "CN"}),
    ("trade.import_duty.passenger_phev", 30, {}),
    ("trade.import_duty.passenger_ice", 40, {}),
    ("trade.fta_china.duty.passenger_bev", 5, {}),
    ("trade.fta_china.duty.passenger_ice", 15, {}),
    ("trade.additional_duty.passenger_all", 12.5, {"maker": "BYD"}),
    ("trade.excise.passenger_rate", 8, {}),
    ("trade.excise.passenger_rate", 2, {"powertrain": "BEV"}),
    ("trade.luxury_tax.threshold", {"amount": "29000", "currency": "USD"}, {}),
    ("trade.luxury_tax.rate", 10, {}),
    ("trade.vat.rate", 7, {}),
    ("trade.vat.rate", 5, {"vehicle_class": "M1"}),
    ("trade.registration_tax.rate", 3.5, {}),
    ("policy.ev_incentive.price_cap", {"amount": "1200000", "currency": "THB"}, {}),
    ("regulation.fleet_co2.target", 110, {"vehicle_class": "M1"}),
    ("regulation.connected_vehicle.origin_restriction", "restricted", {"maker": "BYD"}),
    ("trade.currency", "EUR", {}),
]


def _rates() -> Rates:
    """THB, EUR and CNY per USD, each from its market's facts."""
    currencies, per_usd = [], []
    for number, (market, currency, rate) in enumerate(
        (("TH", "THB", 35), ("EU", "EUR", 0.9), ("CN", "CNY", 7.1))
    ):
        currencies.append(replace(_fact(1 + number, "trade.currency", currency), market=market))
        per_usd.append(replace(_fact(4 + number, "trade.exchange_rate.usd", rate), market=market))
    return Rates.from_facts(currencies, per_usd)


def _everyone() -> list[VehicleSpec]:
    """Models that share some of what rules read and differ in the rest, with CO2 figures
    (alike and apart) and a class the facts can narrow to."""
    found = []
    for number, model in enumerate(memo_models()):
        co2 = None if model.powertrain == "BEV" and number % 4 else (90.0, 120.0)[number % 2]
        found.append(model.with_changes(co2_g_km=co2))
    return found


MODELS = _everyone()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    chosen=st.lists(st.booleans(), min_size=len(POOL), max_size=len(POOL)),
    picked=st.lists(st.integers(0, len(MODELS) - 1), min_size=1, max_size=40),
)
def test_every_cell_equals_the_pair_assessed_alone(chosen: list[bool], picked: list[int]) -> None:
    facts = [_fact(100 + i, *POOL[i][:2], **POOL[i][2]) for i, yes in enumerate(chosen) if yes]
    models = [MODELS[i] for i in picked]
    rates = _rates()
    batch = MarketBatch.of(ModelSet.of(models), "XX", ON, facts, rates)
    cells = batch.cells()
    for model, cell in zip(models, cells, strict=True):
        alone = assess_with_facts(model, "XX", ON, facts, rates)
        assert cell.assessment().as_dict() == alone.as_dict()
        assert (cell.score, cell.penalties, cell.blockers) == (
            alone.score,
            alone.penalties,
            len(alone.blockers),
        )
        assert (cell.total, cell.complete, cell.currency) == (
            alone.cost.total,
            alone.cost.complete,
            alone.cost.currency,
        )


def rule_runs(monkeypatch: Any) -> list[str]:
    """The ids of the rules the batch engine runs from now on, one per run."""
    import autoatlas.assess.batch as batch_module

    runs: list[str] = []
    real = batch_module._run

    def counting(item: Any, *args: Any) -> Any:
        runs.append(item.id)
        return real(item, *args)

    monkeypatch.setattr(batch_module, "_run", counting)
    return runs


def priced_bevs() -> list[VehicleSpec]:
    """BEVs alike but for their prices, all different."""
    return [
        m.with_changes(id=f"p{n}", price={"amount": str(20000 + n), "currency": "USD"})
        for n, m in enumerate(memo_models())
        if m.powertrain == "BEV"
    ]


def test_groups_that_read_alike_share_one_run(monkeypatch: Any) -> None:
    """The shortcut is taken: where no price cap is recorded, incentive eligibility runs
    once for all electric models, though each has its own price (and so its own group);
    with a cap, once per side of it (the rule compares the price, `Context.price_above`),
    in the cap's currency as in another (converted: once per price currency and side)."""
    runs = rule_runs(monkeypatch)
    models = priced_bevs()
    amount = _fact(10, "policy.ev_incentive.amount", {"amount": "3000", "currency": "EUR"})
    MarketBatch.of(ModelSet.of(models), "XX", ON, [amount], _rates())
    assert runs.count("policy.incentive_eligibility") == 1
    for cap_value in (
        {"amount": "20017", "currency": "USD"},
        {"amount": "18015", "currency": "EUR"},
    ):
        runs.clear()
        cap = _fact(11, "policy.ev_incentive.price_cap", cap_value)
        batch = MarketBatch.of(ModelSet.of(models), "XX", ON, [amount, cap], _rates())
        assert runs.count("policy.incentive_eligibility") == 2  # under and over the cap
        statuses = {
            f.status
            for a in batch.assessments()
            for f in a.findings
            if f.rule == "policy.incentive_eligibility"
        }
        assert statuses == {Status.OK, Status.FAIL}


def test_a_price_compared_in_another_currency_shares_runs_per_currency_and_side(
    monkeypatch: Any,
) -> None:
    """A cap in euros, models priced in dollars and in yuan: the rule converts each price,
    and the rates it cites differ by the price's currency, so it runs once per currency and
    side of the cap; a cap in a currency without an exchange rate ("no exchange rate to
    compare") once per price currency. Every model gets what it gets assessed alone."""
    runs = rule_runs(monkeypatch)
    dollars = priced_bevs()
    yuan = [
        m.with_changes(id=f"y{n}", price={"amount": str(142000 + 10 * n), "currency": "CNY"})
        for n, m in enumerate(dollars)
    ]
    models = [*dollars, *yuan]
    amount = _fact(10, "policy.ev_incentive.amount", {"amount": "3000", "currency": "EUR"})
    for cap_value, expected in (
        ({"amount": "18015", "currency": "EUR"}, 4),  # 18,000-18,031 and 18,000-18,045 EUR
        ({"amount": "15000", "currency": "GBP"}, 2),  # no GBP rate
    ):
        runs.clear()
        facts = [amount, _fact(11, "policy.ev_incentive.price_cap", cap_value)]
        batch = MarketBatch.of(ModelSet.of(models), "XX", ON, facts, _rates())
        assert runs.count("policy.incentive_eligibility") == expected, cap_value
        for model, assessment in zip(models, batch.assessments(), strict=True):
            alone = assess_with_facts(model, "XX", ON, facts, _rates())
            assert assessment.as_dict() == alone.as_dict()
    (note,) = [f for f in alone.findings if f.rule == "policy.incentive_eligibility"]
    assert "no exchange rate" in note.message.en


def test_fleet_co2_runs_once_per_side_of_the_target(monkeypatch: Any) -> None:
    """Models of many CO2 figures share the fleet-CO2 findings by side of the target (and
    the model without a figure its own), each as it gets them assessed alone."""
    runs = rule_runs(monkeypatch)
    models = [
        m.with_changes(id=f"c{n}", powertrain="ICE", co2_g_km=None if n == 0 else 80.0 + n)
        for n, m in enumerate(priced_bevs())
    ]
    target = _fact(12, "regulation.fleet_co2.target", 95)
    batch = MarketBatch.of(ModelSet.of(models), "XX", ON, [target], _rates())
    assert runs.count("regulation.fleet_co2") == 3  # no figure, within, above
    for model, assessment in zip(models, batch.assessments(), strict=True):
        alone = assess_with_facts(model, "XX", ON, [target], _rates())
        assert assessment.as_dict() == alone.as_dict()
