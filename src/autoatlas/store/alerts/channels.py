"""Channels: where an organization's alerts go (webhook, e-mail, digests)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from autoatlas.store.alerts._shared import insert_id, stamp_owned
from autoatlas.store.engine import WriteTx
from autoatlas.store.schema import alert_channel

__all__ = [
    "ChannelRow",
    "disable_channel",
    "insert_channel",
    "list_channels",
    "set_digest_position",
]


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
    return insert_id(
        tx.connection,
        alert_channel,
        {
            "organization_id": organization_id,
            "kind": kind,
            "target": target,
            "secret": secret,
            "cadence": cadence,
            "min_severity": min_severity,
            "digest_position": start_after_alert,
            "digest_at": tx.now,
            "created_at": tx.now,
        },
    )


def list_channels(
    connection: Connection,
    *,
    organization_id: int | None = None,
    organization_ids: Sequence[int] | None = None,
    active_only: bool = True,
    cadences: Sequence[str] | None = None,
) -> list[ChannelRow]:
    query = sa.select(alert_channel).order_by(alert_channel.c.id)
    if cadences is not None:
        query = query.where(alert_channel.c.cadence.in_(list(cadences)))
    if organization_id is not None:
        query = query.where(alert_channel.c.organization_id == organization_id)
    if organization_ids is not None:
        query = query.where(alert_channel.c.organization_id.in_(list(organization_ids)))
    if active_only:
        query = query.where(alert_channel.c.disabled_at.is_(None))
    return [ChannelRow(*row) for row in connection.execute(query)]


def disable_channel(tx: WriteTx, *, organization_id: int, channel_id: int) -> bool:
    return stamp_owned(
        tx,
        alert_channel,
        "disabled_at",
        row_id=channel_id,
        organization_id=organization_id,
        at=tx.now,
    )


def set_digest_position(tx: WriteTx, channel_id: int, *, old: int, new: int, at: datetime) -> bool:
    """Move a digest's watermark from `old` to `new`; False when another worker moved it."""
    result = tx.connection.execute(
        sa.update(alert_channel)
        .where(alert_channel.c.id == channel_id, alert_channel.c.digest_position == old)
        .values(digest_position=new, digest_at=at)
    )
    return result.rowcount == 1
