"""Property-based: any valid bundle survives import → export → import into a fresh database
→ export, byte for byte, in YAML, JSON and CSV; and importing an export back into the
database it came from changes nothing."""

from __future__ import annotations

import itertools
import json
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autoatlas.atlas import Atlas
from autoatlas.config import Settings
from autoatlas.ingest.export import EXPORT_FORMATS
from autoatlas.store.queries import FactFilter
from backends import BACKENDS, admin_engine, url_with_database

MARKETS = ["TH", "VN", "DE", "EU", "CN-CQ"]
ORG = Settings().default_org  # imports without --org are the operator's; so are private facts


def _csv_reads_as_json(text: str) -> bool:
    stripped = text.strip()
    if stripped[:1] not in ("[", "{"):
        return False
    try:
        json.loads(stripped)
    except ValueError:
        return False
    return True


# Text as contributors write it: any letters, digits, punctuation and spaces, in any script,
# including what YAML or CSV would misread if unquoted ("no", "1.0", "a: b", "- x", "#", ",").
# Left out, as known gaps: control characters (the CSV reader turns a carriage return into a
# line break; PostgreSQL refuses NUL), and text that is a whole JSON list or object (the CSV
# reader takes it for a list or mapping).
TEXT = st.text(st.characters(categories=["L", "M", "N", "P", "S", "Zs"]), min_size=1, max_size=24)
TEXT = TEXT.filter(lambda s: s.strip() != "" and not _csv_reads_as_json(s)) | st.sampled_from(
    ["no", "NO", "true", "null", "~", "1.0", "2024-01-01", "a: b", "- x", "#1", "x, y", "'q'"]
)
NUMBER = st.integers(-(10**6), 10**6).map(lambda n: n / 100) | st.integers(-(10**12), 10**12)


@st.composite
def percent(draw: st.DrawFn) -> dict[str, Any]:
    hundredths = draw(st.integers(0, 20_000))
    if draw(st.booleans()):
        return {"value": hundredths / 10_000, "unit": "ratio"}  # 0.17 ratio is 17 percent
    return {"value": hundredths / 100, "unit": "percent"}


@st.composite
def temperature(draw: st.DrawFn) -> dict[str, Any]:
    tenths = draw(st.integers(-600, 600))
    return {"value": tenths / 10, "unit": draw(st.sampled_from(["degC", "degF", None]))}


@st.composite
def money(draw: st.DrawFn) -> dict[str, Any]:
    cents = draw(st.integers(0, 10**11))
    amount = draw(st.sampled_from([cents, cents / 100, f"{cents / 100:.2f}"]))
    return {"value": {"amount": amount, "currency": draw(st.sampled_from(["THB", "EUR", "CNY"]))}}


@st.composite
def lead_time(draw: st.DrawFn) -> dict[str, Any]:
    low, high = sorted(draw(st.lists(st.integers(0, 60), min_size=2, max_size=2)))
    unit = draw(st.sampled_from(["month", "year", None]))
    return {"value": {"min": low, "max": high}} | ({"unit": unit} if unit else {})


def plain(values: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return values.map(lambda value: {"value": value})


# property id → (value strategy, {qualifier: values})
PROPERTIES: dict[str, tuple[st.SearchStrategy[dict[str, Any]], dict[str, Any]]] = {
    "trade.import_duty.passenger_bev": (
        percent(),
        {"origin": st.sampled_from(["CN", "JP"]), "vehicle_class": st.sampled_from(["M1", "N1"])},
    ),
    "climate.temp_min_c": (temperature(), {"city": TEXT}),
    "charging.mains_voltage": (NUMBER.map(lambda n: {"value": n, "unit": "V"}), {}),
    "policy.ev_incentive.amount": (
        money(),
        {"powertrain": st.sampled_from(["BEV", "PHEV"]), "scheme": TEXT, "band": TEXT},
    ),
    "trade.import_quota.units": (plain(st.integers(0, 10**9)), {"maker": TEXT}),
    "roads.driving_side": (plain(st.sampled_from(["left", "right"])), {}),
    "charging.dc_connector": (
        plain(st.lists(st.sampled_from(["CCS2", "CHAdeMO", "GB/T", "NACS"]), min_size=1)),
        {},
    ),
    "regulation.documentation.languages": (plain(st.lists(TEXT, min_size=1, max_size=3)), {}),
    "trade.wto_member": (plain(st.booleans()), {}),
    "trade.fta_china.agreement": (plain(TEXT), {}),
    "policy.ice_phase_out.date": (
        plain(st.dates(date(2020, 1, 1), date(2050, 12, 31))),
        {"powertrain": st.sampled_from(["ICE", "HEV"])},
    ),
    "regulation.type_approval.lead_time": (lead_time(), {"vehicle_class": st.just("M1")}),
}
DAYS = st.dates(date(2000, 1, 1), date(2040, 12, 31))


@st.composite
def sources(draw: st.DrawFn) -> list[dict[str, Any]]:
    found = []
    for index in range(draw(st.integers(1, 3))):
        source: dict[str, Any] = {
            "id": f"s{index}",
            "kind": draw(st.sampled_from(["law", "regulation", "news", "dataset"])),
            "title": draw(TEXT),
        }
        optional = {
            "publisher": TEXT,
            "url": st.sampled_from(["https://example.org/a?b=1&c=2", "http://example.com/x#y"]),
            "published": DAYS,
            "accessed": DAYS,
            "language": st.sampled_from(["en", "zh-Hans", "th"]),
            "quote": TEXT,
            "locator": TEXT,
        }
        for key, strategy in optional.items():
            if draw(st.booleans()):
                source[key] = draw(strategy)
        found.append(source)
    return found


@st.composite
def statement_facts(draw: st.DrawFn, market: str, prop: str, ids: list[str]) -> list[dict]:
    """One to three facts of one statement, for periods that do not overlap."""
    values, qualifier_values = PROPERTIES[prop]
    qualifiers = {
        key: draw(strategy) for key, strategy in qualifier_values.items() if draw(st.booleans())
    }
    count = draw(st.integers(1, 3))
    bounds: list[date | None] = sorted(draw(st.sets(DAYS, min_size=count + 1, max_size=count + 1)))
    if draw(st.booleans()):
        bounds[0] = None
    if draw(st.booleans()):
        bounds[-1] = None
    visibility = draw(st.sampled_from(["public", "public", "private"]))
    facts = []
    for start, end in itertools.pairwise(bounds):
        fact: dict[str, Any] = {"market": market, "property": prop, **draw(values)}
        if qualifiers:
            fact["qualifiers"] = qualifiers
        if start:
            fact["valid_from"] = start
        if end:
            fact["valid_to"] = end
        fact["sources"] = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=2, unique=True))
        optional = {
            "confidence": st.sampled_from(["high", "medium", "low"]),
            "checked": DAYS,
            "note": TEXT,
        }
        fact |= {key: draw(s) for key, s in optional.items() if draw(st.booleans())}
        if visibility == "private":
            fact["visibility"] = "private"
        facts.append(fact)
    return facts


