"""Reading the audit log: operator admins see all of it, organization admins their own."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from autoatlas.auth.principal import Principal
from autoatlas.review.permissions import check_read_audit
from autoatlas.store.ledger import AuditEntry, list_audit

__all__ = ["audit_entries"]


def audit_entries(
    connection: Connection, principal: Principal, *, after_id: int, limit: int
) -> list[AuditEntry]:
    check_read_audit(principal)
    organization_id = None if principal.operator else principal.organization_id
    if organization_id is None and not principal.operator:
        return []
    return list_audit(connection, organization_id=organization_id, after_id=after_id, limit=limit)
