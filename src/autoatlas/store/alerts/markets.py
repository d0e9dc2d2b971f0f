"""What matching and alerts read of the reference data: market coverage and record values."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from autoatlas.store.alerts._shared import chunks
from autoatlas.store.schema import bloc_membership, fact, market

__all__ = ["fact_values", "known_markets", "market_members"]


def market_members(connection: Connection, on: date) -> dict[str, set[str]]:
    """What a watchlist entry for a market also covers on `on`: a bloc its members, a country
    its subdivisions (and a bloc its members' subdivisions)."""
    covered: dict[str, set[str]] = {}
    for code, parent in connection.execute(
        sa.select(market.c.code, market.c.parent).where(market.c.parent.is_not(None))
    ):
        covered.setdefault(parent, set()).add(code)
    members = connection.execute(
        sa.select(bloc_membership.c.bloc, bloc_membership.c.member)
        .where(sa.or_(bloc_membership.c.valid_from.is_(None), bloc_membership.c.valid_from <= on))
        .where(sa.or_(bloc_membership.c.valid_to.is_(None), bloc_membership.c.valid_to > on))
    )
    blocs: dict[str, set[str]] = {}
    for bloc, member in members:
        blocs.setdefault(bloc, set()).add(member)
    for bloc, found in blocs.items():
        everything = set(found)
        for member in found:
            everything |= covered.get(member, set())
        covered.setdefault(bloc, set()).update(everything)
    return covered


def known_markets(connection: Connection, codes: Sequence[str]) -> set[str]:
    return set(
        connection.execute(sa.select(market.c.code).where(market.c.code.in_(list(codes)))).scalars()
    )


def fact_values(connection: Connection, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Value, unit and valid period of records, for alerts that show before and after."""
    found: dict[int, dict[str, Any]] = {}
    for chunk in chunks(ids):
        rows = connection.execute(
            sa.select(
                fact.c.id, fact.c.value, fact.c.unit, fact.c.valid_from, fact.c.valid_to
            ).where(fact.c.id.in_(chunk))
        )
        for r in rows:
            found[r.id] = {
                "fact_id": r.id,
                "value": orjson.loads(r.value),
                "unit": r.unit,
                "valid_from": r.valid_from.isoformat() if r.valid_from else None,
                "valid_to": r.valid_to.isoformat() if r.valid_to else None,
            }
    return found
