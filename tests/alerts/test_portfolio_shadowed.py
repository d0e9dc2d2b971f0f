"""A bloc's change cannot move a member holding its own fact of the same statement: its pairs
are neither read in full nor assessed, and raise no alert; a member inheriting the bloc's
fact is re-assessed and alerted. Real database."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from alerts_helpers import SPEC, fact, org_id, people, publish, reassess_change_set

from autoatlas.alerts import portfolio
from autoatlas.alerts.portfolio import PortfolioPair
from autoatlas.assess.batch import MarketBatch
from autoatlas.assess.reassess import facts_moved
from autoatlas.atlas import Atlas
from autoatlas.domain.facts import Fact
from autoatlas.vehicles.spec import VehicleSpec
from factories import stored_fact

ON = date(2026, 7, 1)
FROM = "2020-01-01"
DUTY = "trade.import_duty.passenger_bev"
EXTRA = "trade.additional_duty.passenger_bev"
# The EU's currency, its rate and a duty on Chinese BEVs that the changes move.
EU_BASE = [
    fact("EU", "trade.currency", "EUR", valid_from=FROM),
    fact("EU", "trade.exchange_rate.usd", 0.92, valid_from=FROM),
    fact("EU", DUTY, 10, unit="percent", valid_from=FROM),
]


class Spies:
    """What `portfolio.reassess` read and assessed: every bulk read (its markets and
    properties) and every market assessed before as a batch."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.reads: list[tuple[list[str], list[str] | None]] = []
        self.assessed: list[str] = []
        read = portfolio.bulk_profiles
        assessed = self.assessed

        def reading(connection: Any, codes: Any, **options: Any) -> dict[str, list[Fact]]:
            wanted = options.get("properties")
            self.reads.append((list(codes), None if wanted is None else list(wanted)))
            return read(connection, codes, **options)

        class Assessing(MarketBatch):
            @classmethod
            def of(cls, models: Any, market: str, *args: Any, **options: Any) -> MarketBatch:
                assessed.append(market)
                return MarketBatch.of(models, market, *args, **options)

        monkeypatch.setattr(portfolio, "bulk_profiles", reading)
        monkeypatch.setattr(portfolio, "MarketBatch", Assessing)

    def read_in_full(self) -> set[str]:
        return {code for codes, props in self.reads if props is None for code in codes}

    def read_at_all(self) -> set[str]:
        return {code for codes, _props in self.reads for code in codes}


def test_a_member_holding_its_own_fact_is_not_reassessed(
    atlas: Atlas, monkeypatch: pytest.MonkeyPatch
) -> None:
    who = people(atlas)
    byd = org_id(atlas, "byd")
    seal = VehicleSpec.model_validate(SPEC)  # a Chinese BEV priced in USD
    publish(
        atlas,
        who,
        *EU_BASE,
        fact("DE", DUTY, 10, unit="percent", valid_from=FROM),  # DE's own: shadows the EU's
        fact("EU", EXTRA, 5, unit="percent", valid_from=FROM, qualifiers={"origin": "CN"}),
        fact("DE", EXTRA, 5, unit="percent", valid_from=FROM, qualifiers={"origin": "CN"}),
        # Another statement of the property (narrowed otherwise) shadows nothing.
        fact("FR", EXTRA, 7, unit="percent", valid_from=FROM, qualifiers={"origin": "JP"}),
    )
    pairs = [PortfolioPair(byd, seal, market) for market in ("DE", "FR")]
    spies = Spies(monkeypatch)
    change_set = publish(
        atlas,
        who,
        fact("EU", DUTY, 30, unit="percent", valid_from=FROM),
        fact("EU", EXTRA, 25, unit="percent", valid_from=FROM, qualifiers={"origin": "CN"}),
    )
    found = reassess_change_set(atlas, pairs, change_set, ON)
    assert [(p.market, [c["change"] for c in change.changes]) for p, change in found] == [
        ("FR", ["rate_up", "rate_up", "landed_price_up"])
    ]
    assert "DE" in spies.read_at_all()  # its facts of the changed properties were checked
    assert spies.read_in_full() == {"FR"}
    assert spies.assessed == ["FR"]


def test_a_bloc_change_a_member_inherits_is_reassessed_there(
    atlas: Atlas, monkeypatch: pytest.MonkeyPatch
) -> None:
    who = people(atlas)
    byd = org_id(atlas, "byd")
    seal = VehicleSpec.model_validate(SPEC)
    publish(
        atlas,
        who,
        *EU_BASE,
        # Its own fact of another property, read by the same cost: no shadow for the duty.
        fact("DE", "trade.vat.rate", 19, unit="percent", valid_from=FROM),
    )
    pairs = [PortfolioPair(byd, seal, "DE")]
    spies = Spies(monkeypatch)
    change_set = publish(atlas, who, fact("EU", DUTY, 30, unit="percent", valid_from=FROM))
    found = reassess_change_set(atlas, pairs, change_set, ON)
    assert [p.market for p, _change in found] == ["DE"]
    assert spies.read_in_full() == {"DE"} and spies.assessed == ["DE"]


def test_a_private_fact_shadows_the_bloc_for_its_organization_only(
    atlas: Atlas, monkeypatch: pytest.MonkeyPatch
) -> None:
    """byd's private DE duty shadows the EU's for byd's pairs; geely sees DE inherit it."""
    who = people(atlas)
    byd, geely = org_id(atlas, "byd"), org_id(atlas, "geely")
    seal = VehicleSpec.model_validate(SPEC)
    publish(
        atlas,
        who,
        *EU_BASE,
    )
    publish(
        atlas,
        who,
        fact("DE", DUTY, 10, unit="percent", valid_from=FROM, visibility="private"),
        private=True,
    )
    pairs = [PortfolioPair(org, seal, "DE") for org in (byd, geely)]
    spies = Spies(monkeypatch)
    change_set = publish(atlas, who, fact("EU", DUTY, 30, unit="percent", valid_from=FROM))
    found = reassess_change_set(atlas, pairs, change_set, ON)
    assert [(p.organization_id, p.market) for p, _change in found] == [(geely, "DE")]
    assert spies.assessed == ["DE"]  # geely's pair alone


def test_facts_moved_compares_the_records_picked_and_where_they_come_from() -> None:
    def record(number: int, prop: str = DUTY, via: str | None = "EU") -> Fact:
        stored = stored_fact(number, prop, 10, market="EU" if via else "DE")
        return replace(stored, unit="percent", inherited_from=via)

    vat = record(9, "trade.vat.rate", via=None)
    assert not facts_moved([record(1), vat], [record(1)], [DUTY])  # other properties ignored
    assert facts_moved([record(1)], [record(2)], [DUTY])  # a new version
    assert facts_moved([record(1)], [], [DUTY])  # retracted
    assert facts_moved([record(1)], [record(1), record(3)], [DUTY])  # another statement
    assert facts_moved([record(1)], [record(1, via="EU-X")], [DUTY])  # inherited elsewhere
    assert not facts_moved([vat], [record(9, "trade.vat.rate", via=None)], [DUTY, vat.property])
