"""Valid-time periods: half-open date intervals [start, end), either end may be open (None).

`end` is exclusive: the first day on which the value no longer holds. A fact valid for the
year 2024 runs from 2024-01-01 to 2025-01-01. Half-open periods make "a new value from D
closes the old one at D" exact, with no gap and no overlap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

__all__ = ["Period"]


@dataclass(frozen=True, slots=True, order=True)
class Period:
    start: date | None = None
    end: date | None = None

    def __post_init__(self) -> None:
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValueError(
                f"valid_to ({self.end}) must be after valid_from ({self.start}); "
                "valid_to is exclusive: the first day the value no longer holds"
            )

    def contains(self, day: date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day < self.end)

    def overlaps(self, other: Period) -> bool:
        starts_before_other_ends = self.start is None or other.end is None or self.start < other.end
        ends_after_other_starts = self.end is None or other.start is None or other.start < self.end
        return starts_before_other_ends and ends_after_other_starts

    def minus(self, other: Period) -> list[Period]:
        """The parts of this period that `other` does not cover (zero, one or two periods)."""
        if not self.overlaps(other):
            return [self]
        parts: list[Period] = []
        if other.start is not None and (self.start is None or self.start < other.start):
            parts.append(Period(self.start, other.start))
        if other.end is not None and (self.end is None or other.end < self.end):
            parts.append(Period(other.end, self.end))
        return parts

    def __str__(self) -> str:
        start = self.start.isoformat() if self.start else "…"
        end = self.end.isoformat() if self.end else "…"
        return f"[{start}, {end})"
