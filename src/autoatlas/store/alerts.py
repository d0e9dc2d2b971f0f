"""SQL of the alerts: watchlists, producer watermarks, deadline events, alerts (the inbox),
channels, the delivery queue and feed tokens.

Queue times (next attempt, lease) come from the caller's clock, so tests can run a day of
retries in seconds; transaction times (tx.now) stay the store clock's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from autoatlas.store.engine import WriteTx, create_engine
from autoatlas.store.schema import (
    alert,
    alert_channel,
    alert_cursor,
    bloc_membership,
    change_event,
    change_set,
    deadline_event,
    delivery,
    fact,
    feed_token,
    market,
    watchlist,
)

__all__ = [
    "AlertRow",
    "ChannelRow",
    "ClaimedDelivery",
    "DeliveryRow",
    "EventRow",
    "WatchlistRow",
    "advance_cursor",
    "alerts_after",
    "change_events_after",
    "claim_deliveries",
    "deadline_events_after",
    "delete_watchlist",
    "disable_channel",
    "enqueue_deliveries",
    "enqueue_delivery",
    "fact_values",
    "find_feed_token",
    "get_cursor",
    "insert_alert",
    "insert_alerts",
    "insert_channel",
    "insert_deadline_events",
    "insert_feed_token",
    "insert_watchlist",
    "known_markets",
    "list_alerts",
    "list_channels",
    "list_deliveries",
    "list_watchlists",
    "mark_read",
    "market_members",
    "record_delivered",
    "record_delivered_many",
    "record_failure",
    "replay_dead",
    "revoke_feed_token",
    "set_digest_position",
    "upcoming_facts",
    "watchlist_version",
    "worker_engine",
]


def _json(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def _insert_ignoring_conflict(connection: Connection, table: sa.Table) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING in the dialect at hand."""
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()


# -- watchlists -------------------------------------------------------------------------------
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
    return int(
        tx.connection.execute(
            sa.insert(watchlist)
            .values(
                organization_id=organization_id,
                name=name,
                markets=_json(sorted(set(markets))),
                dimensions=_json(sorted(set(dimensions))),
                properties=_json(sorted(set(properties))),
                qualifiers=_json(qualifiers),
                min_severity=min_severity,
                created_at=tx.now,
            )
            .returning(watchlist.c.id)
        ).scalar_one()
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
        _insert_ignoring_conflict(connection, alert_cursor).values(
            name=name, position=0, updated_at=tx.now
        )
    )
    result = connection.execute(
        sa.update(alert_cursor)
        .where(alert_cursor.c.name == name, alert_cursor.c.position == old)
        .values(position=new, updated_at=tx.now)
    )
    return result.rowcount == 1


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


def _qualifiers(key: str) -> dict[str, str]:
    found: dict[str, str] = orjson.loads(key) if key else {}
    return found


def change_events_after(connection: Connection, after_id: int, limit: int) -> list[EventRow]:
    query = (
        sa.select(change_event, change_set.c.title)
        .join(change_set, change_set.c.id == change_event.c.change_set_id)
        .where(change_event.c.id > after_id)
        .order_by(change_event.c.id)
        .limit(limit)
    )
    return [
        EventRow(
            r.id,
            r.kind,
            r.fact_id,
            r.market,
            r.property,
            _qualifiers(r.qualifiers_key),
            r.scope,
            r.created_at,
            change_set_id=r.change_set_id,
            change_set_title=r.title,
        )
        for r in connection.execute(query)
    ]


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
    ids = [r.id for r in rows]
    for begin in range(0, len(ids), 900):
        for fact_id, horizon in connection.execute(
            sa.select(deadline_event.c.fact_id, deadline_event.c.horizon_days).where(
                deadline_event.c.fact_id.in_(ids[begin : begin + 900])
            )
        ):
            emitted.setdefault(fact_id, set()).add(horizon)
    return [(row, emitted.get(row.id, set())) for row in rows]


def insert_deadline_events(tx: WriteTx, rows: Sequence[dict[str, Any]]) -> int:
    count = 0
    for row in rows:
        found = tx.connection.execute(
            _insert_ignoring_conflict(tx.connection, deadline_event)
            .values(**row, created_at=tx.now)
            .returning(deadline_event.c.id)
        ).scalar()
        count += found is not None
    return count


def deadline_events_after(connection: Connection, after_id: int, limit: int) -> list[EventRow]:
    query = (
        sa.select(deadline_event)
        .where(deadline_event.c.id > after_id)
        .order_by(deadline_event.c.id)
        .limit(limit)
    )
    return [
        EventRow(
            r.id,
            "deadline",
            r.fact_id,
            r.market,
            r.property,
            _qualifiers(r.qualifiers_key),
            r.scope,
            r.created_at,
            horizon_days=r.horizon_days,
            valid_from=r.valid_from,
        )
        for r in connection.execute(query)
    ]


