"""What the planner needs to know of the current records before it writes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from autoatlas.domain.facts import FactInput, Visibility
from autoatlas.domain.periods import Period
from autoatlas.store.records import load_sources
from autoatlas.store.schema import fact

__all__ = ["StoredRecord", "current_records", "record_inputs"]

_CHUNK = 900


@dataclass(frozen=True, slots=True)
class StoredRecord:
    id: int
    market: str
    property: str
    qualifiers_key: str
    scope: str
    period: Period
    digest: str
    organization_id: int


def current_records(
    connection: Connection, markets: Sequence[str], properties: Sequence[str]
) -> list[StoredRecord]:
    """Current records (all scopes) of these markets and properties."""
    found: list[StoredRecord] = []
    markets = sorted(set(markets))
    properties = sorted(set(properties))
    if not markets or not properties:
        return found
    # Chunk on markets; properties of one bundle are few (the vocabulary has a few hundred).
    step = max(1, _CHUNK - len(properties))
    for start in range(0, len(markets), step):
        rows = connection.execute(
            sa.select(
                fact.c.id,
                fact.c.market,
                fact.c.property,
                fact.c.qualifiers_key,
                fact.c.scope,
                fact.c.valid_from,
                fact.c.valid_to,
                fact.c.digest,
                fact.c.organization_id,
            )
            .where(fact.c.superseded_at.is_(None))
            .where(fact.c.market.in_(markets[start : start + step]))
            .where(fact.c.property.in_(properties))
        )
        found.extend(
            StoredRecord(
                r.id,
                r.market,
                r.property,
                r.qualifiers_key,
                r.scope,
                Period(r.valid_from, r.valid_to),
                r.digest,
                r.organization_id,
            )
            for r in rows
        )
    return found


def record_inputs(connection: Connection, ids: Sequence[int]) -> dict[int, FactInput]:
    """Stored records as proposals again, to re-record a part of them (a trimmed period)."""
    inputs: dict[int, FactInput] = {}
    sources = load_sources(connection, ids)
    for start in range(0, len(ids), _CHUNK):
        rows = connection.execute(sa.select(fact).where(fact.c.id.in_(ids[start : start + _CHUNK])))
        for r in rows:
            inputs[r.id] = FactInput(
                market=r.market,
                property=r.property,
                value=orjson.loads(r.value),
                unit=r.unit,
                qualifiers=orjson.loads(r.qualifiers),
                qualifiers_key=r.qualifiers_key,
                period=Period(r.valid_from, r.valid_to),
                sources=tuple(sources.get(r.id, [])),
                confidence=r.confidence,
                visibility=Visibility(r.visibility),
                checked=r.checked,
                note=r.note,
                number=r.number,
            )
    return inputs
