"""The fit score: 100 for a model nothing stands in the way of, less what each finding costs.

Each counted finding takes a share of what is left of the score (its severity's weight),
largest shares first: one blocker leaves 60, two leave 36, three 22, so a market needing
three fixes still ranks above one needing six, where points simply subtracted from 100 left
both at the floor of 0. A finding's cost in points is what it took off the score (rounded
score before it less rounded score after it), so the costs add up to 100 − score exactly and
the explanation reads "charging.dc_connector blocker −40, regulation.un_r155 blocker −24, …".

Monotone by construction (tests/assess/test_scoring.py): a finding multiplies what is left by
1 − weight ≤ 1, so adding one never raises the score and clearing one never lowers it.
The weights and their rationale are documented in docs/assessment.md ("Fit score").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from autoatlas.rules.engine import Finding, Status

__all__ = [
    "WEIGHTS",
    "Counted",
    "Penalty",
    "ScoreWeights",
    "counted",
    "explain",
    "fit_score",
    "penalties_of",
    "points",
]

Penalty = tuple[str, str, int]  # rule, why, points


@dataclass(frozen=True, slots=True)
class ScoreWeights:
    """The share of the remaining score a counted finding takes, by what it is."""

    blocker: float = 0.40  # cannot be sold as it is: one alone leaves 60
    major: float = 0.15  # a costly change or a large cost
    minor: float = 0.05  # a small change or cost
    info: float = 0.0  # information costs nothing
    unknown: float = 0.02  # no fact to decide: not knowing is a risk too

    def __post_init__(self) -> None:
        for name in ("blocker", "major", "minor", "info", "unknown"):
            value = getattr(self, name)
            if not 0 <= value < 1:
                raise ValueError(f"score weight {name} must be in [0, 1), got {value}")

    def of(self, finding: Finding) -> tuple[str, float]:
        """Why the finding counts and its weight (0: it does not count)."""
        if finding.status is Status.UNKNOWN:
            return "unknown — no fact", self.unknown
        if finding.status in (Status.FAIL, Status.NOTE):
            return str(finding.severity), getattr(self, str(finding.severity))
        return str(finding.severity), 0.0


WEIGHTS = ScoreWeights()


def _rounded(value: float) -> int:
    # Half up, and immune to float noise such as 100 * 0.6 = 60.00000000000001.
    return int(value + 0.5 + 1e-9)


Counted = tuple[float, str, str]  # weight, rule, why


def counted(findings: Iterable[Finding], weights: ScoreWeights = WEIGHTS) -> list[Counted]:
    """The findings that cost points, with their weight, in the findings' order."""
    found = []
    for finding in findings:
        why, weight = weights.of(finding)
        if weight > 0:
            found.append((weight, finding.rule, why))
    return found


def _heaviest(item: Counted) -> float:
    return -item[0]


@lru_cache(maxsize=4096)
def points(shares: tuple[float, ...]) -> tuple[int, ...]:
    """What each share takes off the rounded score, in turn (many assessments share one
    sequence of weights, so it is worked out once)."""
    left, shown = 100.0, 100
    found = []
    for share in shares:
        left *= 1 - share
        now = _rounded(left)
        found.append(shown - now)
        shown = now
    return tuple(found)


def explain(items: Iterable[Counted]) -> list[Penalty]:
    """The penalties of the counted findings, the heaviest first (ties keep their order)."""
    ordered = sorted(items, key=_heaviest)
    taken = points(tuple(weight for weight, _rule, _why in ordered))
    return [(rule_id, why, p) for (_w, rule_id, why), p in zip(ordered, taken, strict=True)]


def penalties_of(findings: Iterable[Finding], weights: ScoreWeights = WEIGHTS) -> list[Penalty]:
    """What each counted finding costs the fit score, the heaviest first: (rule, why, points).
    A finding that takes less than half a point off the rounded score shows 0 points."""
    return explain(counted(findings, weights))


def fit_score(penalties: Sequence[Penalty]) -> int:
    """The score the penalties explain: 100 less their points (never below 0)."""
    return max(0, 100 - sum(points for _rule, _why, points in penalties))
