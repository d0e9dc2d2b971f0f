"""The delivery queue: one row per (channel, alert), claimed under a lease, retried, and
dead-lettered at the end of its window.

Queue times (next attempt, lease) come from the caller's clock, so tests can run a day of
retries in seconds; transaction times (tx.now) stay the store clock's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from autoatlas.store.alerts._shared import chunks, insert_ignoring_conflict, to_json
from autoatlas.store.engine import WriteTx, create_engine
from autoatlas.store.schema import alert, alert_channel, delivery

__all__ = [
    "ClaimedDelivery",
    "DeliveryRow",
    "RecentDeliveryRow",
    "claim_deliveries",
    "delivery_due",
    "enqueue_deliveries",
    "enqueue_delivery",
    "list_deliveries",
    "recent_deliveries",
    "record_delivered",
    "record_delivered_many",
    "record_failure",
    "replay_dead",
    "worker_engine",
]


@dataclass(frozen=True, slots=True)
class DeliveryRow:
    id: int
    channel_id: int
    alert_id: int | None
    idempotency_key: str
    state: str
    attempts: int
    next_attempt_at: datetime
    window_start: datetime
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "channel_id": self.channel_id,
            "alert_id": self.alert_id,
            "idempotency_key": self.idempotency_key,
            "state": self.state,
            "attempts": self.attempts,
            "next_attempt_at": self.next_attempt_at.isoformat(),
            "last_error": self.last_error,
            "created_at": self.created_at.isoformat(),
            "delivered_at": self.delivered_at.isoformat() if self.delivered_at else None,
        }


@dataclass(frozen=True, slots=True)
class ClaimedDelivery:
    """A delivery this worker holds until its lease ends, with where it goes."""

    id: int
    token: str
    idempotency_key: str
    payload: str
    attempts: int
    window_start: datetime
    kind: str
    target: str
    secret: str | None


def _pending(row: dict[str, Any], now: datetime) -> dict[str, Any]:
    """A queue row due now, from (channel_id, alert_id, idempotency_key, payload)."""
    return {
        "channel_id": row["channel_id"],
        "alert_id": row["alert_id"],
        "idempotency_key": row["idempotency_key"],
        "payload": to_json(row["payload"]),
        "state": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "window_start": now,
        "created_at": now,
    }


def enqueue_delivery(
    tx: WriteTx,
    *,
    channel_id: int,
    alert_id: int | None,
    idempotency_key: str,
    payload: dict[str, Any],
    now: datetime,
) -> bool:
    """Queue one delivery; False when its idempotency key is queued already."""
    row = {
        "channel_id": channel_id,
        "alert_id": alert_id,
        "idempotency_key": idempotency_key,
        "payload": payload,
    }
    found = tx.connection.execute(
        insert_ignoring_conflict(tx.connection, delivery)
        .values(**_pending(row, now))
        .returning(delivery.c.id)
    ).scalar()
    return found is not None


def enqueue_deliveries(tx: WriteTx, rows: Sequence[dict[str, Any]], *, now: datetime) -> int:
    """Queue many deliveries (channel_id, alert_id, idempotency_key, payload) at once; a key
    queued already is left as it is."""
    if not rows:
        return 0
    values = [_pending(row, now) for row in rows]
    tx.connection.execute(insert_ignoring_conflict(tx.connection, delivery), values)
    return len(values)


def claim_deliveries(
    tx: WriteTx, *, now: datetime, lease_until: datetime, token: str, limit: int
) -> list[ClaimedDelivery]:
    """Take up to `limit` due deliveries whose lease (if any) has ended.

    On PostgreSQL the rows are locked with FOR UPDATE SKIP LOCKED, so workers that claim at
    the same moment take different rows; SQLite serialises writers anyway.
    """
    connection = tx.connection
    due = (
        sa.select(delivery.c.id)
        .where(delivery.c.state == "pending", delivery.c.next_attempt_at <= now)
        .where(sa.or_(delivery.c.claimed_until.is_(None), delivery.c.claimed_until <= now))
        .order_by(delivery.c.next_attempt_at, delivery.c.id)
        .limit(limit)
    )
    if connection.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    ids = list(connection.execute(due).scalars())
    if not ids:
        return []
    connection.execute(
        sa.update(delivery)
        .where(delivery.c.id.in_(ids))
        .values(claimed_until=lease_until, claim_token=token)
    )
    rows = connection.execute(
        sa.select(
            delivery.c.id,
            delivery.c.idempotency_key,
            delivery.c.payload,
            delivery.c.attempts,
            delivery.c.window_start,
            alert_channel.c.kind,
            alert_channel.c.target,
            alert_channel.c.secret,
        )
        .join(alert_channel, alert_channel.c.id == delivery.c.channel_id)
        .where(delivery.c.id.in_(ids))
        .order_by(delivery.c.next_attempt_at, delivery.c.id)
    )
    return [
        ClaimedDelivery(
            r.id,
            token,
            r.idempotency_key,
            r.payload,
            r.attempts,
            r.window_start,
            r.kind,
            r.target,
            r.secret,
        )
        for r in rows
    ]


def delivery_due(connection: Connection, *, now: datetime) -> bool:
    """Whether a delivery is due and unclaimed: the cheap look of an idle worker."""
    found = connection.execute(
        sa.select(delivery.c.id)
        .where(delivery.c.state == "pending", delivery.c.next_attempt_at <= now)
        .where(sa.or_(delivery.c.claimed_until.is_(None), delivery.c.claimed_until <= now))
        .limit(1)
    ).scalar()
    return found is not None


def _mark_delivered(tx: WriteTx, ids: list[int], now: datetime) -> int:
    result = tx.connection.execute(
        sa.update(delivery)
        .where(delivery.c.id.in_(ids), delivery.c.state == "pending")
        .values(
            state="delivered",
            delivered_at=now,
            attempts=delivery.c.attempts + 1,
            claimed_until=None,
            claim_token=None,
            last_error=None,
        )
    )
    return int(result.rowcount)


def record_delivered(tx: WriteTx, delivery_id: int, *, token: str, now: datetime) -> bool:
    """Mark delivered. A worker whose lease ran out still records success: it did deliver."""
    return _mark_delivered(tx, [delivery_id], now) == 1


def record_delivered_many(tx: WriteTx, delivery_ids: Sequence[int], *, now: datetime) -> int:
    """record_delivered for many at once."""
    return sum(_mark_delivered(tx, ids, now) for ids in chunks(delivery_ids))


def record_failure(
    tx: WriteTx,
    delivery_id: int,
    *,
    token: str,
    error: str,
    next_attempt_at: datetime | None,
) -> bool:
    """Schedule the next attempt, or (next_attempt_at None) move it to the dead letters.
    Only the holder of the claim may: a worker whose lease was taken over stays silent."""
    values: dict[str, Any] = {
        "attempts": delivery.c.attempts + 1,
        "claimed_until": None,
        "claim_token": None,
        "last_error": error[:2000],
    }
    if next_attempt_at is None:
        values["state"] = "dead"
    else:
        values["next_attempt_at"] = next_attempt_at
    result = tx.connection.execute(
        sa.update(delivery)
        .where(
            delivery.c.id == delivery_id,
            delivery.c.state == "pending",
            delivery.c.claim_token == token,
        )
        .values(**values)
    )
    return result.rowcount == 1


def _delivery(r: Any) -> DeliveryRow:
    return DeliveryRow(
        r.id,
        r.channel_id,
        r.alert_id,
        r.idempotency_key,
        r.state,
        r.attempts,
        r.next_attempt_at,
        r.window_start,
        r.last_error,
        r.created_at,
        r.delivered_at,
    )


def list_deliveries(
    connection: Connection,
    *,
    organization_id: int | None = None,
    state: str | None = None,
    limit: int = 1000,
) -> list[DeliveryRow]:
    query = (
        sa.select(delivery)
        .join(alert_channel, alert_channel.c.id == delivery.c.channel_id)
        .order_by(delivery.c.id)
        .limit(limit)
    )
    if organization_id is not None:
        query = query.where(alert_channel.c.organization_id == organization_id)
    if state is not None:
        query = query.where(delivery.c.state == state)
    return [_delivery(r) for r in connection.execute(query)]


def replay_dead(
    tx: WriteTx, *, now: datetime, organization_id: int | None, delivery_ids: Sequence[int] | None
) -> int:
    """Queue dead letters again, with a fresh 24-hour window and the same idempotency key."""
    query = sa.update(delivery).where(delivery.c.state == "dead")
    if delivery_ids is not None:
        query = query.where(delivery.c.id.in_(list(delivery_ids)))
    if organization_id is not None:
        channels = sa.select(alert_channel.c.id).where(
            alert_channel.c.organization_id == organization_id
        )
        query = query.where(delivery.c.channel_id.in_(channels))
    result = tx.connection.execute(
        query.values(
            state="pending",
            attempts=0,
            next_attempt_at=now,
            window_start=now,
            claimed_until=None,
            claim_token=None,
        )
    )
    return int(result.rowcount)


def worker_engine(url: str, *, name: str = "autoatlas-worker") -> Engine:
    """An engine for a long-running worker. On a database server, connections are checked
    before use (a server restart or a killed backend costs one error, not the worker) and
    carry an application_name operators can find in pg_stat_activity. A SQLite file has no
    server to lose: no check, which would cost a query per transaction."""
    kwargs: dict[str, Any] = {}
    if not url.startswith("sqlite"):
        kwargs["pool_pre_ping"] = True
    if url.startswith(("postgresql:", "postgresql+")):
        kwargs["connect_args"] = {"application_name": name}
    return create_engine(url, **kwargs)


# -- what admins see of the queue -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RecentDeliveryRow:
    """One delivery as an organization's admins follow it: where it goes, what it carries
    and how it fares. `state` is pending (not tried yet), retrying (failed at least once,
    `next_attempt_at` scheduled), delivered or dead."""

    id: int
    organization_id: int
    channel_id: int
    channel_kind: str
    channel_target: str
    alert_id: int | None  # None: a digest
    alert_title: str | None
    state: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        waiting = self.state in ("pending", "retrying")
        return {
            "id": self.id,
            "channel_id": self.channel_id,
            "channel_kind": self.channel_kind,
            "channel_target": self.channel_target,
            "alert_id": self.alert_id,
            "alert_title": self.alert_title,
            "state": self.state,
            "attempts": self.attempts,
            "next_attempt_at": self.next_attempt_at.isoformat() if waiting else None,
            "last_error": self.last_error,
            "created_at": self.created_at.isoformat(),
            "delivered_at": self.delivered_at.isoformat() if self.delivered_at else None,
        }


def recent_deliveries(
    connection: Connection,
    *,
    organization_id: int | None,
    channel_id: int | None = None,
    state: str | None = None,
    limit: int = 50,
) -> list[RecentDeliveryRow]:
    """The newest deliveries first (of one organization's channels unless None), with their
    channel and alert; `state` filters by the shown state (pending, retrying, delivered,
    dead): a queued row that has failed before is retrying."""
    tried = delivery.c.attempts > 0
    queued = delivery.c.state == "pending"
    shown = sa.case((sa.and_(queued, tried), "retrying"), else_=delivery.c.state)
    query = (
        sa.select(
            delivery.c.id,
            alert_channel.c.organization_id,
            delivery.c.channel_id,
            alert_channel.c.kind,
            alert_channel.c.target,
            delivery.c.alert_id,
            alert.c.title,
            shown.label("shown_state"),
            delivery.c.attempts,
            delivery.c.next_attempt_at,
            delivery.c.last_error,
            delivery.c.created_at,
            delivery.c.delivered_at,
        )
        .select_from(
            delivery.join(alert_channel, alert_channel.c.id == delivery.c.channel_id).outerjoin(
                alert, alert.c.id == delivery.c.alert_id
            )
        )
        .order_by(delivery.c.id.desc())
        .limit(limit)
    )
    if organization_id is not None:
        query = query.where(alert_channel.c.organization_id == organization_id)
    if channel_id is not None:
        query = query.where(delivery.c.channel_id == channel_id)
    if state == "pending":
        query = query.where(queued, sa.not_(tried))
    elif state == "retrying":
        query = query.where(queued, tried)
    elif state is not None:
        query = query.where(delivery.c.state == state)
    return [RecentDeliveryRow(*tuple(row)) for row in connection.execute(query)]
