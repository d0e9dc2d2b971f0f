from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from autoatlas.atlas import Atlas
from autoatlas.store.schema import metadata


def test_migrated_schema_matches_the_metadata_queries_use(atlas: Atlas) -> None:
    with atlas.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        assert compare_metadata(context, metadata) == []


def test_sqlite_runs_with_wal_and_foreign_keys(atlas: Atlas) -> None:
    if atlas.engine.dialect.name != "sqlite":
        return
    with atlas.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_init_is_idempotent(atlas: Atlas) -> None:
    again = atlas.init()
    assert again.markets_added == 0
    with atlas.engine.connect() as connection:
        count = connection.execute(sa.text("SELECT count(*) FROM organization")).scalar()
    assert count == 1
