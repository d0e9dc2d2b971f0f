"""Query shapes the alert tables share: JSON columns, INSERT ... ON CONFLICT DO NOTHING, new
ids, chunked IN lists, and "stamp a row of the organization's" (disable, revoke)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, TypeVar

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from autoatlas.store.engine import WriteTx

T = TypeVar("T")

# SQLite allows 999 bound parameters per statement: IN lists go in slices below that.
CHUNK = 900


def to_json(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def qualifiers(key: str) -> dict[str, str]:
    """The qualifiers of an event from its key column ('' for none)."""
    found: dict[str, str] = orjson.loads(key) if key else {}
    return found


def chunks(items: Sequence[T]) -> Iterator[list[T]]:
    for begin in range(0, len(items), CHUNK):
        yield list(items[begin : begin + CHUNK])


def insert_ignoring_conflict(connection: Connection, table: sa.Table) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING in the dialect at hand."""
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()


def insert_id(connection: Connection, table: sa.Table, values: dict[str, Any]) -> int:
    """Insert one row and return its new id."""
    return int(
        connection.execute(sa.insert(table).values(**values).returning(table.c.id)).scalar_one()
    )


def insert_new_id(connection: Connection, table: sa.Table, values: dict[str, Any]) -> int | None:
    """Insert one row unless it conflicts with one already there: its new id, or None."""
    found = connection.execute(
        insert_ignoring_conflict(connection, table).values(**values).returning(table.c.id)
    ).scalar()
    return None if found is None else int(found)


def stamp_owned(
    tx: WriteTx, table: sa.Table, column: str, *, row_id: int, organization_id: int, at: datetime
) -> bool:
    """Set `column` (disabled_at, revoked_at) on the organization's row unless it is set: True
    when it was not (a row of another organization stays as it is)."""
    stamp = table.c[column]
    result = tx.connection.execute(
        sa.update(table)
        .where(table.c.id == row_id, table.c.organization_id == organization_id, stamp.is_(None))
        .values({column: at})
    )
    return bool(result.rowcount)
