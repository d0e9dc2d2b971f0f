"""Alerts, the inbox: one per organization and cause, read or unread."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from autoatlas.store.alerts._shared import chunks, insert_new_id, to_json
from autoatlas.store.engine import WriteTx
from autoatlas.store.schema import alert

__all__ = [
    "AlertRow",
    "alerts_after",
    "insert_alert",
    "insert_alerts",
    "list_alerts",
    "mark_read",
]


@dataclass(frozen=True, slots=True)
class AlertRow:
    id: int
    organization_id: int
    cause: str
    kind: str
    severity: str
    market: str
    property: str | None
    title: str
    detail: dict[str, Any]
    change_set_id: int | None
    created_at: datetime
    read_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "organization_id": self.organization_id,
            "cause": self.cause,
            "kind": self.kind,
            "severity": self.severity,
            "market": self.market,
            "property": self.property,
            "title": self.title,
            "detail": self.detail,
            "change_set_id": self.change_set_id,
            "created_at": self.created_at.isoformat(),
            "read": self.read_at is not None,
        }


def _alert(r: Any) -> AlertRow:
    return AlertRow(
        r.id,
        r.organization_id,
        r.cause,
        r.kind,
        r.severity,
        r.market,
        r.property,
        r.title,
        orjson.loads(r.detail),
        r.change_set_id,
        r.created_at,
        r.read_at,
    )


def insert_alert(
    tx: WriteTx,
    *,
    organization_id: int,
    cause: str,
    kind: str,
    severity: str,
    rank: int,
    market: str,
    property: str | None,
    title: str,
    detail: dict[str, Any],
    change_set_id: int | None,
) -> int | None:
    """The new alert's id, or None when the organization was told of this cause already."""
    return insert_new_id(
        tx.connection,
        alert,
        {
            "organization_id": organization_id,
            "cause": cause,
            "kind": kind,
            "severity": severity,
            "rank": rank,
            "market": market,
            "property": property,
            "title": title,
            "detail": to_json(detail),
            "change_set_id": change_set_id,
            "created_at": tx.now,
        },
    )


def _alert_ids(connection: Connection, causes: Sequence[str]) -> dict[tuple[int, str], int]:
    """The alerts of these causes, by (organization, cause)."""
    found: dict[tuple[int, str], int] = {}
    for chunk in chunks(sorted(set(causes))):
        for alert_id, org, cause in connection.execute(
            sa.select(alert.c.id, alert.c.organization_id, alert.c.cause).where(
                alert.c.cause.in_(chunk)
            )
        ):
            found[(int(org), str(cause))] = int(alert_id)
    return found


def insert_alerts(tx: WriteTx, rows: Sequence[dict[str, Any]]) -> list[int | None]:
    """Insert many alerts at once (keys as insert_alert's); for each row its new id, or None
    when its organization was told of its cause already.

    One executemany and a look-up of the new ids by cause (a change set has a few causes for
    a thousand organizations): RETURNING in row order would insert row by row on SQLite.
    """
    connection = tx.connection
    causes = [row["cause"] for row in rows]
    existing = set(_alert_ids(connection, causes))
    fresh: list[dict[str, Any]] = []
    for row in rows:
        key = (row["organization_id"], row["cause"])
        if key not in existing:
            existing.add(key)
            fresh.append(
                {**row, "detail": to_json(row["detail"]), "created_at": tx.now, "read_at": None}
            )
    if not fresh:
        return [None] * len(rows)
    connection.execute(sa.insert(alert), fresh)
    ids = _alert_ids(connection, [r["cause"] for r in fresh])
    new = {(r["organization_id"], r["cause"]) for r in fresh}
    return [
        ids[key] if (key := (row["organization_id"], row["cause"])) in new else None for row in rows
    ]


def list_alerts(
    connection: Connection,
    *,
    organization_id: int,
    unread_only: bool = False,
    after_id: int = 0,
    before_id: int | None = None,
    limit: int = 100,
    newest_first: bool = False,
) -> list[AlertRow]:
    query = (
        sa.select(alert)
        .where(alert.c.organization_id == organization_id, alert.c.id > after_id)
        .limit(limit)
    )
    if before_id is not None:
        query = query.where(alert.c.id < before_id)
    if unread_only:
        query = query.where(alert.c.read_at.is_(None))
    query = query.order_by(alert.c.id.desc() if newest_first else alert.c.id)
    return [_alert(r) for r in connection.execute(query)]


def count_unread(connection: Connection, *, organization_id: int, cap: int) -> int:
    """How many of the organization's alerts are unread, counting no further than `cap`."""
    unread = (
        sa.select(alert.c.id)
        .where(alert.c.organization_id == organization_id, alert.c.read_at.is_(None))
        .limit(cap)
        .subquery()
    )
    found: int = connection.execute(sa.select(sa.func.count()).select_from(unread)).scalar_one()
    return found


def alerts_after(
    connection: Connection, *, organization_id: int, after_id: int, min_rank: int, limit: int
) -> list[AlertRow]:
    """For a digest: alerts after the watermark at least as severe as `min_rank`, ranked."""
    query = (
        sa.select(alert)
        .where(
            alert.c.organization_id == organization_id,
            alert.c.id > after_id,
            alert.c.rank <= min_rank,
        )
        .order_by(alert.c.id)
        .limit(limit)
    )
    return [_alert(r) for r in connection.execute(query)]


def mark_read(
    tx: WriteTx, *, organization_id: int, alert_ids: Sequence[int] | None, read: bool = True
) -> int:
    """Mark alerts read (or unread again); None: every alert of the organization."""
    query = sa.update(alert).where(alert.c.organization_id == organization_id)
    if alert_ids is not None:
        query = query.where(alert.c.id.in_(list(alert_ids)))
    result = tx.connection.execute(query.values(read_at=tx.now if read else None))
    return int(result.rowcount)
