"""Reference rows the facts hang on: markets, bloc memberships, organizations."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from autoatlas.domain.markets import Market, Membership
from autoatlas.errors import NotFoundError
from autoatlas.store.engine import WriteTx
from autoatlas.store.schema import bloc_membership, market, organization

__all__ = ["ORGANIZATION_KINDS", "ensure_organization", "organization_id", "sync_markets"]

ORGANIZATION_KINDS = ("enterprise", "research_institution", "government_department", "operator")


def sync_markets(tx: WriteTx, markets: Iterable[Market], memberships: Iterable[Membership]) -> int:
    """Make the market table and bloc memberships match the catalogue; returns markets added."""
    connection = tx.connection
    stored = {row.code: row for row in connection.execute(sa.select(market))}
    new: list[dict[str, object]] = []
    for item in markets:
        values = {
            "kind": str(item.kind),
            "name_en": item.name_en,
            "name_zh": item.name_zh,
            "parent": item.parent,
        }
        old = stored.get(item.code)
        if old is None:
            new.append({"code": item.code, **values})
        elif any(getattr(old, key) != value for key, value in values.items()):
            connection.execute(sa.update(market).where(market.c.code == item.code).values(**values))
    if new:
        connection.execute(sa.insert(market), new)
    # Memberships are reference data from the package: replace them as a whole.
    connection.execute(sa.delete(bloc_membership))
    rows = [
        {
            "bloc": m.bloc,
            "member": m.member,
            "valid_from": m.valid_from,
            "valid_to": m.valid_to,
            "source": m.source,
        }
        for m in memberships
    ]
    if rows:
        connection.execute(sa.insert(bloc_membership), rows)
    return len(new)


def ensure_organization(tx: WriteTx, slug: str, name: str, kind: str) -> int:
    found = tx.connection.execute(
        sa.select(organization.c.id).where(organization.c.slug == slug)
    ).scalar()
    if found is not None:
        return int(found)
    if kind not in ORGANIZATION_KINDS:
        raise ValueError(f"organization kind must be one of {', '.join(ORGANIZATION_KINDS)}")
    return int(
        tx.connection.execute(
            sa.insert(organization)
            .values(slug=slug, name=name, kind=kind, created_at=tx.now)
            .returning(organization.c.id)
        ).scalar_one()
    )


def organization_id(connection: Connection, slug: str) -> int:
    found = connection.execute(
        sa.select(organization.c.id).where(organization.c.slug == slug)
    ).scalar()
    if found is None:
        raise NotFoundError(f"unknown organization {slug!r}: create it with `autoatlas org add`")
    return int(found)
