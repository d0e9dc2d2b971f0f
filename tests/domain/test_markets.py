"""Pure market values and membership functions: no files, no catalogue."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autoatlas.domain.markets import (
    Market,
    MarketKind,
    Membership,
    blocs_of,
    is_member,
    members_of,
    normalise_code,
)

FIXTURE = [
    Membership("EU", "BG", date(2007, 1, 1), None, "eu"),
    Membership("EU", "GB", date(1973, 1, 1), date(2020, 2, 1), "eu"),
    Membership("UNECE-1958", "GB", date(1963, 3, 16), None, "unece"),
    Membership("UNECE-1958", "EU", date(1998, 3, 24), None, "unece"),
    Membership("MERCOSUR", "VE", date(2012, 7, 31), date(2016, 12, 2), "m"),
    Membership("OPEN", "XX", None, None, "s"),
]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("th", "TH"),
        (" cn-cq ", "CN-CQ"),
        ("unece-1958", "UNECE-1958"),
        ("Mercosur", "MERCOSUR"),
        ("GB-ENG", "GB-ENG"),
        ("FR-75C", "FR-75C"),
    ],
)
def test_normalise_code(raw: str, expected: str) -> None:
    assert normalise_code(raw) == expected


@pytest.mark.parametrize("raw", ["", "   ", "CN--CQ", "-EU", "EU-", "C N", "德国", "EU_27"])
def test_normalise_code_rejects_malformed_codes(raw: str) -> None:
    with pytest.raises(ValueError, match="invalid market code"):
        normalise_code(raw)


def test_market_is_a_frozen_value() -> None:
    market = Market("CN-CQ", MarketKind.SUBDIVISION, "Chongqing Shi", "重庆市", "CN")
    assert market.parent == "CN"
    assert str(MarketKind.SUBDIVISION) == "subdivision"
    with pytest.raises(dataclasses.FrozenInstanceError):
        market.code = "CN-SH"  # type: ignore[misc]


def test_membership_period_is_half_open() -> None:
    gb = FIXTURE[1]
    assert not gb.active_on(date(1972, 12, 31))
    assert gb.active_on(date(1973, 1, 1))
    assert gb.active_on(date(2020, 1, 31))
    assert not gb.active_on(date(2020, 2, 1))
    assert FIXTURE[-1].active_on(date(1, 1, 1)) and FIXTURE[-1].active_on(date(9999, 12, 31))


@pytest.mark.parametrize("end", [date(2007, 1, 1), date(2006, 12, 31)])
def test_membership_must_end_after_it_starts(end: date) -> None:
    with pytest.raises(ValueError, match=r"valid_to 20.* must be after valid_from 2007-01-01"):
        Membership("EU", "BG", date(2007, 1, 1), end, "eu")


def test_blocs_of_uses_the_date() -> None:
    assert blocs_of("GB", date(2019, 6, 1), FIXTURE) == ["EU", "UNECE-1958"]
    assert blocs_of("gb", date(2020, 2, 1), FIXTURE) == ["UNECE-1958"]
    assert blocs_of("BG", date(2006, 12, 31), FIXTURE) == []
    assert blocs_of("BG", date(2007, 1, 1), FIXTURE) == ["EU"]
    assert blocs_of("VE", date(2016, 12, 2), FIXTURE) == []


def test_membership_is_not_transitive() -> None:
    # The EU is a party to the 1958 Agreement; that does not make Bulgaria one.
    assert blocs_of("EU", date(2024, 1, 1), FIXTURE) == ["UNECE-1958"]
    assert "UNECE-1958" not in blocs_of("BG", date(2024, 1, 1), FIXTURE)


def test_members_of_and_is_member() -> None:
    assert members_of("eu", date(2019, 6, 1), FIXTURE) == ["BG", "GB"]
    assert members_of("EU", date(2020, 2, 1), FIXTURE) == ["BG"]
    assert members_of("UNECE-1958", date(1990, 1, 1), FIXTURE) == ["GB"]
    assert is_member("GB", "EU", date(2020, 1, 31), FIXTURE)
    assert not is_member("GB", "EU", date(2020, 2, 1), FIXTURE)


def test_functions_accept_any_iterable_once() -> None:
    assert blocs_of("GB", date(2019, 6, 1), iter(FIXTURE)) == ["EU", "UNECE-1958"]


CODES = st.sampled_from(["AA", "BB", "CC", "DD"])
BLOCS = st.sampled_from(["B1", "B2", "B3"])
DAYS = st.dates(min_value=date(1950, 1, 1), max_value=date(2050, 12, 31))


@st.composite
def memberships(draw: st.DrawFn) -> Membership:
    start = draw(st.none() | DAYS)
    end = draw(st.none() | DAYS)
    if start is not None and end is not None and end <= start:
        end = start + timedelta(days=draw(st.integers(1, 5000)))
    return Membership(draw(BLOCS), draw(CODES), start, end, "src")


@given(st.lists(memberships(), max_size=12), DAYS)
def test_blocs_of_agrees_with_members_of(items: list[Membership], on: date) -> None:
    for member in ["AA", "BB", "CC", "DD"]:
        for bloc in ["B1", "B2", "B3"]:
            in_bloc = member in members_of(bloc, on, items)
            assert in_bloc == (bloc in blocs_of(member, on, items))
            assert in_bloc == is_member(member, bloc, on, items)
