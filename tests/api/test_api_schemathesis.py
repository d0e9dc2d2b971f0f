"""Property-based check of the whole API against its own OpenAPI document (schemathesis).

Every operation gets generated requests (with an operator admin's token) against a seeded
database on each backend: no 5xx, and every answer conforms to the document (status codes,
content types, body schemas).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator

import pytest
import schemathesis
import sqlalchemy as sa
from api_world import seed
from hypothesis import HealthCheck, settings
from schemathesis import checks

from autoatlas.api import create_app
from autoatlas.atlas import Atlas
from autoatlas.config import Settings
from autoatlas.store.engine import create_engine

POSTGRES_URL = os.environ.get("AUTOATLAS_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", *(["postgresql"] if POSTGRES_URL else [])]

# The app is built once (schemathesis reads its document at collection time); a module
# fixture points it at one seeded database per backend.
APP = create_app(Settings(database_url="sqlite://", rate_limit_per_minute=0))
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", APP)
HEADERS: dict[str, str] = {}


@pytest.fixture(scope="module", params=BACKENDS)
def seeded_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """One seeded database per backend for the whole module (seeding per operation would
    cost more than the checks themselves on PostgreSQL)."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("schemathesis") / "atlas.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    assert POSTGRES_URL
    template = request.getfixturevalue("postgres_template")
    name = f"autoatlas_st_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    yield sa.make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(scope="module")
def seeded(seeded_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    atlas = Atlas(Settings(database_url=seeded_url, rate_limit_per_minute=0))
    world = seed(atlas, tmp_path_factory.mktemp("bundles"))
    APP.state.atlas = atlas
    HEADERS.clear()
    HEADERS.update(world.headers("op_admin"))
    yield
    atlas.engine.dispose()


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_conforms_to_its_openapi_document(seeded: None, case: schemathesis.Case) -> None:  # type: ignore[type-arg]
    case.call_and_validate(
        headers=HEADERS,
        checks=[
            checks.not_a_server_error,
            checks.response_schema_conformance,
            checks.status_code_conformance,
            checks.content_type_conformance,
        ],
    )
