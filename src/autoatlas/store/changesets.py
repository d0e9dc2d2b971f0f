"""Change sets and the change events their publication emits (the outbox)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from autoatlas.errors import ConflictError
from autoatlas.store.engine import WriteTx
from autoatlas.store.schema import change_event, change_set

__all__ = [
    "ChangeEventRow",
    "ChangeSetRow",
    "get_change_set",
    "insert_change_set",
    "insert_events",
    "list_change_sets",
    "list_events",
    "set_review",
]


@dataclass(frozen=True, slots=True)
class ChangeSetRow:
    id: int
    organization_id: int
    author_id: int | None
    author: str
    kind: str
    title: str
    state: str
    private: bool
    bundle: Any
    summary: dict[str, Any]
    submitted_at: datetime
    reviewer_id: int | None
    reviewed_at: datetime | None
    review_comment: str | None
    grade: int | None


@dataclass(frozen=True, slots=True)
class ChangeEventRow:
    id: int
    change_set_id: int
    kind: str
    fact_id: int
    market: str
    property: str
    qualifiers_key: str
    scope: str
    created_at: datetime


def _row(row: Any) -> ChangeSetRow:
    return ChangeSetRow(
        id=row.id,
        organization_id=row.organization_id,
        author_id=row.author_id,
        author=row.author_label,
        kind=row.kind,
        title=row.title,
        state=row.state,
        private=bool(row.private),
        bundle=orjson.loads(row.bundle),
        summary=orjson.loads(row.summary),
        submitted_at=row.submitted_at,
        reviewer_id=row.reviewer_id,
        reviewed_at=row.reviewed_at,
        review_comment=row.review_comment,
        grade=row.grade,
    )


def insert_change_set(
    tx: WriteTx,
    *,
    organization_id: int,
    author_id: int | None,
    author: str,
    kind: str,
    title: str,
    private: bool,
    bundle: Any,
    summary: dict[str, Any],
) -> int:
    return int(
        tx.connection.execute(
            sa.insert(change_set)
            .values(
                organization_id=organization_id,
                author_id=author_id,
                author_label=author,
                kind=kind,
                title=title,
                state="submitted",
                private=int(private),
                bundle=orjson.dumps(bundle, option=orjson.OPT_SORT_KEYS, default=str).decode(),
                summary=orjson.dumps(summary).decode(),
                submitted_at=tx.now,
            )
            .returning(change_set.c.id)
        ).scalar_one()
    )


def get_change_set(
    connection: Connection, change_set_id: int, *, lock: bool = False
) -> ChangeSetRow | None:
    query = sa.select(change_set).where(change_set.c.id == change_set_id)
    if lock:
        query = query.with_for_update()
    row = connection.execute(query).first()
    return _row(row) if row else None


def list_change_sets(
    connection: Connection,
    *,
    organization_id: int | None = None,
    state: str | None = None,
    public_only: bool = False,
    private_only: bool = False,
    after_id: int = 0,
    limit: int = 100,
) -> list[ChangeSetRow]:
    query = (
        sa.select(change_set)
        .where(change_set.c.id > after_id)
        .order_by(change_set.c.id)
        .limit(limit)
    )
    if organization_id is not None:
        query = query.where(change_set.c.organization_id == organization_id)
    if state is not None:
        query = query.where(change_set.c.state == state)
    if public_only:
        query = query.where(change_set.c.private == 0)
    if private_only:
        query = query.where(change_set.c.private == 1)
    return [_row(row) for row in connection.execute(query)]


def set_review(
    tx: WriteTx,
    change_set_id: int,
    *,
    state: str,
    reviewer_id: int | None,
    comment: str | None,
    grade: int | None,
    summary: dict[str, Any] | None = None,
) -> None:
    values: dict[str, Any] = {
        "state": state,
        "reviewer_id": reviewer_id,
        "reviewed_at": tx.now,
        "review_comment": comment,
        "grade": grade,
    }
    if summary is not None:
        values["summary"] = orjson.dumps(summary).decode()
    result = tx.connection.execute(
        sa.update(change_set)
        .where(change_set.c.id == change_set_id, change_set.c.state == "submitted")
        .values(**values)
    )
    if result.rowcount != 1:
        raise ConflictError(f"change set {change_set_id} is no longer waiting for review")


def insert_events(tx: WriteTx, events: Sequence[dict[str, Any]]) -> None:
    if events:
        tx.connection.execute(
            sa.insert(change_event), [{**event, "created_at": tx.now} for event in events]
        )


def list_events(
    connection: Connection,
    *,
    after_id: int = 0,
    limit: int = 1000,
    scopes: Sequence[str] | None = None,
) -> list[ChangeEventRow]:
    query = (
        sa.select(change_event)
        .where(change_event.c.id > after_id)
        .order_by(change_event.c.id)
        .limit(limit)
    )
    if scopes is not None:
        query = query.where(change_event.c.scope.in_(list(scopes)))
    return [
        ChangeEventRow(
            r.id,
            r.change_set_id,
            r.kind,
            r.fact_id,
            r.market,
            r.property,
            r.qualifiers_key,
            r.scope,
            r.created_at,
        )
        for r in connection.execute(query)
    ]
