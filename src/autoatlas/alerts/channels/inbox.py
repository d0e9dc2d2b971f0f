"""The in-app inbox: an organization's alerts, newest first or ranked, read or unread."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.engine import Connection

from autoatlas.alerts.matching import Severity
from autoatlas.alerts.watchlists import check_manage_watchlists
from autoatlas.auth.principal import Principal
from autoatlas.errors import NotFoundError
from autoatlas.store import alerts as store
from autoatlas.store.engine import WriteTx

__all__ = ["inbox", "mark_alert", "mark_read", "ranked", "unread_count"]


def inbox(
    connection: Connection,
    principal: Principal,
    *,
    unread_only: bool = False,
    before_id: int | None = None,
    limit: int = 100,
) -> list[store.AlertRow]:
    """The organization's alerts, newest first (any member may read them); `before_id`
    continues a page (alerts older than that id)."""
    org = check_manage_watchlists(principal)
    return store.list_alerts(
        connection,
        organization_id=org,
        unread_only=unread_only,
        before_id=before_id,
        limit=limit,
        newest_first=True,
    )


def mark_read(
    tx: WriteTx, principal: Principal, alert_ids: Sequence[int] | None, *, read: bool = True
) -> int:
    """Mark the organization's alerts read (or unread); None: all of them. Returns how many."""
    org = check_manage_watchlists(principal)
    return store.mark_read(tx, organization_id=org, alert_ids=alert_ids, read=read)


def mark_alert(tx: WriteTx, principal: Principal, alert_id: int, *, read: bool = True) -> None:
    """Mark one of the organization's alerts read (or unread); another's is not found."""
    if not mark_read(tx, principal, [alert_id], read=read):
        raise NotFoundError(f"no alert {alert_id}")  # nothing written: the unit rolls back


def unread_count(connection: Connection, principal: Principal, *, cap: int = 100) -> int:
    """How many of the organization's alerts are unread, counted up to `cap`."""
    org = check_manage_watchlists(principal)
    return store.count_unread(connection, organization_id=org, cap=cap)


def ranked(alerts: Sequence[store.AlertRow]) -> list[store.AlertRow]:
    """Most severe first, then newest: the order a person reads them in."""
    return sorted(alerts, key=lambda a: (Severity.parse(a.severity), -a.id))
