"""Watchlists: what an organization watches."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from autoatlas.store.alerts._shared import insert_id, to_json
from autoatlas.store.engine import WriteTx
from autoatlas.store.schema import watchlist

__all__ = [
    "WatchlistRow",
    "delete_watchlist",
    "insert_watchlist",
    "list_watchlists",
    "watchlist_version",
]


@dataclass(frozen=True, slots=True)
class WatchlistRow:
    id: int
    organization_id: int
    name: str
    markets: list[str]
    dimensions: list[str]
    properties: list[str]
    qualifiers: dict[str, str]
    min_severity: str
    created_at: datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "organization_id": self.organization_id,
            "name": self.name,
            "markets": self.markets,
            "dimensions": self.dimensions,
            "properties": self.properties,
            "qualifiers": self.qualifiers,
            "min_severity": self.min_severity,
            "created_at": self.created_at.isoformat(),
        }


def insert_watchlist(
    tx: WriteTx,
    *,
    organization_id: int,
    name: str,
    markets: Sequence[str],
    dimensions: Sequence[str],
    properties: Sequence[str],
    qualifiers: dict[str, str],
    min_severity: str,
) -> int:
    return insert_id(
        tx.connection,
        watchlist,
        {
            "organization_id": organization_id,
            "name": name,
            "markets": to_json(sorted(set(markets))),
            "dimensions": to_json(sorted(set(dimensions))),
            "properties": to_json(sorted(set(properties))),
            "qualifiers": to_json(qualifiers),
            "min_severity": min_severity,
            "created_at": tx.now,
        },
    )


def list_watchlists(
    connection: Connection, *, organization_id: int | None = None
) -> list[WatchlistRow]:
    query = sa.select(watchlist).order_by(watchlist.c.id)
    if organization_id is not None:
        query = query.where(watchlist.c.organization_id == organization_id)
    return [
        WatchlistRow(
            r.id,
            r.organization_id,
            r.name,
            orjson.loads(r.markets),
            orjson.loads(r.dimensions),
            orjson.loads(r.properties),
            orjson.loads(r.qualifiers),
            r.min_severity,
            r.created_at,
        )
        for r in connection.execute(query)
    ]


def delete_watchlist(tx: WriteTx, *, organization_id: int, watchlist_id: int) -> bool:
    result = tx.connection.execute(
        sa.delete(watchlist).where(
            watchlist.c.id == watchlist_id, watchlist.c.organization_id == organization_id
        )
    )
    return bool(result.rowcount)


def watchlist_version(connection: Connection) -> tuple[int, int]:
    """Changes whenever a watchlist is added or removed: (count, highest id)."""
    row = connection.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.max(watchlist.c.id), 0))
    ).one()
    return int(row[0]), int(row[1])
