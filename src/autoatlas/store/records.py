"""Turning rows into domain objects, and the visibility and time filters every read shares."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from autoatlas.domain.facts import Fact, Source, Visibility
from autoatlas.domain.periods import Period
from autoatlas.store.schema import fact, fact_source, organization, source

__all__ = [
    "FACT_COLUMNS",
    "as_of_clause",
    "fact_of",
    "fact_select",
    "known_at_clause",
    "load_sources",
    "scope_clause",
    "scope_of",
    "source_of",
    "statistics_asked",
    "to_facts",
]

FACT_COLUMNS = (
    fact.c.id,
    fact.c.market,
    fact.c.property,
    fact.c.qualifiers,
    fact.c.qualifiers_key,
    fact.c.scope,
    fact.c.value,
    fact.c.unit,
    fact.c.valid_from,
    fact.c.valid_to,
    fact.c.confidence,
    fact.c.visibility,
    organization.c.slug.label("organization"),
    fact.c.recorded_at,
    fact.c.superseded_at,
    fact.c.checked,
    fact.c.note,
)

_CHUNK = 900  # stays under SQLite's bound-parameter limit


def scope_of(visibility: Visibility | str, organization_id: int) -> str:
    return "public" if str(visibility) == "public" else f"org:{organization_id}"


def scope_clause(viewer_org_id: int | None) -> sa.ColumnElement[bool]:
    """Public facts, plus the private facts of the viewer's own organization."""
    if viewer_org_id is None:
        return fact.c.scope == "public"
    return fact.c.scope.in_(["public", f"org:{viewer_org_id}"])


def known_at_clause(known_at: datetime | None) -> sa.ColumnElement[bool]:
    """Records the database held at `known_at` (the current ones when None)."""
    if known_at is None:
        return fact.c.superseded_at.is_(None)
    return sa.and_(
        fact.c.recorded_at <= known_at,
        sa.or_(fact.c.superseded_at.is_(None), fact.c.superseded_at > known_at),
    )


def statistics_asked(
    statistics: Collection[str], properties: Sequence[str] | None
) -> Collection[str]:
    """The statistics among the properties asked for (all when None): a statistic's
    fallback to its latest started figure then ranks only those (the exchange rates alone,
    not every yearly figure of every market)."""
    return statistics if properties is None else set(statistics) & set(properties)


def as_of_clause(as_of: date) -> sa.ColumnElement[bool]:
    """Records whose valid period [valid_from, valid_to) contains `as_of`."""
    return sa.and_(
        sa.or_(fact.c.valid_from.is_(None), fact.c.valid_from <= as_of),
        sa.or_(fact.c.valid_to.is_(None), fact.c.valid_to > as_of),
    )


def source_of(row: Row[Any]) -> Source:
    """A row of the `source` table as a Source."""
    return Source(
        kind=row.kind,
        title=row.title,
        publisher=row.publisher,
        url=row.url,
        published=row.published,
        accessed=row.accessed,
        language=row.language,
        quote=row.quote,
        locator=row.locator,
    )


def load_sources(connection: Connection, fact_ids: Sequence[int]) -> dict[int, list[Source]]:
    """Each fact's sources, in their order. The links are read as narrow (fact, source)
    rows and each distinct source once: a profile's facts share a few sources, and reading
    the source's columns again for every link took most of the time."""
    links: list[tuple[int, int]] = []
    for start in range(0, len(fact_ids), _CHUNK):
        chunk = fact_ids[start : start + _CHUNK]
        links += connection.execute(
            sa.select(fact_source.c.fact_id, fact_source.c.source_id)
            .where(fact_source.c.fact_id.in_(chunk))
            .order_by(fact_source.c.fact_id, fact_source.c.position)
        )
    wanted = sorted({source_id for _fact_id, source_id in links})
    built: dict[int, Source] = {}
    for start in range(0, len(wanted), _CHUNK):
        for row in connection.execute(
            sa.select(source).where(source.c.id.in_(wanted[start : start + _CHUNK]))
        ):
            built[row.id] = source_of(row)
    found: dict[int, list[Source]] = defaultdict(list)
    for fact_id, source_id in links:
        found[fact_id].append(built[source_id])
    return found


_VISIBILITY = {str(v): v for v in Visibility}


@lru_cache(maxsize=4096)
def _period(start: date | None, end: date | None) -> Period:
    # Facts share few periods (a statement's yearly versions), and a Period is immutable.
    return Period(start, end)


def fact_of(row: Sequence[Any], sources: list[Source], inherited_from: str | None) -> Fact:
    """A row of `fact_select()` as a Fact."""
    # Unpacked by position (FACT_COLUMNS' order): a Row's attributes are looked up by
    # name, which took a third of building a fact.
    (
        fact_id,
        market,
        prop,
        qualifiers,
        _qualifiers_key,
        _scope,
        value,
        unit,
        valid_from,
        valid_to,
        confidence,
        visibility,
        organization_slug,
        recorded_at,
        superseded_at,
        checked,
        note,
    ) = row
    return Fact(
        id=fact_id,
        market=market,
        property=prop,
        value=orjson.loads(value),
        unit=unit,
        qualifiers=orjson.loads(qualifiers),
        period=_period(valid_from, valid_to),
        confidence=confidence,
        visibility=_VISIBILITY[visibility],
        organization=organization_slug,
        recorded_at=recorded_at,
        superseded_at=superseded_at,
        sources=tuple(sources),
        checked=checked,
        note=note,
        inherited_from=inherited_from,
    )


def to_facts(
    connection: Connection,
    rows: Iterable[Row[Any]],
    inherited: dict[int, str] | None = None,
    with_sources: bool = True,
) -> list[Fact]:
    rows = list(rows)
    sources = load_sources(connection, [row.id for row in rows]) if with_sources else {}
    inherited = inherited or {}
    return [fact_of(row, sources.get(row.id, []), inherited.get(row.id)) for row in rows]


def fact_select() -> sa.Select[Any]:
    return sa.select(*FACT_COLUMNS).join(organization, organization.c.id == fact.c.organization_id)
