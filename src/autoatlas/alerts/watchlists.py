"""Watchlists: an organization's saved filters over change and deadline events.

Services are keyword-only and take their unit of work from the caller. Any member of an
organization may read and manage its watchlists (read scope); only its own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date

from sqlalchemy.engine import Connection

from autoatlas.alerts.matching import Severity, Watch, WatchIndex
from autoatlas.auth.principal import Principal, Scope
from autoatlas.errors import AuthenticationError, NotFoundError, PermissionDeniedError
from autoatlas.errors import ValidationError as Invalid
from autoatlas.store import alerts as store
from autoatlas.store.engine import WriteTx
from autoatlas.store.ledger import append_audit
from autoatlas.vocabulary import Vocabulary

__all__ = [
    "build_index",
    "check_manage_watchlists",
    "create_watchlist",
    "list_watchlists",
    "remove_watchlist",
    "to_watch",
]

_QUALIFIER_VALUE = re.compile(r"^[A-Za-z0-9_.\-/ ]{1,64}$")


def check_manage_watchlists(principal: Principal) -> int:
    """The organization whose watchlists the principal manages."""
    if not principal.authenticated:
        raise AuthenticationError("sign in or send a bearer token for this")
    if Scope.READ not in principal.scopes:
        raise PermissionDeniedError("watchlists need a token with the read scope")
    if principal.organization_id is None:
        raise PermissionDeniedError("watchlists belong to an organization: sign in first")
    return principal.organization_id


def _validate(
    connection: Connection,
    vocabulary: Vocabulary,
    *,
    name: str,
    markets: Sequence[str],
    dimensions: Sequence[str],
    properties: Sequence[str],
    qualifiers: Mapping[str, str],
    min_severity: str,
) -> tuple[list[str], Severity]:
    if not name.strip() or len(name) > 200:
        raise Invalid("name: 1-200 characters")
    codes = sorted({m.strip().upper() for m in markets})
    unknown = sorted(set(codes) - store.known_markets(connection, codes))
    if unknown:
        raise Invalid(f"markets: unknown market(s) {', '.join(unknown)}")
    for dimension in dimensions:
        if dimension not in vocabulary.dimensions:
            known = ", ".join(vocabulary.dimensions)
            raise Invalid(f"dimensions: unknown dimension {dimension!r} (one of {known})")
    for prop in properties:
        if prop not in vocabulary.properties:
            raise Invalid(f"properties: unknown property {prop!r}")
    for key, value in qualifiers.items():
        if key not in vocabulary.qualifiers:
            known = ", ".join(vocabulary.qualifiers)
            raise Invalid(f"qualifiers: unknown qualifier {key!r} (one of {known})")
        if not isinstance(value, str) or not _QUALIFIER_VALUE.match(value):
            raise Invalid(f"qualifiers.{key}: a short text value, e.g. CN")
    try:
        severity = Severity.parse(min_severity)
    except ValueError as exc:
        raise Invalid(f"min_severity: {exc}") from None
    return codes, severity


def create_watchlist(
    tx: WriteTx,
    principal: Principal,
    *,
    vocabulary: Vocabulary,
    name: str,
    markets: Sequence[str] = (),
    dimensions: Sequence[str] = (),
    properties: Sequence[str] = (),
    qualifiers: Mapping[str, str] | None = None,
    min_severity: str = "info",
) -> store.WatchlistRow:
    org = check_manage_watchlists(principal)
    qualifiers = dict(qualifiers or {})
    codes, severity = _validate(
        tx.connection,
        vocabulary,
        name=name,
        markets=markets,
        dimensions=dimensions,
        properties=properties,
        qualifiers=qualifiers,
        min_severity=min_severity,
    )
    watchlist_id = store.insert_watchlist(
        tx,
        organization_id=org,
        name=name.strip(),
        markets=codes,
        dimensions=dimensions,
        properties=properties,
        qualifiers=qualifiers,
        min_severity=severity.label,
    )
    row = next(
        w for w in store.list_watchlists(tx.connection, organization_id=org) if w.id == watchlist_id
    )
    append_audit(
        tx,
        actor_id=principal.user_id,
        actor=principal.label,
        organization_id=org,
        action="watchlist.create",
        target=f"watchlist:{watchlist_id}",
        after=row.as_dict(),
    )
    return row


def list_watchlists(connection: Connection, principal: Principal) -> list[store.WatchlistRow]:
    org = check_manage_watchlists(principal)
    return store.list_watchlists(connection, organization_id=org)


def remove_watchlist(tx: WriteTx, principal: Principal, watchlist_id: int) -> None:
    org = check_manage_watchlists(principal)
    before = [w for w in store.list_watchlists(tx.connection, organization_id=org)]
    if not store.delete_watchlist(tx, organization_id=org, watchlist_id=watchlist_id):
        raise NotFoundError(f"no watchlist {watchlist_id}")
    old = next(w for w in before if w.id == watchlist_id)
    append_audit(
        tx,
        actor_id=principal.user_id,
        actor=principal.label,
        organization_id=org,
        action="watchlist.remove",
        target=f"watchlist:{watchlist_id}",
        before=old.as_dict(),
    )


def to_watch(row: store.WatchlistRow) -> Watch:
    return Watch(
        id=row.id,
        organization_id=row.organization_id,
        markets=frozenset(row.markets),
        dimensions=frozenset(row.dimensions),
        properties=frozenset(row.properties),
        qualifiers=row.qualifiers,
        min_severity=Severity.parse(row.min_severity),
    )


def build_index(connection: Connection, on: date) -> WatchIndex:
    """Every organization's watchlists, indexed for matching on `on` (bloc members then)."""
    return WatchIndex(
        (to_watch(row) for row in store.list_watchlists(connection)),
        store.market_members(connection, on),
    )
