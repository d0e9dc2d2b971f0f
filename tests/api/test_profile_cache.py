"""The profile route's cache: the same answers as without it, never stale, never shared
across organizations; and the fact shape it writes is the response schema's."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from api_world import API, MFN, World, approve, client_for, submit
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autoatlas.api import render
from autoatlas.api.profile_cache import ProfileCache, span_index
from autoatlas.api.profiles import warm_profiles
from autoatlas.api.schemas import FactPublic
from autoatlas.domain.facts import Fact, Source, Visibility
from autoatlas.domain.periods import Period
from autoatlas.store.queries import markets_with_facts
from factories import bundle

DAYS = st.dates(min_value=date(1985, 1, 1), max_value=date(2035, 12, 31))
MARKETS = st.sampled_from(["DE", "FR", "TH", "GB", "EU"])


def _dated_world(world: World, tmp_path: Path) -> None:
    """Values that change on several dates, on the market and on its bloc."""
    path = tmp_path / "dated.yaml"
    path.write_text(
        yaml.safe_dump(
            bundle(
                {"market": "EU", "property": MFN, "value": 12, "valid_from": "2020-07-01"},
                {"market": "DE", "property": MFN, "value": 9, "valid_from": "2030-01-01"},
                {
                    "market": "TH",
                    "property": "market.bev_share",
                    "value": 4,
                    "unit": "percent",
                    "valid_from": "2023-01-01",
                    "valid_to": "2024-01-01",
                },
                {
                    "market": "TH",
                    "property": "roads.speed_unit",
                    "value": "km/h",
                    "valid_from": "2001-05-05",
                    "valid_to": "2029-02-28",
                },
            ),
            sort_keys=False,
        )
    )
    world.atlas.import_files([path])


@pytest.fixture
def uncached(world: World) -> TestClient:
    yield from client_for(world.atlas, profile_cache_mb=0)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(market=MARKETS, days=st.lists(DAYS, min_size=1, max_size=6))
def test_cached_answers_equal_uncached_ones(
    client: TestClient,
    uncached: TestClient,
    world: World,
    tmp_path: Path,
    market: str,
    days: list[date],
) -> None:
    if not getattr(world, "_dated", False):
        _dated_world(world, tmp_path)
        world._dated = True  # type: ignore[attr-defined]
    for day in days:
        url = f"{API}/markets/{market}/profile"
        cached = client.get(url, params={"as_of": day.isoformat()})
        fresh = uncached.get(url, params={"as_of": day.isoformat()})
        assert cached.status_code == fresh.status_code == 200
        assert cached.json() == fresh.json(), day
        assert cached.headers["etag"] == fresh.headers["etag"]


def test_a_span_is_computed_once_and_a_write_is_seen_at_once(
    client: TestClient, world: World
) -> None:
    cache: ProfileCache = client.app.state.profile_cache  # type: ignore[attr-defined]
    url = f"{API}/markets/TH/profile"
    first = client.get(url, params={"as_of": "2012-03-04"}).json()
    misses = cache.misses
    again = client.get(url, params={"as_of": "2018-11-30"}).json()  # same span: 2010 onwards
    assert cache.misses == misses and cache.hits >= 1
    assert again["as_of"] == "2018-11-30" and again["facts"] == first["facts"]

    approve(
        world,
        "op_reviewer",
        submit(world, "contributor", {"market": "TH", "property": MFN, "value": 60}),
    )
    after = client.get(url, params={"as_of": "2018-11-30"}).json()
    assert [f["value"] for f in after["facts"] if f["property"] == MFN] == [60]


def test_a_private_answer_is_never_served_to_another_organization(
    client: TestClient, world: World
) -> None:
    approve(
        world,
        "reviewer",
        submit(
            world,
            "contributor",
            {
                "market": "TH",
                "property": "roads.speed_unit",
                "value": "mph",
                "visibility": "private",
            },
        ),
    )
    url = f"{API}/markets/TH/profile"
    params = {"as_of": "2026-01-01"}
    for who in ("admin", "b_admin", None, "viewer"):  # acme warms the cache first
        facts = client.get(url, params=params, headers=world.headers(who)).json()["facts"]
        private = [f for f in facts if f["visibility"] == "private"]
        assert len(private) == (1 if who in ("admin", "viewer") else 0), who


def test_unknown_market_is_a_404_whatever_the_cache(client: TestClient) -> None:
    answer = client.get(f"{API}/markets/XX/profile")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("application/problem+json")


def test_the_cache_evicts_the_least_recently_used_beyond_its_bytes() -> None:
    cache = ProfileCache(max_bytes=600)
    noise = random.Random(0)
    bodies = {key: noise.randbytes(250) for key in range(4)}  # incompressible: ~260 B each
    for key, body in bodies.items():
        cache.put(key, body)
        assert cache.size <= 600
    assert len(cache) == 2  # 0 and 1 went, least recently used first
    assert cache.get(3) == bodies[3] and cache.get(2) == bodies[2]
    assert cache.get(0) is None and cache.get(1) is None
    assert ProfileCache(max_bytes=0).enabled is False


def test_span_index_puts_every_day_of_a_span_together() -> None:
    breakpoints = (date(2020, 1, 1), date(2024, 10, 30))
    assert span_index(breakpoints, date(2019, 12, 31)) == 0
    assert span_index(breakpoints, date(2020, 1, 1)) == 1
    assert span_index(breakpoints, date(2024, 10, 29)) == 1
    assert span_index(breakpoints, date(2024, 10, 30)) == 2


OPTIONAL = st.none() | st.text(min_size=1, max_size=12)
SOURCES = st.builds(
    Source,
    kind=st.sampled_from(["law", "statistics", "report"]),
    title=st.text(min_size=1, max_size=20),
    publisher=OPTIONAL,
    url=OPTIONAL,
    published=st.none() | DAYS,
    accessed=st.none() | DAYS,
    language=OPTIONAL,
    quote=OPTIONAL,
    locator=OPTIONAL,
)


@settings(max_examples=100, deadline=None)
@given(
    sources=st.lists(SOURCES, max_size=3),
    inherited=st.none() | st.just("EU"),
    start=st.none() | DAYS,
    checked=st.none() | DAYS,
    note=OPTIONAL,
    value=st.integers() | st.text(max_size=5) | st.booleans(),
)
def test_render_fact_is_the_schema_shape(
    sources: list[Source],
    inherited: str | None,
    start: date | None,
    checked: date | None,
    note: str | None,
    value: object,
) -> None:
    fact = Fact(
        id=7,
        market="DE",
        property=MFN,
        value=value,
        unit=None,
        qualifiers={"origin": "CN"},
        period=Period(start, start + timedelta(days=3) if start else None),
        confidence="high",
        visibility=Visibility.PUBLIC,
        organization="autoatlas",
        recorded_at=datetime(2026, 1, 2, 3, 4, 5),
        superseded_at=None,
        sources=tuple(sources),
        checked=checked,
        note=note,
        inherited_from=inherited,
    )
    direct = render.fact(fact)
    through_schema = FactPublic.model_validate(fact.as_dict()).model_dump(mode="json")
    assert direct == through_schema
    assert list(direct) == list(through_schema)  # the same order of fields, too


def test_a_warmed_cache_answers_todays_public_profiles_without_computing(
    client: TestClient, uncached: TestClient, world: World
) -> None:
    cache: ProfileCache = client.app.state.profile_cache  # type: ignore[attr-defined]
    built = warm_profiles(cache, world.atlas, datetime.now(UTC).date())
    with world.atlas.read() as connection:
        assert built == len(markets_with_facts(connection)) > 0
    misses = cache.misses
    for code in ("DE", "TH", "EU"):
        warm = client.get(f"{API}/markets/{code}/profile")
        assert warm.json() == uncached.get(f"{API}/markets/{code}/profile").json()
    assert cache.misses == misses, "today's public profiles were already there"
