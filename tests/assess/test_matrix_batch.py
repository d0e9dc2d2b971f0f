"""The matrix assesses each market's models together (assess.batch) and reads every market's
facts in one go (store.bulk_profiles): each pair must equal `assess` of that pair alone —
with facts inherited from a bloc, facts narrowed by origin, maker and powertrain for rules
and for the landed cost, prices converted through dated rates, and a rule that declares no
`uses` (run through the recording memo instead)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from test_matrix_memo import FACTS, _models

from autoatlas.assess.assessment import assess, matrix
from autoatlas.atlas import Atlas
from autoatlas.rules.engine import RULES
from factories import bundle

ON = date(2026, 7, 1)
EU_FACTS = [
    ("trade.currency", "EUR", {}),
    ("trade.exchange_rate.usd", 0.9, {}),
    ("charging.dc_connector", ["CCS2"], {}),
    ("regulation.type_approval.regime", "EU-WVTA", {}),
    ("regulation.un_r155.mandatory_from", "2024-07-07", {}),
    ("regulation.battery.passport_required_from", "2027-02-18", {}),
    ("trade.import_duty.passenger_bev", 10, {"unit": "percent"}),
    ("trade.import_duty.passenger_phev", 10, {"unit": "percent"}),
    ("trade.import_duty.passenger_ice", 10, {"unit": "percent"}),
    ("trade.additional_duty.passenger_bev", 0, {"unit": "percent"}),
    (
        "trade.additional_duty.passenger_bev",
        35.3,
        {"unit": "percent", "qualifiers": {"origin": "CN"}},
    ),
    (
        "trade.additional_duty.passenger_bev",
        17.0,
        {"unit": "percent", "qualifiers": {"origin": "CN", "maker": "BYD"}},
    ),
    (
        "regulation.connected_vehicle.origin_restriction",
        "restricted",
        {"qualifiers": {"origin": "CN"}},
    ),
    ("trade.vat.rate", 19, {"unit": "percent", "qualifiers": {"powertrain": "BEV"}}),
    ("trade.vat.rate", 20, {"unit": "percent"}),
]
DE_FACTS = [
    ("trade.vat.rate", 19, {"unit": "percent"}),
    ("roads.driving_side", "right", {}),
    ("policy.ev_incentive.amount", {"amount": 3000, "currency": "EUR"}, {}),
    ("policy.ev_incentive.price_cap", {"amount": 40000, "currency": "USD"}, {}),
    ("trade.import_ban.in_force", True, {"qualifiers": {"powertrain": "ICE"}}),
]


def _varied() -> list:  # type: ignore[type-arg]
    """The memo test's 108 models, and some of them built by another Chinese maker."""
    models = _models()
    others = [
        m.with_changes(id=f"geely-{m.id}", maker="Geely") for m in models[::5] if m.origin == "CN"
    ]
    return [*models, *others]


@pytest.fixture
def markets(atlas: Atlas, write_bundle: Callable[..., Path]) -> list[str]:
    rows = [
        {"market": market, "property": p, "value": v, **extra}
        for market, facts in (("TH", FACTS), ("EU", EU_FACTS), ("DE", DE_FACTS))
        for p, v, extra in facts
    ]
    atlas.import_files([write_bundle(bundle(*rows))])
    return ["TH", "DE", "FR", "EU"]  # FR: only what it inherits from the EU


def _one_by_one(atlas: Atlas, codes: list[str]) -> dict[tuple[str, str], dict[str, object]]:
    with atlas.read() as connection:
        return {
            (m.id, code): assess(connection, m, code, ON).as_dict()
            for code in codes
            for m in _varied()
        }


def test_the_matrix_equals_one_assessment_per_pair(atlas: Atlas, markets: list[str]) -> None:
    with atlas.read() as connection:
        together = matrix(connection, _varied(), markets, ON)
    alone = _one_by_one(atlas, markets)
    assert len(together) == len(alone) == len(_varied()) * 4
    assert [a.as_dict() for a in together] == [alone[(a.model.id, a.market)] for a in together]
    # The cases are there: inherited and narrowed facts, converted prices, varied scores.
    de = [a for a in together if a.market == "DE"]
    assert {f.inherited_from for a in de for f in a.findings for f in f.facts} >= {"EU", None}
    duties = {
        str(a.cost.line("additional_duty").rate) for a in de if a.cost.line("additional_duty")
    }
    assert duties == {"17.0", "35.3", "0.0"}  # BYD, Geely from China; Volkswagen
    assert len({a.score for a in together}) > 10


def test_a_rule_without_declared_uses_gives_the_same_answers(
    atlas: Atlas, markets: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for rule_id in ("policy.incentive_eligibility", "regulation.type_approval"):
        monkeypatch.setitem(RULES, rule_id, dataclasses.replace(RULES[rule_id], uses=None))
    with atlas.read() as connection:
        together = matrix(connection, _varied(), markets, ON)
    alone = _one_by_one(atlas, markets)
    assert [a.as_dict() for a in together] == [alone[(a.model.id, a.market)] for a in together]
