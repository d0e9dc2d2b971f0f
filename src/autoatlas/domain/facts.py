"""Facts and sources as plain data: what a bundle proposes and what the store holds."""

from __future__ import annotations

import builtins
import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import orjson

from autoatlas.domain.periods import Period

__all__ = [
    "CONFIDENCES",
    "SOURCE_KINDS",
    "Fact",
    "FactInput",
    "Source",
    "Visibility",
    "statement_key",
]

SOURCE_KINDS = (
    "law",
    "regulation",
    "official_statistics",
    "standard",
    "dataset",
    "company_report",
    "report",
    "news",
    "expert_judgement",
)
CONFIDENCES = ("high", "medium", "low")


class Visibility(StrEnum):
    PUBLIC = "public"
    PRIVATE = "private"


def _digest(payload: dict[str, Any]) -> str:
    return hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)).hexdigest()


@dataclass(frozen=True, slots=True)
class Source:
    """Where a fact comes from. Identified by its content: the same citation is stored once."""

    kind: str
    title: str
    publisher: str | None = None
    url: str | None = None
    published: date | None = None
    accessed: date | None = None
    language: str | None = None
    quote: str | None = None
    locator: str | None = None
    # Computed once: imports compare digests millions of times.
    digest: str = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "digest", _digest(self.as_dict()))

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "title": self.title}
        for name in ("publisher", "url", "published", "accessed", "language", "quote", "locator"):
            value = getattr(self, name)
            if value is not None:
                data[name] = value.isoformat() if isinstance(value, date) else value
        return data


@dataclass(frozen=True, slots=True)
class FactInput:
    """A fact as proposed by a bundle or a change set, already validated and canonical."""

    market: str
    property: str
    value: Any
    unit: str | None
    qualifiers: dict[str, str]
    qualifiers_key: str
    period: Period
    sources: tuple[Source, ...]
    confidence: str = "medium"
    visibility: Visibility = Visibility.PUBLIC
    checked: date | None = None
    note: str | None = None
    number: float | None = None
    retract: bool = False
    file: str = field(default="", compare=False)  # where it came from, for messages
    line: int | None = field(default=None, compare=False)
    digest: str = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "digest", self._digest())

    @builtins.property  # the field `property` shadows the builtin here
    def statement(self) -> tuple[str, str, str]:
        return statement_key(self.market, self.property, self.qualifiers_key)

    def _digest(self) -> str:
        """What makes two records of one statement the same record."""
        return _digest(
            {
                "value": self.value,
                "unit": self.unit,
                "from": self.period.start.isoformat() if self.period.start else None,
                "to": self.period.end.isoformat() if self.period.end else None,
                "sources": sorted(source.digest for source in self.sources),
                "confidence": self.confidence,
                "checked": self.checked.isoformat() if self.checked else None,
                "note": self.note,
            }
        )


def statement_key(market: str, prop: str, qualifiers_key: str) -> tuple[str, str, str]:
    return (market, prop, qualifiers_key)


@dataclass(frozen=True, slots=True)
class Fact:
    """A fact as the store holds it: one record of one statement, with both times."""

    id: int
    market: str
    property: str
    value: Any
    unit: str | None
    qualifiers: dict[str, str]
    period: Period
    confidence: str
    visibility: Visibility
    organization: str
    recorded_at: datetime
    superseded_at: datetime | None
    sources: tuple[Source, ...] = ()
    checked: date | None = None
    note: str | None = None
    inherited_from: str | None = None  # the bloc or country this market inherits it from
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "market": self.market,
            "property": self.property,
            "value": self.value,
            "unit": self.unit,
            "qualifiers": self.qualifiers,
            "valid_from": self.period.start.isoformat() if self.period.start else None,
            "valid_to": self.period.end.isoformat() if self.period.end else None,
            "confidence": self.confidence,
            "visibility": str(self.visibility),
            "organization": self.organization,
            "recorded_at": self.recorded_at.isoformat(),
            "superseded_at": self.superseded_at.isoformat() if self.superseded_at else None,
            "checked": self.checked.isoformat() if self.checked else None,
            "note": self.note,
            "sources": [source.as_dict() for source in self.sources],
        }
        if self.inherited_from:
            data["inherited_from"] = self.inherited_from
        return data
