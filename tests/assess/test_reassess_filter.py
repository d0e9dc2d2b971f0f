"""Re-assessment leaves out the models a changed fact cannot apply to (`affected_pairs` with
the changed facts' qualifiers): that shortcut must never skip a pair whose assessment the
change moves. Checked on random markets and random changes (a value, the qualifiers, a fact
added or removed), and `SEEN_WHOLE` (the properties read whatever their qualifiers) is
checked against what the rules actually read through `Context.any`."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from test_matrix_cells import MODELS, POOL, _fact, _rates

from autoatlas.assess.assessment import assess_with_facts
from autoatlas.assess.reassess import SEEN_WHOLE, affected_pairs
from autoatlas.domain.facts import Fact
from autoatlas.rules.engine import Context, vehicle_qualifiers

ON = date(2026, 7, 1)
VEHICLES = {m.id: vehicle_qualifiers(m) for m in MODELS}
PORTFOLIO = {"XX": [m.id for m in MODELS]}
# Other versions of facts, to change a value or the qualifiers or to add a fact.
OTHERS: list[tuple[str, Any, dict[str, str]]] = [
    ("trade.additional_duty.passenger_bev", 25.0, {"origin": "CN"}),
    ("trade.additional_duty.passenger_all", 3.0, {"maker": "Volkswagen"}),
    ("trade.vat.rate", 9, {"powertrain": "PHEV"}),
    ("trade.excise.passenger_rate", 30, {"powertrain": "ICE"}),
    ("trade.import_duty.passenger_bev", 50, {"origin": "DE"}),
    ("regulation.un_r155.mandatory_from", "2025-01-01", {"origin": "CN"}),
    ("charging.dc_connector", ["CHAdeMO"], {"powertrain": "BEV"}),
    ("regulation.fleet_co2.target", 50, {"vehicle_class": "M1"}),
    ("regulation.fleet_co2.target", 10, {"vehicle_class": "N1"}),
    ("policy.ev_incentive.amount", {"amount": "900", "currency": "EUR"}, {"maker": "byd"}),
    ("trade.import_ban.in_force", True, {"origin": "RU"}),
    ("regulation.connected_vehicle.origin_restriction", "banned", {"maker": "Volkswagen"}),
    ("roads.driving_side", "left", {"origin": "DE"}),
    ("trade.fta_china.duty.passenger_bev", 1, {"origin": "CN"}),
]


def _all(facts: list[Fact]) -> list[dict[str, Any]]:
    rates = _rates()
    return [assess_with_facts(m, "XX", ON, facts, rates).as_dict() for m in MODELS]


@settings(max_examples=30, deadline=None)
@given(
    chosen=st.lists(st.booleans(), min_size=len(POOL), max_size=len(POOL)),
    change=st.sampled_from(["value", "qualifiers", "add", "remove"]),
    which=st.integers(0, 10_000),
    other=st.integers(0, len(OTHERS) - 1),
)
def test_a_skipped_pair_is_never_moved(
    chosen: list[bool], change: str, which: int, other: int
) -> None:
    facts = [_fact(100 + i, *POOL[i][:2], **POOL[i][2]) for i, yes in enumerate(chosen) if yes]
    prop, value, qualifiers = OTHERS[other]
    added = _fact(999, prop, value, **qualifiers)
    same = [f for f in facts if f.property == prop]
    old = same[which % len(same)] if same else None
    if change == "add" or old is None:
        after, touched = [*facts, added], [added]
    elif change == "remove":
        after, touched = [f for f in facts if f is not old], [old]
    elif change == "value":
        new = dataclasses.replace(old, id=-old.id, value=value)
        after, touched = [new if f is old else f for f in facts], [old, new]
    else:
        new = dataclasses.replace(old, id=-old.id, qualifiers=qualifiers)
        after, touched = [new if f is old else f for f in facts], [old, new]
    kept = {
        model
        for model, _code in affected_pairs(
            prop,
            "XX",
            PORTFOLIO,
            qualifiers=[f.qualifiers for f in touched],
            vehicles=VEHICLES,
        )
    }
    before_all, after_all = _all(facts), _all(after)
    for model, before, now in zip(MODELS, before_all, after_all, strict=True):
        if model.id not in kept:
            assert before == now, f"{model.id} skipped but moved by {change} of {prop}"


def test_a_change_narrowed_to_a_maker_skips_the_other_makers() -> None:
    """The shortcut is taken, and only where it may be."""
    byd = {"origin": "CN", "maker": "BYD"}
    kept = affected_pairs(
        "trade.additional_duty.passenger_all",
        "XX",
        PORTFOLIO,
        qualifiers=[byd],
        vehicles=VEHICLES,
    )
    assert {VEHICLES[m]["maker"] for m, _code in kept} == {"byd"}
    assert 0 < len(kept) < len(MODELS)
    # Read whatever its qualifiers (Context.any), a rate, or a fact for every vehicle: all.
    for prop, qualifiers in (
        ("trade.import_ban.in_force", byd),
        ("trade.exchange_rate.usd", byd),
        ("trade.additional_duty.passenger_all", {}),
    ):
        every = affected_pairs(prop, "XX", PORTFOLIO, qualifiers=[qualifiers], vehicles=VEHICLES)
        assert len(every) == len(MODELS), prop


def test_seen_whole_is_what_the_rules_read_through_any(monkeypatch: Any) -> None:
    read: set[str] = set()
    real = Context.any

    def recording(self: Context, prop: str) -> list[Fact]:
        read.add(prop)
        return real(self, prop)

    monkeypatch.setattr(Context, "any", recording)
    facts = [_fact(100 + i, *row[:2], **row[2]) for i, row in enumerate(POOL)]
    _all(facts)
    _all([])
    assert read == SEEN_WHOLE
