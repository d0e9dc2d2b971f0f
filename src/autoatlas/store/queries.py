"""Reads: the one "as of / as known at" query and everything built on it.

Every read of facts goes through `_current` (profile, compare, coverage, filtered lists) or
`history` (all records). Inheritance is resolved here: a market's own fact wins over its
country's (for a subdivision), which wins over a bloc's it belongs to on that date.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from autoatlas.domain.facts import Fact
from autoatlas.errors import NotFoundError
from autoatlas.store.records import (
    as_of_clause,
    fact_select,
    known_at_clause,
    scope_clause,
    statistics_asked,
    to_facts,
)
from autoatlas.store.schema import bloc_membership, fact, market

__all__ = [
    "FactFilter",
    "MarketRow",
    "facts",
    "get_market",
    "history",
    "inheritance_chain",
    "list_markets",
    "markets_with_facts",
    "profile",
    "profile_breakpoints",
    "profiles",
]


@dataclass(frozen=True, slots=True)
class MarketRow:
    code: str
    kind: str
    name_en: str
    name_zh: str
    parent: str | None


def get_market(connection: Connection, code: str) -> MarketRow:
    row = connection.execute(sa.select(market).where(market.c.code == code)).first()
    if row is None:
        raise NotFoundError(f"unknown market {code!r}")
    return MarketRow(row.code, row.kind, row.name_en, row.name_zh, row.parent)


def list_markets(connection: Connection, kind: str | None = None) -> list[MarketRow]:
    query = sa.select(market).order_by(market.c.code)
    if kind is not None:
        query = query.where(market.c.kind == kind)
    return [
        MarketRow(r.code, r.kind, r.name_en, r.name_zh, r.parent) for r in connection.execute(query)
    ]


def inheritance_chain(connection: Connection, code: str, on: date) -> list[str]:
    """The market, then its country (for a subdivision), then the blocs of each on `on`."""
    own = get_market(connection, code)
    chain = [own.code]
    if own.parent:
        chain.append(own.parent)
    blocs = connection.execute(
        sa.select(bloc_membership.c.bloc, bloc_membership.c.member)
        .where(bloc_membership.c.member.in_(list(chain)))
        .where(sa.or_(bloc_membership.c.valid_from.is_(None), bloc_membership.c.valid_from <= on))
        .where(sa.or_(bloc_membership.c.valid_to.is_(None), bloc_membership.c.valid_to > on))
        .order_by(bloc_membership.c.bloc)
    ).all()
    for member in list(chain):
        chain.extend(row.bloc for row in blocs if row.member == member and row.bloc not in chain)
    return chain


_DAWN = date(1, 1, 1)  # sorts an open start before every dated one
_START = sa.func.coalesce(fact.c.valid_from, _DAWN)
_STATEMENT = (fact.c.market, fact.c.property, fact.c.qualifiers_key, fact.c.scope)


def _latest_started(
    markets: Sequence[str] | None,
    as_of: date,
    known_at: datetime | None,
    viewer_org_id: int | None,
    statistics: Collection[str],
) -> sa.Select[Any]:
    """Per statement (and scope) of these statistics: the start of its latest started record."""
    query = (
        sa.select(*_STATEMENT, sa.func.max(_START))
        .where(fact.c.property.in_(sorted(statistics)))
        .where(known_at_clause(known_at))
        .where(scope_clause(viewer_org_id))
        .where(sa.or_(fact.c.valid_from.is_(None), fact.c.valid_from <= as_of))
        .group_by(*_STATEMENT)
    )
    return query.where(_in_markets(markets))


def _in_markets(markets: Sequence[str] | None) -> sa.ColumnElement[bool]:
    """The facts of these markets; of every market when None, said as `market IN (every
    market code)` so that a query for a few properties across markets seeks each market's
    (market, property) index entries instead of scanning the whole index (the exchange
    rates of every market: ~25 ms instead of ~250 at a million facts)."""
    if markets is None:
        return fact.c.market.in_(sa.select(market.c.code).scalar_subquery())
    return fact.c.market.in_(list(markets))


def valid_clause(
    markets: Sequence[str] | None,
    as_of: date,
    known_at: datetime | None,
    viewer_org_id: int | None,
    statistics: Collection[str],
) -> sa.ColumnElement[bool]:
    """Records valid on `as_of`; for `statistics`, else the latest figure that has started.

    A statistic whose period has ended is still the latest known figure. Only the latest
    started record of each statement can be it: the current records of a statement never
    overlap, so any later-starting one has ended before `as_of` or is the one valid on it.
    (Ranking every old yearly figure cost more than the rest of a profile.) So for each
    statement at most one record passes.
    """
    valid = as_of_clause(as_of)
    if not statistics:
        return valid
    started = sa.or_(fact.c.valid_from.is_(None), fact.c.valid_from <= as_of)
    return sa.or_(
        valid,
        sa.and_(
            fact.c.property.in_(sorted(statistics)),
            started,
            sa.tuple_(*_STATEMENT, _START).in_(
                _latest_started(markets, as_of, known_at, viewer_org_id, statistics)
            ),
        ),
    )


def _current(
    connection: Connection,
    markets: Sequence[str],
    *,
    as_of: date | None,
    known_at: datetime | None,
    viewer_org_id: int | None,
    properties: Sequence[str] | None = None,
    statistics: Collection[str] = (),
) -> sa.Select[Any]:
    query = (
        fact_select()
        .where(fact.c.market.in_(list(markets)))
        .where(known_at_clause(known_at))
        .where(scope_clause(viewer_org_id))
    )
    if as_of is not None:
        query = query.where(
            valid_clause(
                markets, as_of, known_at, viewer_org_id, statistics_asked(statistics, properties)
            )
        )
    if properties is not None:
        query = query.where(fact.c.property.in_(list(properties)))
    return query


def profile(
    connection: Connection,
    code: str,
    *,
    as_of: date,
    known_at: datetime | None = None,
    viewer_org_id: int | None = None,
    properties: Sequence[str] | None = None,
    with_sources: bool = True,
    statistics: Collection[str] = (),
) -> list[Fact]:
    """A market's facts valid on `as_of` as known at `known_at`, inherited ones marked.

    For `statistics` (properties describing a period, like yearly sales) the latest figure
    whose period has started is shown when none is valid on `as_of`.
    """
    chain = inheritance_chain(connection, code, as_of)
    query = _current(
        connection,
        chain,
        as_of=as_of,
        known_at=known_at,
        viewer_org_id=viewer_org_id,
        properties=properties,
        statistics=statistics,
    )
    # One record per property and qualifiers, picked in SQL: the nearest market first;
    # within a market the organization's private record first; then a record valid on the
    # date before the latest ended one (statistics only).
    pick = (
        sa.func.row_number()
        .over(
            partition_by=(fact.c.property, fact.c.qualifiers_key),
            order_by=(
                sa.case({market: index for index, market in enumerate(chain)}, value=fact.c.market),
                sa.case((fact.c.scope == "public", 1), else_=0),
                sa.case(
                    (sa.and_(fact.c.valid_to.is_not(None), fact.c.valid_to <= as_of), 1), else_=0
                ),
                sa.func.coalesce(fact.c.valid_from, _DAWN).desc(),
            ),
        )
        .label("pick")
    )
    ranked = query.add_columns(pick).subquery()
    picked = list(
        connection.execute(
            sa.select(*(c for c in ranked.c if c.name != "pick"))
            .where(ranked.c.pick == 1)
            .order_by(ranked.c.property, ranked.c.qualifiers_key)
        )
    )
    inherited = {row.id: row.market for row in picked if row.market != code}
    return to_facts(connection, picked, inherited, with_sources=with_sources)


def profile_breakpoints(
    connection: Connection,
    code: str,
    *,
    known_at: datetime | None = None,
    viewer_org_id: int | None = None,
) -> tuple[date, ...]:
    """The days on which `profile(code, as_of=day)` can change, in order.

    Every test `profile` makes on its day compares it with a fact's valid_from or valid_to,
    or with a bloc membership's bounds (statistics included: their fallback orders by the
    same dates). So between two consecutive breakpoints the profile is the same for every
    day, and a cache can keep one answer per span instead of one per day.
    """
    own = get_market(connection, code)
    members = [own.code] + ([own.parent] if own.parent else [])
    memberships = connection.execute(
        sa.select(
            bloc_membership.c.bloc, bloc_membership.c.valid_from, bloc_membership.c.valid_to
        ).where(bloc_membership.c.member.in_(members))
    ).all()
    markets = members + sorted({row.bloc for row in memberships})
    days: set[date] = set()
    for row in memberships:
        days.update(d for d in (row.valid_from, row.valid_to) if d is not None)
    visible = (
        sa.select(fact.c.valid_from, fact.c.valid_to)
        .where(fact.c.market.in_(markets))
        .where(known_at_clause(known_at))
        .where(scope_clause(viewer_org_id))
        .distinct()
    )
    for start, end in connection.execute(visible):
        if start is not None:
            days.add(start)
        if end is not None:
            days.add(end)
    return tuple(sorted(days))


def profiles(
    connection: Connection,
    codes: Sequence[str],
    *,
    as_of: date,
    known_at: datetime | None = None,
    viewer_org_id: int | None = None,
    properties: Sequence[str] | None = None,
    statistics: Collection[str] = (),
) -> dict[str, list[Fact]]:
    """Profiles of several markets (for compare and coverage), in the order given."""
    return {
        code: profile(
            connection,
            code,
            as_of=as_of,
            known_at=known_at,
            viewer_org_id=viewer_org_id,
            properties=properties,
            statistics=statistics,
        )
        for code in codes
    }


def history(
    connection: Connection,
    code: str,
    prop: str,
    *,
    qualifiers_key: str | None = None,
    viewer_org_id: int | None = None,
) -> list[Fact]:
    """Every record ever held for one property of one market: both times, oldest first."""
    get_market(connection, code)
    query = (
        fact_select()
        .where(fact.c.market == code, fact.c.property == prop)
        .where(scope_clause(viewer_org_id))
        .order_by(
            fact.c.qualifiers_key,
            fact.c.valid_from.is_not(None),
            fact.c.valid_from,
            fact.c.recorded_at,
            fact.c.id,
        )
    )
    if qualifiers_key is not None:
        query = query.where(fact.c.qualifiers_key == qualifiers_key)
    return to_facts(connection, connection.execute(query))


@dataclass(frozen=True, slots=True)
class FactFilter:
    markets: Sequence[str] | None = None
    properties: Sequence[str] | None = None
    qualifiers: dict[str, str] | None = None
    as_of: date | None = None
    known_at: datetime | None = None
    after_id: int = 0
    limit: int | None = None
    statistics: Collection[str] = ()  # with as_of: these show their latest started figure


def facts(
    connection: Connection, where: FactFilter, *, viewer_org_id: int | None = None
) -> list[Fact]:
    """The market's own records (no inheritance) that match, ordered by id (cursor-friendly)."""
    query = (
        fact_select()
        .where(known_at_clause(where.known_at))
        .where(scope_clause(viewer_org_id))
        .where(fact.c.id > where.after_id)
        .order_by(fact.c.id)
    )
    if where.markets is not None or where.properties is not None:
        query = query.where(_in_markets(where.markets))
    if where.properties is not None:
        query = query.where(fact.c.property.in_(list(where.properties)))
    if where.as_of is not None:
        query = query.where(
            valid_clause(
                where.markets,
                where.as_of,
                where.known_at,
                viewer_org_id,
                statistics_asked(where.statistics, where.properties),
            )
        )
    for key, value in (where.qualifiers or {}).items():
        query = query.where(_has_qualifier(key, value))
    if where.limit is not None:
        query = query.limit(where.limit)
    return to_facts(connection, connection.execute(query))


def _has_qualifier(key: str, value: str) -> sa.ColumnElement[bool]:
    # qualifiers_key is compact JSON with sorted keys, so a pair appears as one exact token.
    pair = orjson.dumps({key: value}).decode()[1:-1]
    pattern = pair.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return sa.or_(
        fact.c.qualifiers_key.like(f"%{pattern},%", escape="\\"),
        fact.c.qualifiers_key.like(f"%{pattern}}}", escape="\\"),
    )


def markets_with_facts(connection: Connection) -> list[str]:
    """Markets that hold at least one current fact of their own."""
    query = sa.select(fact.c.market).where(fact.c.superseded_at.is_(None)).distinct()
    return sorted(connection.execute(query).scalars())