@st.composite
def bundles(draw: st.DrawFn) -> dict[str, Any]:
    cited = draw(sources())
    ids = [source["id"] for source in cited]
    statements = draw(
        st.lists(
            st.tuples(st.sampled_from(MARKETS), st.sampled_from(sorted(PROPERTIES))),
            min_size=1,
            max_size=5,
            unique=True,
        )
    )
    facts = [fact for m, p in statements for fact in draw(statement_facts(m, p, ids))]
    return {"sources": cited, "facts": facts}


@pytest.fixture
def postgres_pair(request: pytest.FixtureRequest) -> Iterator[tuple[Atlas, Atlas]]:
    """Two PostgreSQL databases for one test: making one costs about a second."""
    template = request.getfixturevalue("postgres_template")
    names = [f"autoatlas_r_{uuid.uuid4().hex[:12]}" for _ in range(2)]
    admin = admin_engine()
    with admin.connect() as connection:
        for name in names:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    first, second = (Atlas(Settings(database_url=url_with_database(n))) for n in names)
    yield first, second
    for atlas in (first, second):
        atlas.engine.dispose()
    with admin.connect() as connection:
        for name in names:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@contextmanager
def two_empty_databases(backend: str, request: pytest.FixtureRequest) -> Iterator[list[Atlas]]:
    """Two initialised databases without facts, new for each Hypothesis example: copies of
    the template on SQLite; on PostgreSQL the test's two databases, emptied of facts, their
    sources and change events (TRUNCATE: making a database per example costs seconds)."""
    if backend == "postgresql":
        pair: tuple[Atlas, Atlas] = request.getfixturevalue("postgres_pair")
        for atlas in pair:
            with atlas.engine.begin() as connection:
                connection.exec_driver_sql(
                    "TRUNCATE fact_source, fact, source RESTART IDENTITY CASCADE"
                )
        yield list(pair)
        return
    template: Path = request.getfixturevalue("sqlite_template")
    with tempfile.TemporaryDirectory() as folder:
        atlases = []
        for name in ("first.db", "second.db"):
            shutil.copyfile(template, Path(folder) / name)
            atlases.append(Atlas(Settings(database_url=f"sqlite:///{Path(folder) / name}")))
        yield atlases
        for atlas in atlases:
            atlas.engine.dispose()


def exports(atlas: Atlas) -> dict[str, str]:
    return {fmt: atlas.export(FactFilter(), fmt, viewer=ORG) for fmt in EXPORT_FORMATS}


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(original=bundles(), via=st.sampled_from(EXPORT_FORMATS))
def test_export_imports_back_to_the_same_bundle(
    backend: str, request: pytest.FixtureRequest, original: dict[str, Any], via: str
) -> None:
    count = len(original["facts"])
    with (
        tempfile.TemporaryDirectory() as folder,
        two_empty_databases(backend, request) as (first, second),
    ):
        source = Path(folder) / "original.yaml"
        text = yaml.safe_dump(original, sort_keys=False, allow_unicode=True)
        source.write_text(text, encoding="utf-8")
        assert first.import_files([source]).added == count
        exported = exports(first)
        for fmt, text in exported.items():
            (Path(folder) / f"export.{fmt}").write_text(text, encoding="utf-8")

        assert second.import_files([Path(folder) / f"export.{via}"]).added == count
        assert exports(second) == exported  # every format, from a fresh import of one

        for fmt in EXPORT_FORMATS:  # the export is what the database holds: nothing to do
            again = first.import_files([Path(folder) / f"export.{fmt}"])
            assert (again.added, again.superseded, again.trimmed) == (0, 0, 0), fmt
            assert again.unchanged == count, fmt
