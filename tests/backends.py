"""Where the test databases live: SQLite always, PostgreSQL when AUTOATLAS_TEST_POSTGRES_URL
is set. A plain module (not conftest) so test modules can import it under xdist."""

from __future__ import annotations

import os

import sqlalchemy as sa

from autoatlas.store.engine import create_engine

__all__ = ["BACKENDS", "POSTGRES_URL", "admin_engine", "url_with_database", "worker"]

POSTGRES_URL = os.environ.get("AUTOATLAS_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", *(["postgresql"] if POSTGRES_URL else [])]


def worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def admin_engine() -> sa.Engine:
    assert POSTGRES_URL
    return create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")


def url_with_database(name: str) -> str:
    assert POSTGRES_URL
    return sa.make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
