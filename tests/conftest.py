"""Fixtures: a real, migrated database per test, on SQLite and (when available) PostgreSQL.

PostgreSQL runs when AUTOATLAS_TEST_POSTGRES_URL is set (`make test` sets it when the server
answers). Each test gets its own database, copied from a template that was initialised once,
so tests are isolated and fast on both backends.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from autoatlas.atlas import Atlas
from autoatlas.config import Settings
from autoatlas.store.engine import create_engine
from backends import BACKENDS, POSTGRES_URL, admin_engine, url_with_database, worker


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = create_engine(f"sqlite:///{path}")
    Atlas(Settings(database_url=f"sqlite:///{path}"), engine=engine).init()
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    if not POSTGRES_URL:
        pytest.skip("AUTOATLAS_TEST_POSTGRES_URL is not set")
    name = f"autoatlas_tpl_{worker()}_{os.getpid()}"
    admin = admin_engine()
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = url_with_database(name)
    engine = create_engine(url)
    Atlas(Settings(database_url=url), engine=engine).init()
    engine.dispose()
    yield name
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a fresh, initialised database (markets loaded, operator organization)."""
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "atlas.db"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    template = request.getfixturevalue("postgres_template")
    name = f"autoatlas_t_{uuid.uuid4().hex[:12]}"
    admin = admin_engine()
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    yield url_with_database(name)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture
def atlas(database_url: str) -> Iterator[Atlas]:
    service = Atlas(Settings(database_url=database_url))
    yield service
    service.engine.dispose()


@pytest.fixture
def write_bundle(tmp_path: Path) -> Callable[..., Path]:
    """Write a bundle (a dict, or raw text) to a file and return its path."""
    counter = iter(range(10_000))

    def write(content: Any, name: str | None = None, suffix: str = ".yaml") -> Path:
        path = tmp_path / (name or f"bundle{next(counter)}{suffix}")
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_text(yaml.safe_dump(content, sort_keys=False, allow_unicode=True))
        return path

    return write
