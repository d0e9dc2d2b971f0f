"""Core store: organizations, markets, bloc memberships, sources, bitemporal facts.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_OVERLAP = """
    f.superseded_at IS NULL AND f.market = NEW.market AND f.property = NEW.property
    AND f.qualifiers_key = NEW.qualifiers_key AND f.scope = NEW.scope
    AND (f.valid_from IS NULL OR NEW.valid_to IS NULL OR f.valid_from < NEW.valid_to)
    AND (f.valid_to IS NULL OR NEW.valid_from IS NULL OR NEW.valid_from < f.valid_to)
"""
_CHANGED = """
    NEW.id IS DISTINCT FROM OLD.id OR NEW.market IS DISTINCT FROM OLD.market
    OR NEW.property IS DISTINCT FROM OLD.property
    OR NEW.qualifiers_key IS DISTINCT FROM OLD.qualifiers_key OR NEW.scope IS DISTINCT FROM OLD.scope
    OR NEW.value IS DISTINCT FROM OLD.value OR NEW.valid_from IS DISTINCT FROM OLD.valid_from
    OR NEW.valid_to IS DISTINCT FROM OLD.valid_to OR NEW.recorded_at IS DISTINCT FROM OLD.recorded_at
    OR NEW.organization_id IS DISTINCT FROM OLD.organization_id
    OR NEW.digest IS DISTINCT FROM OLD.digest OR OLD.superseded_at IS NOT NULL
"""
ONE_VALUE = "one current value per statement: a current fact already covers part of this period"
APPEND_ONLY = "facts are append-only: a record can only be closed, once"


def _sqlite_triggers() -> list[str]:
    changed = _CHANGED.replace("IS DISTINCT FROM", "IS NOT")
    return [
        f"""CREATE TRIGGER fact_one_current_value BEFORE INSERT ON fact
        WHEN NEW.superseded_at IS NULL
        BEGIN
          SELECT RAISE(ABORT, '{ONE_VALUE}') WHERE EXISTS (SELECT 1 FROM fact f WHERE {_OVERLAP});
        END""",
        f"""CREATE TRIGGER fact_append_only BEFORE UPDATE ON fact
        WHEN {changed}
        BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END""",
        f"""CREATE TRIGGER fact_no_delete BEFORE DELETE ON fact
        BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END""",
    ]


def _postgresql_triggers() -> list[str]:
    return [
        f"""CREATE FUNCTION fact_guard() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'DELETE' THEN
            RAISE EXCEPTION '{APPEND_ONLY}' USING ERRCODE = 'integrity_constraint_violation';
          END IF;
          IF TG_OP = 'UPDATE' AND ({_CHANGED}) THEN
            RAISE EXCEPTION '{APPEND_ONLY}' USING ERRCODE = 'integrity_constraint_violation';
          END IF;
          IF TG_OP = 'INSERT' AND NEW.superseded_at IS NULL
             AND EXISTS (SELECT 1 FROM fact f WHERE {_OVERLAP}) THEN
            RAISE EXCEPTION '{ONE_VALUE}' USING ERRCODE = 'integrity_constraint_violation';
          END IF;
          IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
          RETURN NEW;
        END $$""",
        """CREATE TRIGGER fact_guard BEFORE INSERT OR UPDATE OR DELETE ON fact
        FOR EACH ROW EXECUTE FUNCTION fact_guard()""",
    ]


def upgrade() -> None:
    op.create_table(
        "organization",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("slug", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "market",
        sa.Column("code", sa.String(16), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("name_zh", sa.String(200), nullable=False),
        sa.Column("parent", sa.String(16), nullable=True),
    )
    op.create_table(
        "bloc_membership",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("bloc", sa.String(16), sa.ForeignKey("market.code"), nullable=False),
        sa.Column("member", sa.String(16), sa.ForeignKey("market.code"), nullable=False),
        sa.Column("valid_from", sa.Date, nullable=True),
        sa.Column("valid_to", sa.Date, nullable=True),
        sa.Column("source", sa.Text, nullable=False),
    )
    op.create_index("ix_bloc_membership_member", "bloc_membership", ["member"])
    op.create_table(
        "source",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("digest", sa.String(64), nullable=False, unique=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("publisher", sa.Text, nullable=True),
        sa.Column("url", sa.Text, nullable=True),
        sa.Column("published", sa.Date, nullable=True),
        sa.Column("accessed", sa.Date, nullable=True),
        sa.Column("language", sa.String(16), nullable=True),
        sa.Column("quote", sa.Text, nullable=True),
        sa.Column("locator", sa.Text, nullable=True),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "fact",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("market", sa.String(16), sa.ForeignKey("market.code"), nullable=False),
        sa.Column("property", sa.String(128), nullable=False),
        sa.Column("qualifiers_key", sa.Text, nullable=False),
        sa.Column("qualifiers", sa.Text, nullable=False),
        sa.Column("scope", sa.String(32), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("number", sa.Float, nullable=True),
        sa.Column("unit", sa.String(64), nullable=True),
        sa.Column("valid_from", sa.Date, nullable=True),
        sa.Column("valid_to", sa.Date, nullable=True),
        sa.Column("confidence", sa.String(8), nullable=False),
        sa.Column("visibility", sa.String(8), nullable=False),
        sa.Column("organization_id", sa.Integer, sa.ForeignKey("organization.id"), nullable=False),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
        sa.Column("superseded_at", sa.DateTime, nullable=True),
        sa.Column("checked", sa.Date, nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("digest", sa.String(64), nullable=False),
    )
    op.create_index(
        "ix_fact_current",
        "fact",
        ["market", "property", "qualifiers_key", "scope", "valid_from"],
        sqlite_where=sa.text("superseded_at IS NULL"),
        postgresql_where=sa.text("superseded_at IS NULL"),
    )
    op.create_index("ix_fact_market_property", "fact", ["market", "property"])
    op.create_index("ix_fact_recorded_at", "fact", ["recorded_at"])
    op.create_table(
        "fact_source",
        sa.Column("fact_id", sa.Integer, sa.ForeignKey("fact.id"), primary_key=True),
        sa.Column("source_id", sa.Integer, sa.ForeignKey("source.id"), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
    )
    op.create_index("ix_fact_source_source", "fact_source", ["source_id"])
    op.create_table(
        "store_clock",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("last_tx", sa.DateTime, nullable=False),
    )
    op.execute(sa.text("INSERT INTO store_clock (id, last_tx) VALUES (1, '1970-01-01 00:00:00')"))
    dialect = op.get_bind().dialect.name
    for statement in _postgresql_triggers() if dialect == "postgresql" else _sqlite_triggers():
        op.execute(sa.text(statement))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.text("DROP TRIGGER IF EXISTS fact_guard ON fact"))
        op.execute(sa.text("DROP FUNCTION IF EXISTS fact_guard()"))
    for table in ("store_clock", "fact_source", "fact", "source", "bloc_membership", "market"):
        op.drop_table(table)
    op.drop_table("organization")
