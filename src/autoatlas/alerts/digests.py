"""Daily and weekly digests per channel, sent from a watermark so re-sending is safe.

When a digest channel is due, one transaction reads the organization's alerts after the
channel's watermark, queues one delivery holding them (most severe first) under a key made
of the watermark range, and moves the watermark. A crash before the commit leaves nothing
behind; after it, the queued delivery is retried like any other and the key lets the
receiving side recognise a repeat.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from autoatlas.alerts.matching import Severity
from autoatlas.store import alerts as store
from autoatlas.store.accounts import get_organization
from autoatlas.store.engine import connect, write_tx

__all__ = ["PERIODS", "queue_digests"]

PERIODS = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
MAX_ALERTS = 500


def queue_digests(engine: Engine, *, now: datetime) -> int:
    """Queue the digests that are due at `now`; returns how many were queued."""
    with connect(engine) as connection:
        due = [
            c
            for c in store.list_channels(connection, cadences=sorted(PERIODS))
            if c.digest_at is None or c.digest_at + PERIODS[c.cadence] <= now
        ]
    queued = 0
    for channel in due:
        with write_tx(engine) as tx:
            alerts = store.alerts_after(
                tx.connection,
                organization_id=channel.organization_id,
                after_id=channel.digest_position,
                min_rank=int(Severity.parse(channel.min_severity)),
                limit=MAX_ALERTS,
            )
            last = alerts[-1].id if alerts else channel.digest_position
            if not store.set_digest_position(
                tx, channel.id, old=channel.digest_position, new=last, at=now
            ):
                continue  # another worker sent it
            if not alerts:
                continue
            org = get_organization(tx.connection, id=channel.organization_id)
            ranked = sorted(alerts, key=lambda a: (Severity.parse(a.severity), a.id))
            payload = {
                "type": "digest",
                "digest": {
                    "organization": org.slug if org else str(channel.organization_id),
                    "cadence": channel.cadence,
                    "from_alert": channel.digest_position,
                    "to_alert": last,
                    "alerts": [a.as_dict() for a in ranked],
                },
            }
            queued += store.enqueue_delivery(
                tx,
                channel_id=channel.id,
                alert_id=None,
                idempotency_key=f"digest-{channel.id}-{channel.digest_position}-{last}",
                payload=payload,
                now=now,
            )
    return queued
