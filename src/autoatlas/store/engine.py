"""Engines, migrations and the one transaction primitive of the store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from autoatlas.store.schema import store_clock

__all__ = ["WriteTx", "connect", "create_engine", "migrate", "write_tx"]


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, decide when transactions begin (savepoints work then).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA busy_timeout = 30000")
    cursor.close()


def _sqlite_on_begin(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN")


def create_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`: SQLite with WAL and foreign keys on, or PostgreSQL via psycopg."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = sa.create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_on_connect)
        sa.event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` with the packaged Alembic migrations."""
    from alembic import command  # imported here: only init needs it, and it is slow to load
    from alembic.config import Config

    config = Config()
    config.set_main_option(
        "script_location", str(resources.files("autoatlas.store") / "migrations")
    )
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


@contextmanager
def connect(engine: Engine) -> Iterator[Connection]:
    """A read-only unit of work: one consistent snapshot, rolled back at the end."""
    with engine.connect() as connection, connection.begin():
        yield connection


@dataclass(frozen=True, slots=True)
class WriteTx:
    """An open write transaction and its transaction time (recorded_at / superseded_at)."""

    connection: Connection
    now: datetime


@contextmanager
def write_tx(engine: Engine) -> Iterator[WriteTx]:
    """The one write primitive: commit on success, roll back on any error.

    Locks the clock row first, so writers are serialised and every transaction gets a time
    strictly after the previous one: "as known at T" never sees half of a later write.
    """
    with engine.begin() as connection:
        yield WriteTx(connection, _tick(connection))


def _tick(connection: Connection) -> datetime:
    connection.execute(sa.update(store_clock).where(store_clock.c.id == 1).values(id=1))
    last: datetime = connection.execute(
        sa.select(store_clock.c.last_tx).where(store_clock.c.id == 1)
    ).scalar_one()
    now = max(datetime.now(UTC).replace(tzinfo=None), last + timedelta(microseconds=1))
    connection.execute(sa.update(store_clock).where(store_clock.c.id == 1).values(last_tx=now))
    return now
