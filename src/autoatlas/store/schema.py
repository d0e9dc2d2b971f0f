"""The tables. Alembic migrations (store/migrations) create them; this module names them for
queries. A test checks that the migrated database and this metadata agree."""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
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
    UniqueConstraint,
    text,
)

__all__ = [
    "alert",
    "alert_channel",
    "alert_cursor",
    "api_token",
    "audit_log",
    "bloc_membership",
    "change_event",
    "change_set",
    "credit_entry",
    "deadline_event",
    "delivery",
    "fact",
    "fact_source",
    "feed_token",
    "market",
    "metadata",
    "organization",
    "portfolio_entry",
    "scope_version",
    "source",
    "store_clock",
    "user_account",
    "vehicle_model",
    "watchlist",
    "web_session",
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

# Per visibility scope ("public", "org:<id>"), the transaction time of its last write: what
# ETags are made of, so one organization's private writes never change another's ETags.
scope_version = Table(
    "scope_version",
    metadata,
    Column("scope", String(32), primary_key=True),
    Column("version", DateTime, nullable=False),
)

user_account = Table(
    "user_account",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("organization_id", Integer, ForeignKey("organization.id"), nullable=False),
    Column("role", String(16), nullable=False),
    Column("password_hash", Text, nullable=True),
    Column("created_at", DateTime, nullable=False),
    Column("disabled_at", DateTime, nullable=True),
)

api_token = Table(
    "api_token",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("user_account.id"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("prefix", String(16), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("scopes", String(100), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=True),
    Column("revoked_at", DateTime, nullable=True),
    Index("ix_api_token_user", "user_id"),
)

web_session = Table(
    "web_session",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("session_hash", String(64), nullable=False, unique=True),
    Column("user_id", Integer, ForeignKey("user_account.id"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("ended_at", DateTime, nullable=True),
)

change_set = Table(
    "change_set",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("organization_id", Integer, ForeignKey("organization.id"), nullable=False),
    Column("author_id", Integer, ForeignKey("user_account.id"), nullable=True),
    Column("author_label", String(200), nullable=False),
    Column("kind", String(16), nullable=False),  # "contribution" or "bulk"
    Column("title", String(300), nullable=False),
    Column("state", String(16), nullable=False),  # submitted, approved, rejected
    Column("private", Integer, nullable=False),  # 1 when it holds private facts
    Column("bundle", Text, nullable=False),  # canonical JSON of the bundle, or file digests
    Column("summary", Text, nullable=False),  # the plan's counts when submitted
    Column("submitted_at", DateTime, nullable=False),
    Column("reviewer_id", Integer, ForeignKey("user_account.id"), nullable=True),
    Column("reviewed_at", DateTime, nullable=True),
    Column("review_comment", Text, nullable=True),
    Column("grade", Integer, nullable=True),
    Index("ix_change_set_state", "state"),
    Index("ix_change_set_organization", "organization_id"),
)

# The outbox: what each published change set changed, in order (id), written in the same
# transaction as the facts. Alerts (issue 7) read it from a watermark.
change_event = Table(
    "change_event",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("change_set_id", Integer, ForeignKey("change_set.id"), nullable=False),
    Column("kind", String(16), nullable=False),  # added, superseded, retracted
    Column("fact_id", Integer, ForeignKey("fact.id"), nullable=False),
    Column("market", String(16), nullable=False),
    Column("property", String(128), nullable=False),
    Column("qualifiers_key", Text, nullable=False),
    Column("scope", String(32), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Index("ix_change_event_change_set", "change_set_id"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime, nullable=False),
    Column("actor_id", Integer, ForeignKey("user_account.id"), nullable=True),
    Column("actor_label", String(200), nullable=False),
    Column("organization_id", Integer, ForeignKey("organization.id"), nullable=True),
    Column("action", String(64), nullable=False),
    Column("target", String(200), nullable=False),
    Column("before", Text, nullable=True),
    Column("after", Text, nullable=True),
    Index("ix_audit_log_organization", "organization_id"),
)

credit_entry = Table(
    "credit_entry",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("organization_id", Integer, ForeignKey("organization.id"), nullable=False),
    Column("at", DateTime, nullable=False),
    Column("delta", Integer, nullable=False),
    Column("reason", String(200), nullable=False),
    Column("change_set_id", Integer, ForeignKey("change_set.id"), nullable=True),
    Index("ix_credit_entry_organization", "organization_id"),
)

# An organization's private vehicle models (issue 6): the validated spec as canonical JSON.
vehicle_model = Table(
    "vehicle_model",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("organization_id", Integer, ForeignKey("organization.id"), nullable=False),
    Column("slug", String(64), nullable=False),
    Column("spec", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    UniqueConstraint("organization_id", "slug", name="uq_vehicle_model_organization_slug"),
)

# Which models an organization sells or plans in which markets, from when (valid time).
portfolio_entry = Table(
    "portfolio_entry",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("organization_id", Integer, ForeignKey("organization.id"), nullable=False),
    Column("model_id", Integer, ForeignKey("vehicle_model.id"), nullable=False),
    Column("market", String(16), ForeignKey("market.code"), nullable=False),
    Column("status", String(16), nullable=False),  # sold or planned
    Column("valid_from", Date, nullable=True),
    Column("valid_to", Date, nullable=True),
    CheckConstraint("status IN ('sold', 'planned')", name="ck_portfolio_entry_status"),
    Index("ix_portfolio_entry_organization", "organization_id"),
    Index("ix_portfolio_entry_model", "model_id"),
)

# -- Alerts (issue 7, migration 0004) ----------------------------------------------------------
# A saved filter of one organization; list-valued criteria are canonical JSON arrays.
watchlist = Table(
    "watchlist",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("organization_id", Integer, ForeignKey("organization.id"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("markets", Text, nullable=False),
    Column("dimensions", Text, nullable=False),
    Column("properties", Text, nullable=False),
    Column("qualifiers", Text, nullable=False),
    Column("min_severity", String(8), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Index("ix_watchlist_organization", "organization_id"),
)

# A valid_from date that came within a horizon (90/30/7 days): emitted once per fact and horizon.
deadline_event = Table(
    "deadline_event",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("fact_id", Integer, ForeignKey("fact.id"), nullable=False),
    Column("horizon_days", Integer, nullable=False),
    Column("market", String(16), nullable=False),
    Column("property", String(128), nullable=False),
    Column("qualifiers_key", Text, nullable=False),
    Column("scope", String(32), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("fact_id", "horizon_days", name="uq_deadline_event_fact_horizon"),
)

# Watermarks of the alert producers ("change_event", "deadline_event") and of digests.
alert_cursor = Table(
    "alert_cursor",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

# What one organization is told, once per cause; read_at makes the in-app inbox.
alert = Table(
    "alert",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("organization_id", Integer, ForeignKey("organization.id"), nullable=False),
    Column("cause", String(64), nullable=False),  # digest of the cause, see alerts/matching.py
    Column("kind", String(16), nullable=False),  # change, deadline, assessment
    Column("severity", String(8), nullable=False),
    Column("rank", Integer, nullable=False),  # severity rank: 0 blocker ... 3 info
    Column("market", String(16), nullable=False),
    Column("property", String(128), nullable=True),
    Column("title", Text, nullable=False),
    Column("detail", Text, nullable=False),  # canonical JSON: before/after, citations
    Column("change_set_id", Integer, ForeignKey("change_set.id"), nullable=True),
    Column("created_at", DateTime, nullable=False),
    Column("read_at", DateTime, nullable=True),
    UniqueConstraint("organization_id", "cause", name="uq_alert_organization_cause"),
    Index("ix_alert_organization_id", "organization_id", "id"),
)

# Where an organization's alerts go besides its inbox: a webhook URL or an e-mail address.
alert_channel = Table(
    "alert_channel",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("organization_id", Integer, ForeignKey("organization.id"), nullable=False),
    Column("kind", String(16), nullable=False),  # webhook, email
    Column("target", Text, nullable=False),
    Column("secret", String(128), nullable=True),  # webhook signing key
    Column("cadence", String(16), nullable=False),  # immediate, daily, weekly
    Column("min_severity", String(8), nullable=False),
    Column("digest_position", Integer, nullable=False),  # last alert id put in a digest
    Column("digest_at", DateTime, nullable=True),
    Column("created_at", DateTime, nullable=False),
    Column("disabled_at", DateTime, nullable=True),
    Index("ix_alert_channel_organization", "organization_id"),
)

# The delivery queue: one row per (alert or digest, channel); workers claim rows with a lease.
delivery = Table(
    "delivery",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("channel_id", Integer, ForeignKey("alert_channel.id"), nullable=False),
    Column("alert_id", Integer, ForeignKey("alert.id"), nullable=True),
    Column("idempotency_key", String(64), nullable=False, unique=True),
    Column("payload", Text, nullable=False),
    Column("state", String(16), nullable=False),  # pending, delivered, dead
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", DateTime, nullable=False),
    Column("window_start", DateTime, nullable=False),  # retries run 24 h from here
    Column("claimed_until", DateTime, nullable=True),
    Column("claim_token", String(32), nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", DateTime, nullable=False),
    Column("delivered_at", DateTime, nullable=True),
    Index("ix_delivery_due", "state", "next_attempt_at"),
)

# Secret tokens that open an organization's Atom feed (in the URL), revocable.
feed_token = Table(
    "feed_token",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("organization_id", Integer, ForeignKey("organization.id"), nullable=False),
    Column("prefix", String(16), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", DateTime, nullable=False),
    Column("revoked_at", DateTime, nullable=True),
)
