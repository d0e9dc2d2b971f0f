"""Small reads the HTTP API needs: scope versions (for ETags) and the sources facts cite."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from autoatlas.domain.facts import Source
from autoatlas.store.records import scope_clause, source_of
from autoatlas.store.schema import fact, fact_source, scope_version, source

__all__ = ["CitedSource", "cited_sources", "scope_versions", "visible_scopes"]


@dataclass(frozen=True, slots=True)
class CitedSource:
    id: int
    source: Source


def visible_scopes(viewer_org_id: int | None) -> list[str]:
    """The visibility scopes a viewer reads: public, plus its organization's private scope."""
    return ["public"] if viewer_org_id is None else ["public", f"org:{viewer_org_id}"]


def scope_versions(connection: Connection, scopes: Sequence[str]) -> dict[str, datetime]:
    """The time of the last write to each of these scopes (one indexed primary-key read)."""
    rows = connection.execute(
        sa.select(scope_version.c.scope, scope_version.c.version).where(
            scope_version.c.scope.in_(list(scopes))
        )
    )
    return {row.scope: row.version for row in rows}


def cited_sources(
    connection: Connection, *, viewer_org_id: int | None, after_id: int, limit: int
) -> list[CitedSource]:
    """Sources cited by at least one current fact the viewer may see, ordered by id."""
    cited = (
        sa.select(fact_source.c.source_id)
        .join(fact, fact.c.id == fact_source.c.fact_id)
        .where(fact_source.c.source_id == source.c.id)
        .where(fact.c.superseded_at.is_(None))
        .where(scope_clause(viewer_org_id))
    )
    rows = connection.execute(
        sa.select(source)
        .where(source.c.id > after_id)
        .where(cited.exists())
        .order_by(source.c.id)
        .limit(limit)
    )
    return [CitedSource(row.id, source_of(row)) for row in rows]
