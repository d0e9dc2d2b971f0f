"""Writes: the only code that adds records or closes them. Always inside `write_tx`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from autoatlas.domain.facts import FactInput, Source
from autoatlas.errors import ConflictError
from autoatlas.store.engine import WriteTx
from autoatlas.store.records import scope_of
from autoatlas.store.schema import fact, fact_source, scope_version, source

__all__ = ["NewRecord", "close_records", "insert_records", "store_sources", "touch_scopes"]

_CHUNK = 900


@dataclass(frozen=True, slots=True)
class NewRecord:
    """A record to add: the proposed fact and the organization that contributes it."""

    fact: FactInput
    organization_id: int


def store_sources(tx: WriteTx, sources: Iterable[Source]) -> dict[str, int]:
    """Ids of these sources by digest, inserting the ones not yet stored."""
    wanted = {s.digest: s for s in sources}
    ids: dict[str, int] = {}
    digests = list(wanted)
    for start in range(0, len(digests), _CHUNK):
        rows = tx.connection.execute(
            sa.select(source.c.digest, source.c.id).where(
                source.c.digest.in_(digests[start : start + _CHUNK])
            )
        )
        ids.update({row.digest: row.id for row in rows})
    missing = [d for d in digests if d not in ids]
    if missing:
        rows = tx.connection.execute(
            sa.insert(source).returning(source.c.digest, source.c.id, sort_by_parameter_order=True),
            [
                {
                    "digest": d,
                    "kind": wanted[d].kind,
                    "title": wanted[d].title,
                    "publisher": wanted[d].publisher,
                    "url": wanted[d].url,
                    "published": wanted[d].published,
                    "accessed": wanted[d].accessed,
                    "language": wanted[d].language,
                    "quote": wanted[d].quote,
                    "locator": wanted[d].locator,
                    "recorded_at": tx.now,
                }
                for d in missing
            ],
        )
        ids.update({row.digest: row.id for row in rows})
    return ids


def close_records(tx: WriteTx, ids: Sequence[int]) -> None:
    """End the transaction time of current records (superseded or retracted now)."""
    for start in range(0, len(ids), _CHUNK):
        chunk = list(ids[start : start + _CHUNK])
        result = tx.connection.execute(
            sa.update(fact)
            .where(fact.c.id.in_(chunk), fact.c.superseded_at.is_(None))
            .values(superseded_at=tx.now)
        )
        if result.rowcount != len(chunk):
            raise ConflictError(
                "a record to supersede or retract is no longer current; "
                "someone changed it meanwhile: run again"
            )
        scopes = tx.connection.execute(
            sa.select(fact.c.scope).where(fact.c.id.in_(chunk)).distinct()
        ).scalars()
        touch_scopes(tx, set(scopes))


def touch_scopes(tx: WriteTx, scopes: Iterable[str]) -> None:
    """Mark these visibility scopes as changed now (their ETags change)."""
    for scope in sorted(set(scopes)):
        updated = tx.connection.execute(
            sa.update(scope_version).where(scope_version.c.scope == scope).values(version=tx.now)
        )
        if updated.rowcount == 0:
            tx.connection.execute(sa.insert(scope_version).values(scope=scope, version=tx.now))


def _row(record: NewRecord, tx: WriteTx) -> dict[str, Any]:
    item = record.fact
    return {
        "market": item.market,
        "property": item.property,
        "qualifiers_key": item.qualifiers_key,
        "qualifiers": orjson.dumps(item.qualifiers, option=orjson.OPT_SORT_KEYS).decode(),
        "scope": scope_of(item.visibility, record.organization_id),
        "value": orjson.dumps(item.value, option=orjson.OPT_SORT_KEYS).decode(),
        "number": item.number,
        "unit": item.unit,
        "valid_from": item.period.start,
        "valid_to": item.period.end,
        "confidence": item.confidence,
        "visibility": str(item.visibility),
        "organization_id": record.organization_id,
        "recorded_at": tx.now,
        "superseded_at": None,
        "checked": item.checked,
        "note": item.note,
        "digest": item.digest,
    }


def _insert_facts(tx: WriteTx, rows: list[dict[str, Any]]) -> list[int]:
    """Insert fact rows and return their ids, in order.

    On SQLite, RETURNING in parameter order makes SQLAlchemy insert row by row; since
    writers hold the clock row (and SQLite has one writer anyway) the ids are allocated
    here and the rows go in one executemany. PostgreSQL batches RETURNING itself.
    """
    if tx.connection.dialect.name == "sqlite":
        last = tx.connection.execute(sa.select(sa.func.max(fact.c.id))).scalar() or 0
        ids = list(range(last + 1, last + 1 + len(rows)))
        for fact_id, row in zip(ids, rows, strict=True):
            row["id"] = fact_id
        tx.connection.execute(sa.insert(fact), rows)
        return ids
    result = tx.connection.execute(
        sa.insert(fact).returning(fact.c.id, sort_by_parameter_order=True), rows
    )
    return [row.id for row in result]


def insert_records(tx: WriteTx, records: Sequence[NewRecord]) -> list[int]:
    """Add current records with their sources; the store refuses any overlap (ConflictError)."""
    if not records:
        return []
    source_ids = store_sources(tx, (s for r in records for s in r.fact.sources))
    rows = [_row(record, tx) for record in records]
    try:
        ids = _insert_facts(tx, rows)
    except IntegrityError as exc:
        raise ConflictError(f"the store refused the facts: {exc.orig}") from exc
    touch_scopes(tx, {row["scope"] for row in rows})
    links = [
        {"fact_id": fact_id, "source_id": source_ids[s.digest], "position": position}
        for fact_id, record in zip(ids, records, strict=True)
        for position, s in enumerate(dict.fromkeys(record.fact.sources))
    ]
    if links:
        tx.connection.execute(sa.insert(fact_source), links)
    return ids
