"""What the producer reads: change events, deadline events, and its watermarks (cursors)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from autoatlas.store.alerts._shared import (
    chunks,
    insert_ignoring_conflict,
    insert_new_id,
    qualifiers,
)
from autoatlas.store.engine import WriteTx
from autoatlas.store.schema import alert_cursor, change_event, change_set, deadline_event, fact

__all__ = [
    "EventRow",
    "advance_cursor",
    "change_events_after",
    "deadline_events_after",
    "events_waiting",
    "get_cursor",
    "insert_deadline_events",
    "upcoming_facts",
]


# -- producer watermarks ----------------------------------------------------------------------
def get_cursor(connection: Connection, name: str) -> int:
    found = connection.execute(
        sa.select(alert_cursor.c.position).where(alert_cursor.c.name == name)
    ).scalar()
    return int(found or 0)


def advance_cursor(tx: WriteTx, name: str, *, old: int, new: int) -> bool:
    """Move a watermark from `old` to `new`; False when another worker moved it first."""
    connection = tx.connection
    connection.execute(  # the row exists from the first move on
        insert_ignoring_conflict(connection, alert_cursor).values(
            name=name, position=0, updated_at=tx.now
        )
    )
    result = connection.execute(
        sa.update(alert_cursor)
        .where(alert_cursor.c.name == name, alert_cursor.c.position == old)
        .values(position=new, updated_at=tx.now)
    )
    return result.rowcount == 1


def events_waiting(connection: Connection, *, change_cursor: str, deadline_cursor: str) -> bool:
    """Whether a change or deadline event lies past its watermark: the cheap look of an idle
    worker (reads only, two index probes)."""
    for table, cursor in ((change_event, change_cursor), (deadline_event, deadline_cursor)):
        found = connection.execute(
            sa.select(table.c.id)
            .where(table.c.id > get_cursor(connection, cursor))
            .order_by(table.c.id)
            .limit(1)
        ).scalar()
        if found is not None:
            return True
    return False


# -- events -----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class EventRow:
    """A change event or a deadline event, with what alerts cite."""

    id: int
    kind: str  # added, superseded, retracted, trimmed; or "deadline"
    fact_id: int
    market: str
    property: str
    qualifiers: dict[str, str]
    scope: str
    created_at: datetime
    change_set_id: int | None = None
    change_set_title: str | None = None
    horizon_days: int | None = None
    valid_from: date | None = None


def _after(table: sa.Table, query: Any, after_id: int, limit: int) -> Any:
    """The events of `table` after a watermark, oldest first (both kinds read alike)."""
    return query.where(table.c.id > after_id).order_by(table.c.id).limit(limit)


def change_events_after(connection: Connection, after_id: int, limit: int) -> list[EventRow]:
    query = _after(
        change_event,
        sa.select(change_event, change_set.c.title).join(
            change_set, change_set.c.id == change_event.c.change_set_id
        ),
        after_id,
        limit,
    )
    return [
        EventRow(
            r.id,
            r.kind,
            r.fact_id,
            r.market,
            r.property,
            qualifiers(r.qualifiers_key),
            r.scope,
            r.created_at,
            change_set_id=r.change_set_id,
            change_set_title=r.title,
        )
        for r in connection.execute(query)
    ]


def deadline_events_after(connection: Connection, after_id: int, limit: int) -> list[EventRow]:
    query = _after(deadline_event, sa.select(deadline_event), after_id, limit)
    return [
        EventRow(
            r.id,
            "deadline",
            r.fact_id,
            r.market,
            r.property,
            qualifiers(r.qualifiers_key),
            r.scope,
            r.created_at,
            horizon_days=r.horizon_days,
            valid_from=r.valid_from,
        )
        for r in connection.execute(query)
    ]


# -- deadlines --------------------------------------------------------------------------------
def upcoming_facts(connection: Connection, start: date, end: date) -> list[Any]:
    """Current records whose valid_from lies in [start, end], with the horizons emitted."""
    query = (
        sa.select(
            fact.c.id,
            fact.c.market,
            fact.c.property,
            fact.c.qualifiers_key,
            fact.c.scope,
            fact.c.valid_from,
        )
        .where(fact.c.superseded_at.is_(None))
        .where(fact.c.valid_from >= start, fact.c.valid_from <= end)
        .order_by(fact.c.id)
    )
    rows = list(connection.execute(query))
    emitted: dict[int, set[int]] = {}
    for ids in chunks([r.id for r in rows]):
        for fact_id, horizon in connection.execute(
            sa.select(deadline_event.c.fact_id, deadline_event.c.horizon_days).where(
                deadline_event.c.fact_id.in_(ids)
            )
        ):
            emitted.setdefault(fact_id, set()).add(horizon)
    return [(row, emitted.get(row.id, set())) for row in rows]


def insert_deadline_events(tx: WriteTx, rows: Sequence[dict[str, Any]]) -> int:
    """Emit deadline events; one emitted already (fact, horizon) is left out. How many are new."""
    return sum(
        insert_new_id(tx.connection, deadline_event, {**row, "created_at": tx.now}) is not None
        for row in rows
    )
