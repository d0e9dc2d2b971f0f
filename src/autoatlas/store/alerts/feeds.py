"""Atom feed tokens: stored hashed, revocable."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from autoatlas.store.alerts._shared import insert_id, stamp_owned
from autoatlas.store.engine import WriteTx
from autoatlas.store.schema import feed_token

__all__ = ["find_feed_token", "insert_feed_token", "revoke_feed_token"]


def insert_feed_token(tx: WriteTx, *, organization_id: int, prefix: str, token_hash: str) -> int:
    return insert_id(
        tx.connection,
        feed_token,
        {
            "organization_id": organization_id,
            "prefix": prefix,
            "token_hash": token_hash,
            "created_at": tx.now,
        },
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
    return stamp_owned(
        tx,
        feed_token,
        "revoked_at",
        row_id=token_id,
        organization_id=organization_id,
        at=tx.now,
    )
