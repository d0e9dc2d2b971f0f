"""Platform: users, tokens, web sessions, change sets, change events, audit log, credits.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

APPEND_ONLY = "{table} is append-only"


def _append_only(table: str) -> list[str]:
    message = APPEND_ONLY.format(table=table)
    if op.get_bind().dialect.name == "postgresql":
        return [
            f"""CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              RAISE EXCEPTION '{message}' USING ERRCODE = 'integrity_constraint_violation';
            END $$""",
            f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION {table}_append_only()""",
        ]
    return [
        f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
        BEGIN SELECT RAISE(ABORT, '{message}'); END""",
        f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
        BEGIN SELECT RAISE(ABORT, '{message}'); END""",
    ]


def upgrade() -> None:
    op.create_table(
        "scope_version",
        sa.Column("scope", sa.String(32), primary_key=True),
        sa.Column("version", sa.DateTime, nullable=False),
    )
    op.create_table(
        "user_account",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("organization_id", sa.Integer, sa.ForeignKey("organization.id"), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("disabled_at", sa.DateTime, nullable=True),
    )
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("user_account.id"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("scopes", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=True),
        sa.Column("revoked_at", sa.DateTime, nullable=True),
    )
    op.create_index("ix_api_token_user", "api_token", ["user_id"])
    op.create_table(
        "web_session",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("session_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("user_account.id"), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
        sa.Column("ended_at", sa.DateTime, nullable=True),
    )
    op.create_table(
        "change_set",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("organization_id", sa.Integer, sa.ForeignKey("organization.id"), nullable=False),
        sa.Column("author_id", sa.Integer, sa.ForeignKey("user_account.id"), nullable=True),
        sa.Column("author_label", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("private", sa.Integer, nullable=False),
        sa.Column("bundle", sa.Text, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("submitted_at", sa.DateTime, nullable=False),
        sa.Column("reviewer_id", sa.Integer, sa.ForeignKey("user_account.id"), nullable=True),
        sa.Column("reviewed_at", sa.DateTime, nullable=True),
        sa.Column("review_comment", sa.Text, nullable=True),
        sa.Column("grade", sa.Integer, nullable=True),
    )
    op.create_index("ix_change_set_state", "change_set", ["state"])
    op.create_index("ix_change_set_organization", "change_set", ["organization_id"])
    op.create_table(
        "change_event",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("change_set_id", sa.Integer, sa.ForeignKey("change_set.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("fact_id", sa.Integer, sa.ForeignKey("fact.id"), nullable=False),
        sa.Column("market", sa.String(16), nullable=False),
        sa.Column("property", sa.String(128), nullable=False),
        sa.Column("qualifiers_key", sa.Text, nullable=False),
        sa.Column("scope", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_change_event_change_set", "change_event", ["change_set_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("actor_id", sa.Integer, sa.ForeignKey("user_account.id"), nullable=True),
        sa.Column("actor_label", sa.String(200), nullable=False),
        sa.Column("organization_id", sa.Integer, sa.ForeignKey("organization.id"), nullable=True),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("before", sa.Text, nullable=True),
        sa.Column("after", sa.Text, nullable=True),
    )
    op.create_index("ix_audit_log_organization", "audit_log", ["organization_id"])
    op.create_table(
        "credit_entry",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("organization_id", sa.Integer, sa.ForeignKey("organization.id"), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("delta", sa.Integer, nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("change_set_id", sa.Integer, sa.ForeignKey("change_set.id"), nullable=True),
    )
    op.create_index("ix_credit_entry_organization", "credit_entry", ["organization_id"])
    for table in ("audit_log", "credit_entry", "change_event"):
        for statement in _append_only(table):
            op.execute(sa.text(statement))


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in ("audit_log", "credit_entry", "change_event"):
        if postgres:
            op.execute(sa.text(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}"))
            op.execute(sa.text(f"DROP FUNCTION IF EXISTS {table}_append_only()"))
    for table in (
        "credit_entry",
        "audit_log",
        "change_event",
        "change_set",
        "web_session",
        "api_token",
        "user_account",
        "scope_version",
    ):
        op.drop_table(table)