# -- alerts (the inbox) -----------------------------------------------------------------------
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
    connection = tx.connection
    found = connection.execute(
        _insert_ignoring_conflict(connection, alert)
        .values(
            organization_id=organization_id,
            cause=cause,
            kind=kind,
            severity=severity,
            rank=rank,
            market=market,
            property=property,
            title=title,
            detail=_json(detail),
            change_set_id=change_set_id,
            created_at=tx.now,
        )
        .returning(alert.c.id)
    ).scalar()
    return None if found is None else int(found)


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


# -- channels ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ChannelRow:
    id: int
    organization_id: int
    kind: str
    target: str
    secret: str | None
    cadence: str
    min_severity: str
    digest_position: int
    digest_at: datetime | None
    created_at: datetime
    disabled_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "organization_id": self.organization_id,
            "kind": self.kind,
            "target": self.target,
            "cadence": self.cadence,
            "min_severity": self.min_severity,
            "created_at": self.created_at.isoformat(),
            "disabled": self.disabled_at is not None,
        }


def insert_channel(
    tx: WriteTx,
    *,
    organization_id: int,
    kind: str,
    target: str,
    secret: str | None,
    cadence: str,
    min_severity: str,
    start_after_alert: int = 0,
) -> int:
    return int(
        tx.connection.execute(
            sa.insert(alert_channel)
            .values(
                organization_id=organization_id,
                kind=kind,
                target=target,
                secret=secret,
                cadence=cadence,
                min_severity=min_severity,
                digest_position=start_after_alert,
                digest_at=tx.now,
                created_at=tx.now,
            )
            .returning(alert_channel.c.id)
        ).scalar_one()
    )


def list_channels(
    connection: Connection,
    *,
    organization_id: int | None = None,
    organization_ids: Sequence[int] | None = None,
    active_only: bool = True,
) -> list[ChannelRow]:
    query = sa.select(alert_channel).order_by(alert_channel.c.id)
    if organization_id is not None:
        query = query.where(alert_channel.c.organization_id == organization_id)
    if organization_ids is not None:
        query = query.where(alert_channel.c.organization_id.in_(list(organization_ids)))
    if active_only:
        query = query.where(alert_channel.c.disabled_at.is_(None))
    return [ChannelRow(*row) for row in connection.execute(query)]


def disable_channel(tx: WriteTx, *, organization_id: int, channel_id: int) -> bool:
    result = tx.connection.execute(
        sa.update(alert_channel)
        .where(
            alert_channel.c.id == channel_id,
            alert_channel.c.organization_id == organization_id,
            alert_channel.c.disabled_at.is_(None),
        )
        .values(disabled_at=tx.now)
    )
    return bool(result.rowcount)


def set_digest_position(tx: WriteTx, channel_id: int, *, old: int, new: int, at: datetime) -> bool:
    result = tx.connection.execute(
        sa.update(alert_channel)
        .where(alert_channel.c.id == channel_id, alert_channel.c.digest_position == old)
        .values(digest_position=new, digest_at=at)
    )
    return result.rowcount == 1


# -- the delivery queue -----------------------------------------------------------------------
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


def enqueue_delivery(
    tx: WriteTx,
    *,
    channel_id: int,
    alert_id: int | None,
    idempotency_key: str,
    payload: dict[str, Any],
    now: datetime,
) -> bool:
    found = tx.connection.execute(
        _insert_ignoring_conflict(tx.connection, delivery)
        .values(
            channel_id=channel_id,
            alert_id=alert_id,
            idempotency_key=idempotency_key,
            payload=_json(payload),
            state="pending",
            attempts=0,
            next_attempt_at=now,
            window_start=now,
            created_at=now,
        )
        .returning(delivery.c.id)
    ).scalar()
    return found is not None


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


def record_delivered(tx: WriteTx, delivery_id: int, *, token: str, now: datetime) -> bool:
    """Mark delivered. A worker whose lease ran out still records success: it did deliver."""
    result = tx.connection.execute(
        sa.update(delivery)
        .where(delivery.c.id == delivery_id, delivery.c.state == "pending")
        .values(
            state="delivered",
            delivered_at=now,
            attempts=delivery.c.attempts + 1,
            claimed_until=None,
            claim_token=None,
            last_error=None,
        )
    )
    return result.rowcount == 1


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


