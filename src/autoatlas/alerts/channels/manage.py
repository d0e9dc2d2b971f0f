"""Managing where alerts go: webhook and e-mail channels, their recent deliveries and the
dead-letter list.

An organization's admins manage its channels, follow their deliveries and replay its dead
letters; the platform operator's admins may see and replay anyone's.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy.engine import Connection

from autoatlas.alerts.matching import Severity
from autoatlas.auth.principal import Principal, Role, Scope
from autoatlas.errors import AuthenticationError, NotFoundError, PermissionDeniedError
from autoatlas.errors import ValidationError as Invalid
from autoatlas.store import alerts as store
from autoatlas.store.engine import WriteTx
from autoatlas.store.ledger import append_audit

__all__ = [
    "CADENCES",
    "DELIVERY_STATES",
    "MAX_RECENT",
    "add_channel",
    "check_manage_channels",
    "dead_letters",
    "list_channels",
    "recent_deliveries",
    "remove_channel",
    "replay_dead_letter",
    "replay_dead_letters",
]

CADENCES = ("immediate", "daily", "weekly")
# How a delivery fares: queued and not tried yet, failed and waiting for its next attempt,
# delivered, or failed for its whole retry window.
DELIVERY_STATES = ("pending", "retrying", "delivered", "dead")
MAX_RECENT = 500
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def check_manage_channels(principal: Principal) -> int:
    if not principal.authenticated:
        raise AuthenticationError("sign in or send a bearer token for this")
    if principal.organization_id is None or not principal.may(Scope.ADMIN, Role.ADMIN):
        raise PermissionDeniedError("alert channels are managed by the organization's admins")
    return principal.organization_id


def add_channel(
    tx: WriteTx,
    principal: Principal,
    *,
    kind: str,
    target: str,
    cadence: str = "immediate",
    min_severity: str = "info",
    secret: str | None = None,
) -> tuple[store.ChannelRow, str | None]:
    """A webhook (immediate only; returns its signing secret, shown once) or an e-mail
    address (immediate, daily or weekly digest). Digests start with the next alert."""
    org = check_manage_channels(principal)
    if kind == "webhook":
        parts = urlsplit(target)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise Invalid("target: a webhook needs an http:// or https:// URL")
        if cadence != "immediate":
            raise Invalid("cadence: webhooks are sent immediately")
        secret = secret or secrets.token_hex(32)
    elif kind == "email":
        if not _EMAIL.match(target):
            raise Invalid("target: an e-mail address, e.g. alerts@example.com")
        secret = None
    else:
        raise Invalid("kind: webhook or email")
    if cadence not in CADENCES:
        raise Invalid(f"cadence: one of {', '.join(CADENCES)}")
    try:
        severity = Severity.parse(min_severity)
    except ValueError as exc:
        raise Invalid(f"min_severity: {exc}") from None
    latest = store.list_alerts(tx.connection, organization_id=org, limit=1, newest_first=True)
    channel_id = store.insert_channel(
        tx,
        organization_id=org,
        kind=kind,
        target=target,
        secret=secret,
        cadence=cadence,
        min_severity=severity.label,
        start_after_alert=latest[0].id if latest else 0,
    )
    row = next(
        c for c in store.list_channels(tx.connection, organization_id=org) if c.id == channel_id
    )
    append_audit(
        tx,
        actor_id=principal.user_id,
        actor=principal.label,
        organization_id=org,
        action="alert_channel.create",
        target=f"alert_channel:{channel_id}",
        after=row.as_dict(),
    )
    return row, secret


def list_channels(connection: Connection, principal: Principal) -> list[store.ChannelRow]:
    org = check_manage_channels(principal)
    return store.list_channels(connection, organization_id=org)


def remove_channel(tx: WriteTx, principal: Principal, channel_id: int) -> None:
    org = check_manage_channels(principal)
    if not store.disable_channel(tx, organization_id=org, channel_id=channel_id):
        raise NotFoundError(f"no active channel {channel_id}")
    append_audit(
        tx,
        actor_id=principal.user_id,
        actor=principal.label,
        organization_id=org,
        action="alert_channel.disable",
        target=f"alert_channel:{channel_id}",
    )


def _scope(principal: Principal) -> int | None:
    org = check_manage_channels(principal)
    return None if principal.operator else org


def dead_letters(connection: Connection, principal: Principal) -> list[store.DeliveryRow]:
    """Deliveries that failed for their whole retry window."""
    return store.list_deliveries(connection, organization_id=_scope(principal), state="dead")


def recent_deliveries(
    connection: Connection,
    principal: Principal,
    *,
    limit: int = 50,
    channel_id: int | None = None,
    state: str | None = None,
) -> list[store.RecentDeliveryRow]:
    """The newest deliveries of the organization's channels first (operator admins:
    everyone's), each with its channel, alert, state, attempts, next attempt and last error.
    A channel of another organization is not found, as in the rest of this module."""
    scope = _scope(principal)
    if not 1 <= limit <= MAX_RECENT:
        raise Invalid(f"limit: between 1 and {MAX_RECENT}, not {limit}")
    if state is not None and state not in DELIVERY_STATES:
        raise Invalid(f"state: one of {', '.join(DELIVERY_STATES)}, not {state!r}")
    if channel_id is not None:
        # disabled channels too: their deliveries stay worth reading
        visible = store.list_channels(connection, organization_id=scope, active_only=False)
        if all(c.id != channel_id for c in visible):
            raise NotFoundError(f"no channel {channel_id}")
    return store.recent_deliveries(
        connection, organization_id=scope, channel_id=channel_id, state=state, limit=limit
    )


def replay_dead_letters(
    tx: WriteTx, principal: Principal, *, now: datetime, delivery_ids: Sequence[int] | None
) -> int:
    """Queue dead letters again (all visible ones when ids is None), same idempotency keys."""
    scope = _scope(principal)
    count = store.replay_dead(tx, now=now, organization_id=scope, delivery_ids=delivery_ids)
    append_audit(
        tx,
        actor_id=principal.user_id,
        actor=principal.label,
        organization_id=principal.organization_id,
        action="delivery.replay",
        target="delivery:" + (",".join(map(str, delivery_ids)) if delivery_ids else "all"),
        after={"replayed": count},
    )
    return count


def replay_dead_letter(
    tx: WriteTx, principal: Principal, *, now: datetime, delivery_id: int
) -> None:
    """Queue one dead letter again; one that is not (or not the caller's) is not found."""
    if not replay_dead_letters(tx, principal, now=now, delivery_ids=[delivery_id]):
        raise NotFoundError(f"no dead letter {delivery_id}")  # the audit entry rolls back too
