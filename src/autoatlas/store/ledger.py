"""The append-only logs: audit entries and the credit ledger (triggers refuse edits)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from autoatlas.store.engine import WriteTx
from autoatlas.store.schema import audit_log, credit_entry

__all__ = [
    "AuditEntry",
    "CreditEntry",
    "add_credit",
    "append_audit",
    "credit_balance",
    "list_audit",
    "list_credits",
]


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    actor_id: int | None
    actor: str
    organization_id: int | None
    action: str
    target: str
    before: Any
    after: Any

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "actor_id": self.actor_id,
            "actor": self.actor,
            "organization_id": self.organization_id,
            "action": self.action,
            "target": self.target,
            "before": self.before,
            "after": self.after,
        }


@dataclass(frozen=True, slots=True)
class CreditEntry:
    id: int
    organization_id: int
    at: datetime
    delta: int
    reason: str
    change_set_id: int | None


def _json(value: Any) -> str | None:
    if value is None:
        return None
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS, default=str).decode()


def append_audit(
    tx: WriteTx,
    *,
    actor_id: int | None,
    actor: str,
    organization_id: int | None,
    action: str,
    target: str,
    before: Any = None,
    after: Any = None,
) -> None:
    tx.connection.execute(
        sa.insert(audit_log).values(
            at=tx.now,
            actor_id=actor_id,
            actor_label=actor,
            organization_id=organization_id,
            action=action,
            target=target,
            before=_json(before),
            after=_json(after),
        )
    )


def list_audit(
    connection: Connection,
    *,
    organization_id: int | None = None,
    after_id: int = 0,
    limit: int = 100,
) -> list[AuditEntry]:
    query = (
        sa.select(audit_log).where(audit_log.c.id > after_id).order_by(audit_log.c.id).limit(limit)
    )
    if organization_id is not None:
        query = query.where(audit_log.c.organization_id == organization_id)
    return [
        AuditEntry(
            row.id,
            row.at,
            row.actor_id,
            row.actor_label,
            row.organization_id,
            row.action,
            row.target,
            orjson.loads(row.before) if row.before else None,
            orjson.loads(row.after) if row.after else None,
        )
        for row in connection.execute(query)
    ]


def add_credit(
    tx: WriteTx, *, organization_id: int, delta: int, reason: str, change_set_id: int | None = None
) -> None:
    tx.connection.execute(
        sa.insert(credit_entry).values(
            organization_id=organization_id,
            at=tx.now,
            delta=delta,
            reason=reason,
            change_set_id=change_set_id,
        )
    )


def credit_balance(connection: Connection, organization_id: int) -> int:
    total = connection.execute(
        sa.select(sa.func.coalesce(sa.func.sum(credit_entry.c.delta), 0)).where(
            credit_entry.c.organization_id == organization_id
        )
    ).scalar_one()
    return int(total)


def list_credits(
    connection: Connection, organization_id: int, *, after_id: int = 0, limit: int = 100
) -> list[CreditEntry]:
    rows = connection.execute(
        sa.select(credit_entry)
        .where(credit_entry.c.organization_id == organization_id, credit_entry.c.id > after_id)
        .order_by(credit_entry.c.id)
        .limit(limit)
    )
    return [
        CreditEntry(r.id, r.organization_id, r.at, r.delta, r.reason, r.change_set_id) for r in rows
    ]
