"""Property-based: any sequence of imports, corrections and retractions keeps the store's
invariants, and "as known at T" always answers what a query at T answered."""

from __future__ import annotations

import itertools
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autoatlas.atlas import Atlas
from autoatlas.config import Settings
from autoatlas.domain.periods import Period
from autoatlas.errors import BundleError
from backends import BACKENDS, admin_engine, url_with_database
from factories import SOURCE

DUTY = "trade.import_duty.passenger_bev"
YEARS = [date(year, 1, 1) for year in range(2018, 2031, 2)]
PROBES = [date(2017, 6, 1), *[date(year, 7, 1) for year in range(2018, 2031)]]
QUALIFIERS = [{}, {"origin": "CN"}]


@st.composite
def operations(draw: st.DrawFn) -> dict[str, object]:
    start = draw(st.none() | st.sampled_from(YEARS))
    end = draw(st.none() | st.sampled_from(YEARS))
    if start is not None and end is not None and end <= start:
        start, end = (end, start) if end < start else (start, None)
    fact: dict[str, object] = {"market": "TH", "property": DUTY}
    qualifiers = draw(st.sampled_from(QUALIFIERS))
    if qualifiers:
        fact["qualifiers"] = qualifiers
    if start:
        fact["valid_from"] = start
    if end:
        fact["valid_to"] = end
    if draw(st.integers(0, 4)) == 0:
        return {**fact, "retract": True}
    return {**fact, "value": draw(st.sampled_from([0, 10, 40, 80])), "sources": ["src"]}


@contextmanager
def fresh_atlas(backend: str, request: pytest.FixtureRequest) -> Iterator[Atlas]:
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "atlas.db"
            shutil.copyfile(template, path)
            atlas = Atlas(Settings(database_url=f"sqlite:///{path}"))
            yield atlas
            atlas.engine.dispose()
        return
    template_name = request.getfixturevalue("postgres_template")
    name = f"autoatlas_h_{uuid.uuid4().hex[:12]}"
    admin = admin_engine()
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"')
    atlas = Atlas(Settings(database_url=url_with_database(name)))
    try:
        yield atlas
    finally:
        atlas.engine.dispose()
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def snapshot(atlas: Atlas, known_at: object = None) -> list[tuple[date, str, object]]:
    found = []
    for day in PROBES:
        for fact in atlas.profile("TH", as_of=day, known_at=known_at):  # type: ignore[arg-type]
            found.append((day, str(fact.qualifiers), fact.value))
    return found


def assert_one_current_value(atlas: Atlas) -> None:
    with atlas.engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT qualifiers_key, scope, valid_from, valid_to FROM fact "
                "WHERE superseded_at IS NULL"
            )
        ).all()
    by_statement: dict[tuple[str, str], list[Period]] = {}
    for row in rows:
        by_statement.setdefault((row[0], row[1]), []).append(Period(row[2], row[3]))
    for periods in by_statement.values():
        for a, b in itertools.combinations(periods, 2):
            assert not a.overlaps(b), (a, b)


def clock(atlas: Atlas) -> object:
    with atlas.engine.connect() as connection:
        return connection.execute(sa.text("SELECT last_tx FROM store_clock")).scalar_one()


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(operations(), min_size=1, max_size=8))
def test_any_sequence_keeps_one_current_value_and_known_at_replays(
    backend: str, request: pytest.FixtureRequest, steps: list[dict[str, object]]
) -> None:
    with fresh_atlas(backend, request) as atlas, tempfile.TemporaryDirectory() as folder:
        seen: list[tuple[object, list[tuple[date, str, object]]]] = []
        for index, step in enumerate(steps):
            path = Path(folder) / f"step{index}.yaml"
            path.write_text(yaml.safe_dump({"sources": [SOURCE], "facts": [step]}))
            before = snapshot(atlas)
            try:
                atlas.import_files([path])
            except BundleError:
                assert snapshot(atlas) == before  # a refused step changes nothing
            assert_one_current_value(atlas)
            seen.append((clock(atlas), snapshot(atlas)))
        for moment, answer in seen:
            assert snapshot(atlas, known_at=moment) == answer
