"""The fit score is monotone and explains itself: adding a finding never raises it, clearing
a blocker never lowers it, and the penalties add up to what it lost."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autoatlas.assess.scoring import WEIGHTS, ScoreWeights, fit_score, penalties_of
from autoatlas.rules.engine import Finding, Severity, Status, Text

FINDINGS = st.builds(
    lambda rule, status, severity: Finding(rule, status, severity, Text("m", "m")),
    st.sampled_from(["a", "b", "c", "d"]),
    st.sampled_from(list(Status)),
    st.sampled_from(list(Severity)),
)


def score(findings: list[Finding]) -> int:
    return fit_score(penalties_of(findings))


@given(st.lists(FINDINGS, max_size=40), FINDINGS, st.integers(min_value=0, max_value=40))
def test_adding_a_finding_never_raises_the_score(
    findings: list[Finding], extra: Finding, where: int
) -> None:
    more = [*findings[:where], extra, *findings[where:]]
    assert score(more) <= score(findings)


@given(st.lists(FINDINGS, max_size=40), st.data())
def test_clearing_a_blocker_never_lowers_the_score(
    findings: list[Finding], data: st.DataObject
) -> None:
    blockers = [
        i
        for i, f in enumerate(findings)
        if f.severity is Severity.BLOCKER and f.status is Status.FAIL
    ]
    if not blockers:
        findings = [*findings, Finding("z", Status.FAIL, Severity.BLOCKER, Text("m", "m"))]
        blockers = [len(findings) - 1]
    i = data.draw(st.sampled_from(blockers))
    cleared = findings[i]
    passed = Finding(cleared.rule, Status.OK, Severity.INFO, cleared.message)
    fixed = [*findings[:i], passed, *findings[i + 1 :]]
    assert score(fixed) >= score(findings)
    assert score([*findings[:i], *findings[i + 1 :]]) >= score(findings)


@given(st.lists(FINDINGS, max_size=60))
def test_the_penalties_add_up_to_what_the_score_lost(findings: list[Finding]) -> None:
    penalties = penalties_of(findings)
    assert 0 <= score(findings) <= 100
    assert sum(points for _r, _w, points in penalties) == 100 - score(findings)
    counted = [f for f in findings if WEIGHTS.of(f)[1] > 0]
    assert sorted(r for r, _w, _p in penalties) == sorted(f.rule for f in counted)
    points = [p for _r, _w, p in penalties]
    assert all(p >= 0 for p in points)


def _blockers(n: int) -> list[Finding]:
    return [Finding(f"r{i}", Status.FAIL, Severity.BLOCKER, Text("m", "m")) for i in range(n)]


def test_more_blockers_still_rank_lower_where_points_hit_the_floor() -> None:
    # Points subtracted from 100 (40 a blocker) put 3, 4 and 5 blockers all at 0.
    assert [score(_blockers(n)) for n in range(7)] == [100, 60, 36, 22, 13, 8, 5]
    explained = penalties_of(_blockers(3))
    assert explained == [("r0", "blocker", 40), ("r1", "blocker", 24), ("r2", "blocker", 14)]


def test_the_heaviest_findings_are_listed_first() -> None:
    findings = [
        Finding("minor", Status.FAIL, Severity.MINOR, Text("m", "m")),
        Finding("gap", Status.UNKNOWN, Severity.MINOR, Text("m", "m")),
        Finding("ok", Status.OK, Severity.INFO, Text("m", "m")),
        Finding("duty", Status.NOTE, Severity.MAJOR, Text("m", "m")),
        Finding("plug", Status.FAIL, Severity.BLOCKER, Text("m", "m")),
    ]
    assert penalties_of(findings) == [
        ("plug", "blocker", 40),
        ("duty", "major", 9),
        ("minor", "minor", 3),
        ("gap", "unknown — no fact", 1),
    ]


def test_a_weight_outside_its_range_is_refused() -> None:
    with pytest.raises(ValueError, match="blocker"):
        ScoreWeights(blocker=1.0)
