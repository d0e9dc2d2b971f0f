"""The tables. Alembic migrations (store/migrations) create them; this module names them for
queries. A test checks that the migrated database and this metadata agree."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)

__all__ = [
    "bloc_membership",
    "fact",
    "fact_source",
    "market",
    "metadata",
    "organization",
    "source",
    "store_clock",
]

metadata = MetaData()

organization = Table(
    "organization",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("slug", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("created_at", DateTime, nullable=False),
)

market = Table(
    "market",
    metadata,
    Column("code", String(16), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("name_en", String(200), nullable=False),
    Column("name_zh", String(200), nullable=False),
    Column("parent", String(16), nullable=True),
)

bloc_membership = Table(
    "bloc_membership",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("bloc", String(16), ForeignKey("market.code"), nullable=False),
    Column("member", String(16), ForeignKey("market.code"), nullable=False),
    Column("valid_from", Date, nullable=True),
    Column("valid_to", Date, nullable=True),
    Column("source", Text, nullable=False),
    Index("ix_bloc_membership_member", "member"),
)

source = Table(
    "source",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("digest", String(64), nullable=False, unique=True),
    Column("kind", String(32), nullable=False),
    Column("title", Text, nullable=False),
    Column("publisher", Text, nullable=True),
    Column("url", Text, nullable=True),
    Column("published", Date, nullable=True),
    Column("accessed", Date, nullable=True),
    Column("language", String(16), nullable=True),
    Column("quote", Text, nullable=True),
    Column("locator", Text, nullable=True),
    Column("recorded_at", DateTime, nullable=False),
)

# One row per record of a statement (market, property, qualifiers, scope). Rows are never
# updated except to close their transaction time (superseded_at), once. Which record replaced
# a closed one is derived: the records of its statement recorded at its superseded_at.
fact = Table(
    "fact",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("market", String(16), ForeignKey("market.code"), nullable=False),
    Column("property", String(128), nullable=False),
    Column("qualifiers_key", Text, nullable=False),
    Column("qualifiers", Text, nullable=False),
    Column("scope", String(32), nullable=False),  # "public" or "org:<id>" (private facts)
    Column("value", Text, nullable=False),  # canonical JSON
    Column("number", Float, nullable=True),
    Column("unit", String(64), nullable=True),
    Column("valid_from", Date, nullable=True),
    Column("valid_to", Date, nullable=True),
    Column("confidence", String(8), nullable=False),
    Column("visibility", String(8), nullable=False),
    Column("organization_id", Integer, ForeignKey("organization.id"), nullable=False),
    Column("recorded_at", DateTime, nullable=False),
    Column("superseded_at", DateTime, nullable=True),
    Column("checked", Date, nullable=True),
    Column("note", Text, nullable=True),
    Column("digest", String(64), nullable=False),
    Index(
        "ix_fact_current",
        "market",
        "property",
        "qualifiers_key",
        "scope",
        "valid_from",
        sqlite_where=text("superseded_at IS NULL"),
        postgresql_where=text("superseded_at IS NULL"),
    ),
    Index("ix_fact_market_property", "market", "property"),
    Index("ix_fact_recorded_at", "recorded_at"),
)

fact_source = Table(
    "fact_source",
    metadata,
    Column("fact_id", Integer, ForeignKey("fact.id"), primary_key=True),
    Column("source_id", Integer, ForeignKey("source.id"), primary_key=True),
    Column("position", Integer, nullable=False),
    Index("ix_fact_source_source", "source_id"),
)

# One row. Every write transaction locks it and takes its time from it, so transaction times
# strictly increase and writers are serialised (the one-current-value check stays race-free).
store_clock = Table(
    "store_clock",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("last_tx", DateTime, nullable=False),
)
