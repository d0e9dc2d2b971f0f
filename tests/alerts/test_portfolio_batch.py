"""The portfolio alerts re-assess a change set's pairs together (facts read once per
organization and market, the models assessed as a batch before, only what the changed
properties move re-assessed after). Whatever the change set, that must give exactly what
assessing every pair alone, as known before and after, gives: the same alerts, the same
before and after. Real database, random change sets of rule, cost, incentive and rate facts
in a market, a bloc and a member, some narrowed to an origin or a powertrain; a bloc's change
the members inherit (its duties, its connectors), one both members shadow with their own fact
of the statement (its VAT) and one only DE shadows (its additional duty on Chinese BEVs): the
shadowed members' pairs are left out before any assessment."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from alerts_helpers import ICE_SPEC, SPEC, change_set_events, fact, org_id, people, publish
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Connection

from autoatlas.alerts import portfolio
from autoatlas.alerts.portfolio import PortfolioPair, compare_assessments
from autoatlas.assess.assessment import (
    Assessment,
    assess_with_facts,
    load_rates,
    statistic_properties,
)
from autoatlas.atlas import Atlas
from autoatlas.errors import ValidationError
from autoatlas.store import queries
from autoatlas.vehicles.spec import VehicleSpec

ON = date(2026, 7, 1)
FROM = "2020-01-01"
MODELS = [
    VehicleSpec.model_validate(SPEC),  # a Chinese LHD BEV with CCS2, priced in USD
    VehicleSpec.model_validate(
        {
            **SPEC,
            "id": "atto",
            "steering": "RHD",
            "dc_connectors": ["GB/T"],
            "price": {"amount": "160000", "currency": "CNY"},
        }
    ),
    VehicleSpec.model_validate(
        {
            **SPEC,
            "id": "tiggo",
            "maker": "Chery",
            "powertrain": "PHEV",
            "price": {"amount": "41000", "currency": "EUR"},
        }
    ),
    VehicleSpec.model_validate({**ICE_SPEC, "price": {"amount": "25000", "currency": "USD"}}),
]
MARKETS = ["TH", "DE", "FR"]
BASE = [
    fact("TH", "trade.currency", "THB", valid_from=FROM),
    fact("TH", "trade.exchange_rate.usd", 35.0, valid_from=FROM),
    fact("CN", "trade.currency", "CNY", valid_from=FROM),
    fact("CN", "trade.exchange_rate.usd", 7.1, valid_from=FROM),
    fact("EU", "trade.currency", "EUR", valid_from=FROM),
    fact("EU", "trade.exchange_rate.usd", 0.92, valid_from=FROM),
    fact("TH", "roads.driving_side", "left", valid_from=FROM),
    fact("DE", "roads.driving_side", "right", valid_from=FROM),
    fact("FR", "roads.driving_side", "right", valid_from=FROM),
    fact("TH", "trade.import_duty.passenger_bev", 40, unit="percent", valid_from=FROM),
    fact("TH", "trade.vat.rate", 7, unit="percent", valid_from=FROM),
    fact("EU", "trade.import_duty.passenger_bev", 10, unit="percent", valid_from=FROM),
    fact("EU", "trade.import_duty.passenger_phev", 10, unit="percent", valid_from=FROM),
    fact("DE", "trade.vat.rate", 19, unit="percent", valid_from=FROM),
    fact("FR", "trade.vat.rate", 20, unit="percent", valid_from=FROM),
    fact("EU", "trade.vat.rate", 21, unit="percent", valid_from=FROM),  # shadowed in DE and FR
    fact(  # shadows the EU's statement in DE; FR inherits it
        "DE",
        "trade.additional_duty.passenger_bev",
        15,
        unit="percent",
        valid_from=FROM,
        qualifiers={"origin": "CN"},
    ),
    fact("EU", "charging.dc_connector", ["CCS2"], valid_from=FROM),
]


def _percent(market: str, prop: str, **qualifiers: str) -> st.SearchStrategy[dict[str, Any]]:
    return st.integers(0, 120).map(
        lambda v: fact(market, prop, v, unit="percent", valid_from=FROM, **_narrowed(qualifiers))
    )


def _narrowed(qualifiers: dict[str, str]) -> dict[str, Any]:
    return {"qualifiers": qualifiers} if qualifiers else {}


def _money(market: str, prop: str) -> st.SearchStrategy[dict[str, Any]]:
    return st.sampled_from(["2000", "5000", "40000", "60000"]).map(
        lambda a: fact(market, prop, {"amount": a, "currency": "USD"}, valid_from=FROM)
    )


CHANGES = st.one_of(
    *(_percent(m, "trade.import_duty.passenger_bev") for m in ("TH", "EU", "DE")),
    _percent("EU", "trade.additional_duty.passenger_bev", origin="CN"),
    _percent("TH", "trade.additional_duty.passenger_all", origin="JP"),
    _percent("EU", "trade.import_duty.passenger_phev", powertrain="PHEV"),
    *(_percent(m, "trade.vat.rate") for m in ("TH", "DE", "FR", "EU")),
    _money("TH", "policy.ev_incentive.amount"),
    _money("DE", "policy.ev_incentive.price_cap"),
    st.sampled_from(["allowed", "restricted", "banned"]).map(
        lambda v: fact("DE", "regulation.rhd_registration", v, valid_from=FROM)
    ),
    st.sampled_from([["CCS2"], ["GB/T"], ["CCS2", "CHAdeMO"]]).map(
        lambda v: fact("EU", "charging.dc_connector", v, valid_from=FROM)
    ),
    st.sampled_from(["2024-07-07", "2027-01-01"]).map(
        lambda d: fact("TH", "regulation.un_r155.mandatory_from", d, valid_from=FROM)
    ),
    st.sampled_from([6.8, 7.1, 7.6]).map(
        lambda r: fact("CN", "trade.exchange_rate.usd", r, valid_from=FROM)
    ),
    st.booleans().map(lambda b: fact("TH", "trade.fta_china.in_force", b, valid_from=FROM)),
)


_WORLDS: dict[str, dict[str, Any]] = {}  # database -> its people, set up by the first example


def _statement(item: dict[str, Any]) -> tuple[str, str, str]:
    return item["market"], item["property"], repr(sorted(item.get("qualifiers", {}).items()))


def _alone(connection: Connection, pair: PortfolioPair, known_at: datetime) -> Assessment:
    """The oracle: one pair assessed alone, its facts and rates read for it."""
    facts = queries.profile(
        connection,
        pair.market,
        as_of=ON,
        known_at=known_at,
        viewer_org_id=pair.organization_id,
        statistics=statistic_properties(),
    )
    return assess_with_facts(
        pair.model, pair.market, ON, facts, load_rates(connection, ON, known_at=known_at)
    )


def _summaries(found: list[tuple[PortfolioPair, Any]]) -> list[tuple[Any, ...]]:
    return sorted(
        (p.organization_id, p.model.id, p.market, repr(c.changes), repr(c.before), repr(c.after))
        for p, c in found
    )


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_a_change_set_gives_the_alerts_of_every_pair_assessed_alone(
    atlas: Atlas, data: st.DataObject
) -> None:
    url = str(atlas.engine.url)
    who = _WORLDS.get(url)
    if who is None:  # the first example on this database sets the world up
        who = _WORLDS[url] = people(atlas)
        publish(atlas, who, *BASE)
    byd = org_id(atlas, "byd")
    pairs = [PortfolioPair(byd, model, market) for model in MODELS for market in MARKETS]
    drawn = data.draw(st.lists(CHANGES, min_size=1, max_size=4, unique_by=_statement))
    try:
        change_set = publish(atlas, who, *drawn)
    except ValidationError:  # every drawn fact is already there: nothing to compare
        reject()
    with atlas.read() as connection:
        events = change_set_events(connection, change_set)
        published_at = events[0].created_at
        holdings = portfolio.Holdings.of(connection, pairs, ON)
        found = portfolio.reassess(connection, holdings, events, published_at=published_at, on=ON)
        expected = []
        for pair in pairs:
            before = _alone(connection, pair, published_at - timedelta(microseconds=1))
            after = _alone(connection, pair, published_at)
            change = compare_assessments(before, after, threshold=Decimal("1.0"))
            if change is not None:
                expected.append((pair, change))
    assert _summaries(found) == _summaries(expected), drawn
