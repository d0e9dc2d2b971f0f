"""Deadline events: a `valid_from` date coming within 90, 30 or 7 days, emitted once each.

A scan looks at current records whose valid_from lies within the widest horizon and emits
the tightest horizon the date has reached, unless that one (or a tighter one) was emitted
already: a date 60 days out emits "90", at 25 days "30", at 6 days "7", each exactly once;
a fact recorded 5 days before it takes effect emits "7" only. The unique (fact, horizon) pair
in the table makes the scan safe to run from several workers at once.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from autoatlas.store import alerts as store
from autoatlas.store.engine import connect, write_tx

__all__ = ["HORIZONS", "due_horizon", "scan_deadlines"]

HORIZONS = (90, 30, 7)


def due_horizon(days_left: int, horizons: tuple[int, ...] = HORIZONS) -> int | None:
    """The tightest horizon `days_left` is within, or None (past, or beyond every horizon)."""
    if days_left < 0:
        return None
    within = [h for h in horizons if days_left <= h]
    return min(within) if within else None


def scan_deadlines(engine: Engine, *, today: date, horizons: tuple[int, ...] = HORIZONS) -> int:
    """Emit the deadline events that came due by `today`; returns how many were new."""
    with connect(engine) as connection:
        upcoming = store.upcoming_facts(connection, today, today + timedelta(days=max(horizons)))
    rows: list[dict[str, Any]] = []
    for row, emitted in upcoming:
        horizon = due_horizon((row.valid_from - today).days, horizons)
        if horizon is None or any(h <= horizon for h in emitted):
            continue
        rows.append(
            {
                "fact_id": row.id,
                "horizon_days": horizon,
                "market": row.market,
                "property": row.property,
                "qualifiers_key": row.qualifiers_key,
                "scope": row.scope,
                "valid_from": row.valid_from,
            }
        )
    if not rows:
        return 0
    with write_tx(engine) as tx:
        return store.insert_deadline_events(tx, rows)
