"""Typed model of the controlled property vocabulary.

The vocabulary is data (``properties.yaml``); these frozen dataclasses are what the rest of
AutoAtlas sees once :func:`autoatlas.vocabulary.load_vocabulary` has checked the file.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = [
    "DIMENSION_IDS",
    "Datatype",
    "Dimension",
    "Label",
    "Property",
    "Qualifier",
    "QualifierDatatype",
    "UnknownVocabularyIdError",
    "Vocabulary",
    "VocabularyError",
]

#: The eleven dimensions, in the order every listing and profile uses.
DIMENSION_IDS: tuple[str, ...] = (
    "policy",
    "regulation",
    "trade",
    "charging",
    "climate",
    "environment",
    "roads",
    "culture",
    "habits",
    "customs",
    "market",
)


class Datatype(StrEnum):
    """What the value of a fact about a property looks like."""

    NUMBER = "number"
    INTEGER = "integer"
    PERCENT = "percent"
    MONEY = "money"
    BOOL = "bool"
    ENUM = "enum"
    SET = "set"
    TEXT = "text"
    DATE = "date"
    RANGE = "range"


class QualifierDatatype(StrEnum):
    """What the value of a qualifier looks like."""

    COUNTRY = "country"
    TEXT = "text"
    ENUM = "enum"


class VocabularyError(ValueError):
    """The vocabulary file is broken; ``problems`` lists every problem found, one per entry."""

    def __init__(self, source: str, problems: Iterable[str]) -> None:
        self.source = source
        self.problems: tuple[str, ...] = tuple(problems)
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"invalid vocabulary {source}: {count} {noun}\n{lines}")


class UnknownVocabularyIdError(KeyError):
    """An id that the vocabulary does not know; the message suggests the closest known ids."""

    def __init__(self, kind: str, unknown: str, known: Iterable[str]) -> None:
        self.kind = kind
        self.unknown = unknown
        self.suggestions: tuple[str, ...] = tuple(
            difflib.get_close_matches(unknown, list(known), n=3, cutoff=0.6)
        )
        super().__init__(unknown)

    def __str__(self) -> str:
        message = f"unknown {self.kind} {self.unknown!r}"
        if self.suggestions:
            return f"{message}; did you mean: {', '.join(self.suggestions)}?"
        return f"{message}; see docs/vocabulary.md for the known ids"


@dataclass(frozen=True, slots=True)
class Label:
    """A text in English and Simplified Chinese."""

    en: str
    zh: str

    def get(self, language: str) -> str:
        """The text in ``language`` (``en`` or ``zh``, also ``zh-Hans``/``zh-CN``); else English."""
        return self.zh if language.lower().startswith("zh") else self.en


@dataclass(frozen=True, slots=True)
class Dimension:
    """A top-level area of the vocabulary (``trade``, ``climate``...)."""

    id: str
    label: Label
    description: Label


@dataclass(frozen=True, slots=True)
class Qualifier:
    """A key a fact may use to narrow its statement (``origin``, ``powertrain``...)."""

    id: str
    datatype: QualifierDatatype
    values: tuple[str, ...] | None
    label: Label
    description: Label


@dataclass(frozen=True, slots=True)
class Property:
    """One attribute of a market in the controlled vocabulary."""

    id: str
    dimension: str
    datatype: Datatype
    unit: str | None
    qualifiers: tuple[str, ...]
    values: tuple[str, ...] | None
    value_labels: dict[str, Label] = field(hash=False)
    label: Label
    description: Label
    # A statistic describes a period (sales in 2024): once its period ends it stays the
    # latest known figure. Other properties hold until changed, and an ended period is past.
    statistic: bool = False

    @property
    def is_closed(self) -> bool:
        """True when the allowed values are a closed list (every enum, some sets)."""
        return self.values is not None

    def allows_qualifier(self, key: str) -> bool:
        """Whether a fact about this property may carry the qualifier ``key``."""
        return key in self.qualifiers

    def value_label(self, value: str) -> Label:
        """The label of an enum or set member; the value itself when it has no label."""
        label = self.value_labels.get(value)
        return label if label is not None else Label(en=value, zh=value)


@dataclass(frozen=True, slots=True, eq=False)
class Vocabulary:
    """The whole checked vocabulary: dimensions in their order, qualifiers, properties.

    The loader caches the packaged vocabulary and hands the same object to every caller: treat
    its dictionaries as read-only.
    """

    version: str
    dimensions: dict[str, Dimension]
    qualifiers: dict[str, Qualifier]
    properties: dict[str, Property]

    def __contains__(self, property_id: object) -> bool:
        return property_id in self.properties

    def __len__(self) -> int:
        return len(self.properties)

    def statistics(self) -> frozenset[str]:
        """The properties describing a period (`statistic`): a profile shows their latest
        figure that has started even after its period ends."""
        return frozenset(p.id for p in self.properties.values() if p.statistic)

    def property(self, property_id: str) -> Property:
        """The property ``property_id``; ``KeyError`` naming the closest known ids if unknown."""
        try:
            return self.properties[property_id]
        except KeyError:
            raise UnknownVocabularyIdError("property", property_id, self.properties) from None

    def dimension(self, dimension_id: str) -> Dimension:
        """The dimension ``dimension_id``; ``KeyError`` naming the closest known ids if unknown."""
        try:
            return self.dimensions[dimension_id]
        except KeyError:
            raise UnknownVocabularyIdError("dimension", dimension_id, self.dimensions) from None

    def qualifier(self, qualifier_id: str) -> Qualifier:
        """The qualifier ``qualifier_id``; ``KeyError`` naming the closest known ids if unknown."""
        try:
            return self.qualifiers[qualifier_id]
        except KeyError:
            raise UnknownVocabularyIdError("qualifier", qualifier_id, self.qualifiers) from None

    def in_dimension(self, dimension_id: str) -> list[Property]:
        """The properties of one dimension, in file order; ``KeyError`` if the dimension is
        unknown."""
        self.dimension(dimension_id)
        return [prop for prop in self.properties.values() if prop.dimension == dimension_id]
