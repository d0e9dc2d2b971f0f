"""Reading an organization's Atom feed tokens: what an admin may see of them (never the hash).

Issuing, finding and revoking live with the other alert tables in `store.alerts`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from autoatlas.store.schema import feed_token

__all__ = ["FeedTokenRow", "list_feed_tokens"]


@dataclass(frozen=True, slots=True)
class FeedTokenRow:
    id: int
    prefix: str  # the first characters of the token, to tell tokens apart
    created_at: datetime
    revoked_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "prefix": self.prefix,
            "created_at": self.created_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


def list_feed_tokens(
    connection: Connection, *, organization_id: int, token_id: int | None = None
) -> list[FeedTokenRow]:
    """The organization's feed tokens, live and revoked, oldest first (or just `token_id`)."""
    query = (
        sa.select(
            feed_token.c.id,
            feed_token.c.prefix,
            feed_token.c.created_at,
            feed_token.c.revoked_at,
        )
        .where(feed_token.c.organization_id == organization_id)
        .order_by(feed_token.c.id)
    )
    if token_id is not None:
        query = query.where(feed_token.c.id == token_id)
    return [
        FeedTokenRow(int(row.id), row.prefix, row.created_at, row.revoked_at)
        for row in connection.execute(query)
    ]
