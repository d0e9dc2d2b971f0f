"""Portfolio-aware alerts: only pairs a change can move are re-assessed, before and after."""

from __future__ import annotations

from datetime import date

from alerts_helpers import SPEC, fact, org_id, people, publish

from autoatlas.alerts.portfolio import PortfolioPair, StorePortfolio, moves_assessments
from autoatlas.alerts.worker import Worker, WorkerConfig
from autoatlas.atlas import Atlas
from autoatlas.store import alerts as store
from autoatlas.store import vehicles
from autoatlas.vehicles.spec import VehicleSpec

DUTY = "trade.import_duty.passenger_bev"


class ListPortfolio:
    def __init__(self, pairs: list[PortfolioPair]) -> None:
        self.items = pairs
        self.calls = 0

    def pairs(self, connection: object, on: date) -> list[PortfolioPair]:
        self.calls += 1
        return self.items


def assessment_alerts(atlas: Atlas, slug: str) -> list[store.AlertRow]:
    with atlas.read() as connection:
        return [
            a
            for a in store.list_alerts(connection, organization_id=org_id(atlas, slug))
            if a.kind == "assessment"
        ]


def run(atlas: Atlas, portfolio: object) -> None:
    runner = Worker(
        atlas.engine,
        vocabulary=atlas.vocabulary,
        portfolio=portfolio,  # type: ignore[arg-type]
        config=WorkerConfig(),
    )
    runner.run_once()
    runner.close()


def test_a_duty_rise_alerts_the_models_sold_there_with_before_and_after(atlas: Atlas) -> None:
    who = people(atlas)
    byd = org_id(atlas, "byd")
    with atlas.write() as tx:
        model_id = vehicles.insert_model(tx, organization_id=byd, slug="seal", spec=SPEC)
        vehicles.insert_portfolio_entry(
            tx,
            organization_id=byd,
            model_id=model_id,
            market="TH",
            status="sold",
            valid_from=None,
            valid_to=None,
        )
        other = vehicles.insert_model(tx, organization_id=byd, slug="seal-de", spec=SPEC)
        vehicles.insert_portfolio_entry(
            tx,
            organization_id=byd,
            model_id=other,
            market="DE",
            status="sold",
            valid_from=None,
            valid_to=None,
        )
    publish(atlas, who, fact("TH", DUTY, 40, unit="percent", valid_from="2020-01-01"))
    run(atlas, StorePortfolio())
    second = publish(atlas, who, fact("TH", DUTY, 80, unit="percent", valid_from="2020-01-01"))
    run(atlas, StorePortfolio())
    alerts = assessment_alerts(atlas, "byd")
    assert [a.market for a in alerts] == ["TH", "TH"]  # the DE model is not touched
    last = alerts[-1]
    assert last.change_set_id == second and last.severity == "major"
    changes = {c["change"]: c for c in last.detail["changes"]}
    assert changes["rate_up"]["before"] == 40.0 and changes["rate_up"]["after"] == 80.0
    assert "landed_price_up" in changes
    assert last.detail["before"]["rates"]["mfn_duty"] == 40.0
    assert last.detail["after"]["rates"]["mfn_duty"] == 80.0
    assert assessment_alerts(atlas, "geely") == []


def test_a_new_blocker_and_its_clearing(atlas: Atlas) -> None:
    who = people(atlas)
    byd = org_id(atlas, "byd")
    rhd = VehicleSpec.model_validate({**SPEC, "steering": "RHD"})
    portfolio = ListPortfolio([PortfolioPair(byd, rhd, "TH")])
    publish(
        atlas,
        who,
        fact("TH", "roads.driving_side", "right", valid_from="2020-01-01"),
        fact("TH", "regulation.rhd_registration", "banned", valid_from="2020-01-01"),
    )
    run(atlas, portfolio)
    publish(
        atlas, who, fact("TH", "regulation.rhd_registration", "allowed", valid_from="2020-01-01")
    )
    run(atlas, portfolio)
    alerts = assessment_alerts(atlas, "byd")
    assert [a.severity for a in alerts] == ["blocker", "major"]
    assert alerts[0].detail["changes"][0]["change"] == "new_blocker"
    assert alerts[1].detail["changes"][0]["change"] == "cleared_blocker"


def test_changes_no_rule_reads_reassess_nothing(atlas: Atlas) -> None:
    who = people(atlas)
    byd = org_id(atlas, "byd")
    portfolio = ListPortfolio([PortfolioPair(byd, VehicleSpec.model_validate(SPEC), "TH")])
    assert not moves_assessments("culture.official_languages")
    publish(atlas, who, fact("TH", "culture.official_languages", ["th"]))
    run(atlas, portfolio)
    assert portfolio.calls == 0
    assert assessment_alerts(atlas, "byd") == []


def test_a_private_change_reassesses_only_its_organization(atlas: Atlas) -> None:
    who = people(atlas)
    byd, geely = org_id(atlas, "byd"), org_id(atlas, "geely")
    spec = VehicleSpec.model_validate(SPEC)
    portfolio = ListPortfolio([PortfolioPair(byd, spec, "TH"), PortfolioPair(geely, spec, "TH")])
    publish(atlas, who, fact("TH", DUTY, 40, unit="percent", visibility="private"), private=True)
    run(atlas, portfolio)
    assert len(assessment_alerts(atlas, "byd")) == 1
    assert assessment_alerts(atlas, "geely") == []


def test_an_exchange_rate_elsewhere_moves_the_landed_price(atlas: Atlas) -> None:
    who = people(atlas)
    byd = org_id(atlas, "byd")
    priced_in_yuan = VehicleSpec.model_validate(
        {**SPEC, "price": {"amount": "200000", "currency": "CNY"}}
    )
    portfolio = ListPortfolio([PortfolioPair(byd, priced_in_yuan, "TH")])
    publish(
        atlas,
        who,
        fact("TH", "trade.currency", "THB", valid_from="2020-01-01"),
        fact("TH", "trade.exchange_rate.usd", 35.0, valid_from="2020-01-01"),
        fact("CN", "trade.currency", "CNY", valid_from="2020-01-01"),
        fact("CN", "trade.exchange_rate.usd", 7.0, valid_from="2020-01-01"),
        fact("TH", DUTY, 40, unit="percent", valid_from="2020-01-01"),
    )
    run(atlas, portfolio)
    before = len(assessment_alerts(atlas, "byd"))
    change_set = publish(
        atlas, who, fact("CN", "trade.exchange_rate.usd", 7.5, valid_from="2020-01-01")
    )
    run(atlas, portfolio)
    [alert] = assessment_alerts(atlas, "byd")[before:]
    assert alert.market == "TH" and alert.change_set_id == change_set
    assert [c["change"] for c in alert.detail["changes"]] == ["landed_price_down"]