# -- feed tokens ------------------------------------------------------------------------------
def insert_feed_token(tx: WriteTx, *, organization_id: int, prefix: str, token_hash: str) -> int:
    return int(
        tx.connection.execute(
            sa.insert(feed_token)
            .values(
                organization_id=organization_id,
                prefix=prefix,
                token_hash=token_hash,
                created_at=tx.now,
            )
            .returning(feed_token.c.id)
        ).scalar_one()
    )


def find_feed_token(connection: Connection, token_hash: str) -> int | None:
    """The organization a live feed token opens, or None."""
    found = connection.execute(
        sa.select(feed_token.c.organization_id).where(
            feed_token.c.token_hash == token_hash, feed_token.c.revoked_at.is_(None)
        )
    ).scalar()
    return None if found is None else int(found)


def revoke_feed_token(tx: WriteTx, *, organization_id: int, token_id: int) -> bool:
    result = tx.connection.execute(
        sa.update(feed_token)
        .where(
            feed_token.c.id == token_id,
            feed_token.c.organization_id == organization_id,
            feed_token.c.revoked_at.is_(None),
        )
        .values(revoked_at=tx.now)
    )
    return bool(result.rowcount)


# -- markets ----------------------------------------------------------------------------------
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
    for begin in range(0, len(ids), 900):
        rows = connection.execute(
            sa.select(
                fact.c.id, fact.c.value, fact.c.unit, fact.c.valid_from, fact.c.valid_to
            ).where(fact.c.id.in_(list(ids[begin : begin + 900])))
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


def worker_engine(url: str, *, name: str = "autoatlas-worker") -> Engine:
    """An engine for a long-running worker: connections are checked before use (a server
    restart or a killed backend costs one error, not the worker), and on PostgreSQL they carry
    an application_name operators can find in pg_stat_activity."""
    kwargs: dict[str, Any] = {"pool_pre_ping": True}
    if url.startswith(("postgresql:", "postgresql+")):
        kwargs["connect_args"] = {"application_name": name}
    return create_engine(url, **kwargs)


# -- batches (a change set can concern a thousand organizations) ------------------------------
def insert_alerts(tx: WriteTx, rows: Sequence[dict[str, Any]]) -> list[int | None]:
    """Insert many alerts at once (keys as insert_alert's); for each row its new id, or None
    when its organization was told of its cause already."""
    connection = tx.connection
    causes = sorted({row["cause"] for row in rows})
    existing: set[tuple[int, str]] = set()
    for begin in range(0, len(causes), 900):
        existing.update(
            (int(org), str(cause))
            for org, cause in connection.execute(
                sa.select(alert.c.organization_id, alert.c.cause).where(
                    alert.c.cause.in_(causes[begin : begin + 900])
                )
            )
        )
    fresh: list[dict[str, Any]] = []
    for row in rows:
        key = (row["organization_id"], row["cause"])
        if key not in existing:
            existing.add(key)
            fresh.append(
                {**row, "detail": _json(row["detail"]), "created_at": tx.now, "read_at": None}
            )
    ids: dict[tuple[int, str], int] = {}
    if fresh:
        result = connection.execute(
            sa.insert(alert).returning(
                alert.c.id, alert.c.organization_id, alert.c.cause, sort_by_parameter_order=True
            ),
            fresh,
        )
        ids = {(int(org), str(cause)): int(found) for found, org, cause in result}
    new = {(r["organization_id"], r["cause"]) for r in fresh}
    return [
        ids.get((row["organization_id"], row["cause"]))
        if (row["organization_id"], row["cause"]) in new
        else None
        for row in rows
    ]


def enqueue_deliveries(tx: WriteTx, rows: Sequence[dict[str, Any]], *, now: datetime) -> int:
    """Queue many deliveries (channel_id, alert_id, idempotency_key, payload) at once; a key
    queued already is left as it is."""
    if not rows:
        return 0
    values = [
        {
            "channel_id": row["channel_id"],
            "alert_id": row["alert_id"],
            "idempotency_key": row["idempotency_key"],
            "payload": _json(row["payload"]),
            "state": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "window_start": now,
            "created_at": now,
        }
        for row in rows
    ]
    tx.connection.execute(_insert_ignoring_conflict(tx.connection, delivery), values)
    return len(values)


def record_delivered_many(tx: WriteTx, delivery_ids: Sequence[int], *, now: datetime) -> int:
    """record_delivered for many at once."""
    count = 0
    for begin in range(0, len(delivery_ids), 900):
        result = tx.connection.execute(
            sa.update(delivery)
            .where(
                delivery.c.id.in_(list(delivery_ids[begin : begin + 900])),
                delivery.c.state == "pending",
            )
            .values(
                state="delivered",
                delivered_at=now,
                attempts=delivery.c.attempts + 1,
                claimed_until=None,
                claim_token=None,
                last_error=None,
            )
        )
        count += int(result.rowcount)
    return count
