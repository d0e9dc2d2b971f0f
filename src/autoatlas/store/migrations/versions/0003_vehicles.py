"""Vehicles: organizations' private vehicle models and their portfolios.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vehicle_model",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("organization_id", sa.Integer, sa.ForeignKey("organization.id"), nullable=False),
        sa.Column("slug", sa.String(64), nullable=False),
        sa.Column("spec", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("organization_id", "slug", name="uq_vehicle_model_organization_slug"),
    )
    op.create_table(
        "portfolio_entry",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("organization_id", sa.Integer, sa.ForeignKey("organization.id"), nullable=False),
        sa.Column("model_id", sa.Integer, sa.ForeignKey("vehicle_model.id"), nullable=False),
        sa.Column("market", sa.String(16), sa.ForeignKey("market.code"), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("valid_from", sa.Date, nullable=True),
        sa.Column("valid_to", sa.Date, nullable=True),
        sa.CheckConstraint("status IN ('sold', 'planned')", name="ck_portfolio_entry_status"),
    )
    op.create_index("ix_portfolio_entry_organization", "portfolio_entry", ["organization_id"])
    op.create_index("ix_portfolio_entry_model", "portfolio_entry", ["model_id"])


def downgrade() -> None:
    op.drop_index("ix_portfolio_entry_model", table_name="portfolio_entry")
    op.drop_index("ix_portfolio_entry_organization", table_name="portfolio_entry")
    op.drop_table("portfolio_entry")
    op.drop_table("vehicle_model")
