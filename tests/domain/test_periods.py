from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autoatlas.domain.periods import Period

days = st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 12, 31))
ends = st.none() | days


@st.composite
def periods(draw: st.DrawFn) -> Period:
    start, end = draw(ends), draw(ends)
    if start is not None and end is not None:
        if start == end:
            end = start + timedelta(days=1)
        start, end = min(start, end), max(start, end)
    return Period(start, end)


def test_valid_to_must_follow_valid_from() -> None:
    with pytest.raises(ValueError, match="valid_to .* must be after valid_from"):
        Period(date(2025, 1, 1), date(2025, 1, 1))


def test_end_is_exclusive() -> None:
    year = Period(date(2024, 1, 1), date(2025, 1, 1))
    assert year.contains(date(2024, 12, 31))
    assert not year.contains(date(2025, 1, 1))
    assert not year.overlaps(Period(date(2025, 1, 1), None))


@given(periods(), periods(), days)
def test_minus_covers_exactly_what_the_other_does_not(a: Period, b: Period, day: date) -> None:
    pieces = a.minus(b)
    in_pieces = sum(piece.contains(day) for piece in pieces)
    assert in_pieces == (1 if a.contains(day) and not b.contains(day) else 0)
    assert all(not piece.overlaps(b) for piece in pieces)


@given(periods(), periods())
def test_overlap_is_symmetric_and_matches_a_shared_day(a: Period, b: Period) -> None:
    assert a.overlaps(b) == b.overlaps(a)
    if a.overlaps(b):
        starts = [p.start for p in (a, b) if p.start is not None]
        shared = max(starts) if starts else date(2000, 1, 1)
        if not starts:
            ends_ = [p.end for p in (a, b) if p.end is not None]
            shared = min(ends_) - timedelta(days=1) if ends_ else shared
        assert a.contains(shared) and b.contains(shared)
