"""Many markets' profiles read at once: the same answers as `queries.profile` per market.

A portfolio matrix needs every market's facts on one date. Calling `profile` per market runs
an inheritance query, a ranked fact query and a source query each time (250 markets: 750
queries, seconds at a million facts). Here three set-based queries read the chains, the
candidate records of every market any chain names, and their sources; the pick — the
nearest market of the chain first, then the viewer's private record, then a record valid on
the date before the latest ended one (statistics only) — is made in Python, with the same
keys `profile` orders by. The rows come back in the database's own order of (property,
qualifiers key), so each profile keeps `profile`'s order whatever the collation.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from autoatlas.domain.facts import Fact, Source
from autoatlas.errors import NotFoundError
from autoatlas.store.records import (
    as_of_clause,
    fact_of,
    fact_select,
    known_at_clause,
    load_sources,
    scope_clause,
    statistics_asked,
)
from autoatlas.store.schema import bloc_membership, fact, market

__all__ = ["bulk_profiles", "inheritance_chains"]

_DAWN = date(1, 1, 1)  # an open start sorts before every dated one, as in `profile`


def inheritance_chains(
    connection: Connection, codes: Sequence[str], on: date
) -> dict[str, list[str]]:
    """`queries.inheritance_chain` for many markets in two queries: each market, then its
    country (for a subdivision), then the blocs of each on `on`, in bloc order."""
    wanted = list(dict.fromkeys(codes))
    parents: dict[str, str | None] = {}
    for row in connection.execute(
        sa.select(market.c.code, market.c.parent).where(market.c.code.in_(wanted))
    ):
        parents[row.code] = row.parent
    for code in wanted:
        if code not in parents:
            raise NotFoundError(f"unknown market {code!r}")
    members = sorted({*wanted, *(p for p in parents.values() if p)})
    blocs_of: dict[str, list[str]] = {}
    for row in connection.execute(
        sa.select(bloc_membership.c.bloc, bloc_membership.c.member)
        .where(bloc_membership.c.member.in_(members))
        .where(sa.or_(bloc_membership.c.valid_from.is_(None), bloc_membership.c.valid_from <= on))
        .where(sa.or_(bloc_membership.c.valid_to.is_(None), bloc_membership.c.valid_to > on))
        .order_by(bloc_membership.c.bloc)
    ):
        blocs_of.setdefault(row.member, []).append(row.bloc)
    chains: dict[str, list[str]] = {}
    for code in wanted:
        chain = [code]
        parent = parents[code]
        if parent:
            chain.append(parent)
        for member in list(chain):
            chain.extend(b for b in blocs_of.get(member, ()) if b not in chain)
        chains[code] = chain
    return chains


def _candidates(
    markets: Sequence[str],
    *,
    as_of: date,
    known_at: datetime | None,
    viewer_org_id: int | None,
    properties: Sequence[str] | None,
    statistics: Collection[str],
) -> sa.CompoundSelect[Any] | sa.Select[Any]:
    """The records `profile` chooses among, for every market at once: those valid on
    `as_of`, and for statistics the latest ended record of each statement and scope (the
    only ended one `profile` can pick). Sorting every ended version of every statistic, as a
    window over all the candidates would, costs more than the rest of the read together."""

    def common(query: sa.Select[Any]) -> sa.Select[Any]:
        query = (
            query.where(fact.c.market.in_(list(markets)))
            .where(known_at_clause(known_at))
            .where(scope_clause(viewer_org_id))
        )
        if properties is not None:
            query = query.where(fact.c.property.in_(list(properties)))
        return query

    valid = common(fact_select()).where(as_of_clause(as_of))
    chosen = sorted(statistics_asked(statistics, properties))
    if not chosen:
        return valid
    ended = sa.and_(fact.c.valid_to.is_not(None), fact.c.valid_to <= as_of)
    latest = (
        common(
            sa.select(
                fact.c.market,
                fact.c.property,
                fact.c.qualifiers_key,
                fact.c.scope,
                sa.func.max(fact.c.valid_from).label("start"),
            )
        )
        .where(fact.c.property.in_(chosen))
        .where(ended)
        .group_by(fact.c.market, fact.c.property, fact.c.qualifiers_key, fact.c.scope)
        .subquery()
    )
    # An ended record with an open start is the statement's first: max() is NULL only when
    # it is the sole one.
    same_start = sa.or_(
        fact.c.valid_from == latest.c.start,
        sa.and_(latest.c.start.is_(None), fact.c.valid_from.is_(None)),
    )
    past = (
        common(fact_select())
        .join(
            latest,
            sa.and_(
                fact.c.market == latest.c.market,
                fact.c.property == latest.c.property,
                fact.c.qualifiers_key == latest.c.qualifiers_key,
                fact.c.scope == latest.c.scope,
                same_start,
            ),
        )
        .where(ended)
    )
    return sa.union_all(valid, past)


def bulk_profiles(
    connection: Connection,
    codes: Sequence[str],
    *,
    as_of: date,
    known_at: datetime | None = None,
    viewer_org_id: int | None = None,
    properties: Sequence[str] | None = None,
    with_sources: bool = True,
    statistics: Collection[str] = (),
) -> dict[str, list[Fact]]:
    """`queries.profile(connection, code, ...)` for each of `codes`, in the order given
    (an unknown market raises NotFoundError, naming it, as `profile` does).

    A record inherited by several markets is one `Fact` shared by their lists (facts are
    immutable), marked with the market it comes from."""
    chains = inheritance_chains(connection, codes, as_of)
    needed = sorted({m for chain in chains.values() for m in chain})
    candidates = _candidates(
        needed,
        as_of=as_of,
        known_at=known_at,
        viewer_org_id=viewer_org_id,
        properties=properties,
        statistics=statistics,
    )
    # Rows come in the database's order of (property, qualifiers key), so a row's position
    # is its place in `profile`'s ORDER BY whatever the collation.
    ordered = candidates.subquery()
    rows = connection.execute(
        sa.select(ordered).order_by(ordered.c.property, ordered.c.qualifiers_key)
    ).all()
    # Per market, the best record of each statement, as `profile` picks: the viewer's
    # private record first, then one valid on the date before an ended one (statistics),
    # then the latest start.
    best: dict[str, dict[tuple[str, str], tuple[tuple[bool, bool, int], int]]] = {}
    # By position, in FACT_COLUMNS' order (a Row's attributes are looked up by name).
    for position, (_id, code, prop, _q, qualifiers_key, scope, _v, _u, start, end, *_) in enumerate(
        rows
    ):
        rank = (scope == "public", end is not None and end <= as_of, -(start or _DAWN).toordinal())
        statements = best.setdefault(code, {})
        key = (prop, qualifiers_key)
        held = statements.get(key)
        if held is None or rank < held[0]:
            statements[key] = (rank, position)
    chosen: dict[str, list[int]] = {}
    for code, chain in chains.items():
        picked: dict[tuple[str, str], int] = {}
        for member in chain:  # the nearest market first
            for key, (_rank, position) in best.get(member, {}).items():
                picked.setdefault(key, position)
        chosen[code] = sorted(picked.values())
    # Sources only for the records picked (a third of the candidates are passed over).
    used = sorted({position for positions in chosen.values() for position in positions})
    sources = load_sources(connection, [rows[p][0] for p in used]) if with_sources else {}
    built: dict[tuple[int, str | None], Fact] = {}
    return {
        code: [_built(rows[position], code, sources, built) for position in positions]
        for code, positions in chosen.items()
    }


def _built(
    row: Row[Any],
    code: str,
    sources: dict[int, list[Source]],
    built: dict[tuple[int, str | None], Fact],
) -> Fact:
    inherited_from = row.market if row.market != code else None
    key = (row.id, inherited_from)
    found = built.get(key)
    if found is None:
        found = built[key] = fact_of(row, sources.get(row.id, []), inherited_from)
    return found
