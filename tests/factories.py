"""Small builders of test input, shared by the test modules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from autoatlas.domain.facts import Fact, Visibility
from autoatlas.domain.periods import Period

SOURCE = {
    "id": "src",
    "kind": "regulation",
    "title": "Test regulation 1/2024",
    "publisher": "Test Ministry",
    "url": "https://example.org/reg/1-2024",
    "published": "2024-01-15",
}


def bundle(*facts: dict[str, Any], sources: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A bundle of these facts, each citing the test source unless it names its own."""
    return {
        "sources": sources if sources is not None else [SOURCE],
        "facts": [{"sources": ["src"], **fact} for fact in facts],
    }


def stored_fact(
    number: int, prop: str, value: Any, *, market: str = "XX", **qualifiers: str
) -> Fact:
    """A public fact as the store would give it (id `number`, valid always), for the
    engine's tests that need no database."""
    return Fact(
        id=number,
        market=market,
        property=prop,
        value=value,
        unit=None,
        qualifiers=qualifiers,
        period=Period(None, None),
        confidence="high",
        visibility=Visibility.PUBLIC,
        organization="operator",
        recorded_at=datetime(2025, 1, 1),
        superseded_at=None,
    )


SEAL: dict[str, Any] = {
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
    "length_mm": 4800,
    "width_mm": 1875,
    "height_mm": 1460,
    "kerb_mass_kg": 2150,
    "ground_clearance_mm": 120,
    "operating_temp_min_c": -25,
    "operating_temp_max_c": 50,
    "price": {"amount": "30000", "currency": "USD"},
}
"""A valid vehicle model (a Chinese LHD BEV with CCS2), for tests that need any model."""
