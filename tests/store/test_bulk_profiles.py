"""Many profiles at once (`bulk_profiles`) answer exactly what `profile` answers per market:
inheritance from the country and dated blocs, private facts first for their organization,
statistics past their period, valid-date boundaries, order and sources included."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autoatlas.atlas import Atlas
from autoatlas.errors import NotFoundError
from autoatlas.store import queries
from autoatlas.store.bulk_profiles import bulk_profiles
from autoatlas.store.engine import write_tx
from autoatlas.store.reference import ensure_organization, organization_id
from factories import bundle

Write = Callable[..., Path]
# A bloc (EU) that GB left on 2020-02-01, a subdivision (CN-CQ) of CN, ASEAN members, and
# markets without facts of their own.
MARKETS = ["EU", "DE", "FR", "IE", "GB", "CN", "CN-CQ", "ASEAN", "TH", "MY", "US", "JP"]
BREAKS = ["2018-01-01", "2020-02-01", "2022-07-01", "2024-10-30", "2026-01-01"]
CVD = "trade.additional_duty.passenger_bev"
CHARGERS = "charging.public_chargers.total"  # a statistic


def _periods(rng: random.Random) -> list[tuple[str | None, str | None]]:
    """Back-to-back periods over some of the breaks, open or closed at either end."""
    cuts = sorted(rng.sample(BREAKS, rng.randint(1, 3)))
    starts: list[str | None] = [None if rng.random() < 0.3 else cuts[0], *cuts[1:]]
    ends: list[str | None] = [*cuts[1:], None if rng.random() < 0.6 else "2027-01-01"]
    periods = list(zip(starts, ends, strict=True))
    # Sometimes nothing after the last break: a statistic then shows its latest past figure.
    return periods[:-1] if len(periods) > 1 and rng.random() < 0.4 else periods


def _facts(rng: random.Random, *, private: bool) -> list[dict[str, Any]]:
    statements: list[tuple[str, dict[str, str], Callable[[], Any]]] = [
        ("trade.import_duty.passenger_bev", {}, lambda: rng.choice([0, 5, 10, 15.5])),
        ("roads.speed_unit", {}, lambda: rng.choice(["km/h", "mph"])),
        (CVD, {}, lambda: rng.choice([0, 7.8, 17.0])),
        (CVD, {"origin": "CN"}, lambda: rng.choice([17.0, 20.7, 35.3])),
        (CVD, {"origin": "CN", "maker": "BYD"}, lambda: rng.choice([17.0, 27.0])),
        (CHARGERS, {}, lambda: rng.randint(100, 90_000)),
    ]
    found = []
    for code in MARKETS:
        for prop, qualifiers, value in statements:
            if rng.random() < (0.25 if private else 0.55):
                continue
            if code in ("GB", "CN-CQ") and prop != "roads.speed_unit":
                continue  # they inherit the rest: from the EU (GB until 2020) and from CN
            for start, end in _periods(rng):
                item: dict[str, Any] = {"market": code, "property": prop, "value": value()}
                if qualifiers:
                    item["qualifiers"] = qualifiers
                if start:
                    item["valid_from"] = start
                if end:
                    item["valid_to"] = end
                if private:
                    item["visibility"] = "private"
                found.append(item)
    return found


def _sources(rng: random.Random) -> list[dict[str, Any]]:
    return [
        {"id": f"s{n}", "kind": "regulation", "title": f"Regulation {n}/2024"} for n in range(3)
    ]


def _cite(rng: random.Random, facts: list[dict[str, Any]]) -> dict[str, Any]:
    doc = bundle(*facts, sources=_sources(rng))
    for item in doc["facts"]:  # one, two or three sources, in varied order
        item["sources"] = rng.sample(["s0", "s1", "s2"], rng.randint(1, 3))
    return doc


@pytest.fixture
def populated(atlas: Atlas, write_bundle: Write) -> int:
    """Public facts, then BYD's private ones; returns BYD's organization id."""
    rng = random.Random(42)
    with write_tx(atlas.engine) as tx:
        ensure_organization(tx, "byd", "BYD", "enterprise")
    atlas.import_files([write_bundle(_cite(rng, _facts(rng, private=False)))])
    atlas.import_files([write_bundle(_cite(rng, _facts(rng, private=True)))], organization="byd")
    with atlas.read() as connection:
        return organization_id(connection, "byd")


DAYS = st.dates(min_value=date(2016, 6, 1), max_value=date(2027, 6, 1)) | st.sampled_from(
    [date.fromisoformat(d) + timedelta(days=k) for d in BREAKS for k in (-1, 0)]
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    on=DAYS,
    private=st.booleans(),
    with_statistics=st.booleans(),
    properties=st.none() | st.sets(st.sampled_from([CVD, CHARGERS, "roads.speed_unit"])),
    codes=st.permutations(MARKETS).map(lambda codes: codes[: len(codes) // 2 + 1]),
)
def test_bulk_profiles_equal_one_profile_per_market(
    atlas: Atlas,
    populated: int,
    on: date,
    private: bool,
    with_statistics: bool,
    properties: set[str] | None,
    codes: list[str],
) -> None:
    viewer = populated if private else None
    statistics = atlas.statistics if with_statistics else frozenset()
    chosen = None if properties is None else sorted(properties)
    with atlas.read() as connection:
        one_by_one = {
            code: queries.profile(
                connection,
                code,
                as_of=on,
                viewer_org_id=viewer,
                properties=chosen,
                statistics=statistics,
            )
            for code in codes
        }
        together = bulk_profiles(
            connection,
            codes,
            as_of=on,
            viewer_org_id=viewer,
            properties=chosen,
            statistics=statistics,
        )
    assert list(together) == codes
    assert together == one_by_one


def test_the_data_exercises_inheritance_privacy_and_statistics(
    atlas: Atlas, populated: int
) -> None:
    """The cross-check above is only as good as its data: make sure the cases occur."""
    with atlas.read() as connection:
        found = bulk_profiles(
            connection,
            MARKETS,
            as_of=date(2019, 6, 1),
            viewer_org_id=populated,
            statistics=atlas.statistics,
        )
    facts = [f for profile in found.values() for f in profile]
    assert {f.inherited_from for f in found["GB"]} & {"EU"}  # GB still in the EU in 2019
    assert {f.inherited_from for f in found["CN-CQ"]} & {"CN"}
    assert any(f.organization == "byd" for f in facts)
    assert any(f.property == CHARGERS and f.period.end for f in facts)
    assert any(len(f.sources) > 1 for f in facts)
    with atlas.read() as connection:
        after = bulk_profiles(connection, ["GB"], as_of=date(2021, 1, 1))
    assert not any(f.inherited_from == "EU" for f in after["GB"])


def test_an_unknown_market_is_named(atlas: Atlas) -> None:
    with atlas.read() as connection, pytest.raises(NotFoundError, match="'XX'"):
        bulk_profiles(connection, ["DE", "XX"], as_of=date(2025, 1, 1))
