"""The shapes the reference-data builders produce, and how a bundle of them is written.

A builder turns one package's table into :class:`RefFact` records citing one
:class:`RefSource`; :func:`render_bundle` writes them in the fact-bundle format that
`autoatlas import` reads, sorted, so that rebuilding from the same packages changes no byte.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import yaml

from autoatlas.errors import AutoAtlasError

__all__ = [
    "CHECKED",
    "RefBundle",
    "RefError",
    "RefFact",
    "RefSource",
    "Statement",
    "render_bundle",
]

# The day this generation of reference data was checked against its packages.
CHECKED = date(2026, 11, 22)

Statement = tuple[str, str]  # (market, property): the generated properties take no qualifiers


class RefError(AutoAtlasError):
    """A package or npm folder is missing or holds data the builder cannot read."""

    code = "refdata-unavailable"
    exit_code = 2


@dataclass(frozen=True, slots=True)
class RefSource:
    """A source in the bundle shape; `id` is local to the bundle that writes it."""

    id: str
    kind: str
    title: str
    publisher: str
    url: str | None = None
    published: date | None = None
    language: str | None = None
    quote: str | None = None
    locator: str | None = None

    def entry(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "kind": self.kind, "title": self.title}
        for name in ("publisher", "url", "published", "language", "quote", "locator"):
            value = getattr(self, name)
            if value is not None:
                data[name] = value
        return data


@dataclass(frozen=True, slots=True)
class RefFact:
    market: str
    property: str
    value: Any
    sources: tuple[str, ...]
    unit: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    confidence: str = "medium"
    note: str | None = None

    @builtins.property  # the field `property` shadows the builtin here
    def statement(self) -> Statement:
        return (self.market, self.property)

    def sort_key(self) -> tuple[str, str, date]:
        return (self.market, self.property, self.valid_from or date.min)

    def entry(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "market": self.market,
            "property": self.property,
            "value": self.value,
        }
        if self.unit is not None:
            data["unit"] = self.unit
        if self.valid_from is not None:
            data["valid_from"] = self.valid_from
        if self.valid_to is not None:
            data["valid_to"] = self.valid_to
        data["sources"] = list(self.sources)
        data["confidence"] = self.confidence
        data["checked"] = CHECKED
        if self.note:
            data["note"] = self.note
        return data


@dataclass(slots=True)
class RefBundle:
    """One output file: a package family's facts and the sources they cite."""

    name: str  # file stem under data/reference/, e.g. "cldr"
    sources: list[RefSource] = field(default_factory=list)
    facts: list[RefFact] = field(default_factory=list)

    def extend(self, source: RefSource, facts: Iterable[RefFact]) -> None:
        self.sources.append(source)
        self.facts.extend(facts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "sources": [s.entry() for s in sorted(self.sources, key=lambda s: s.id)],
            "facts": [f.entry() for f in sorted(self.facts, key=RefFact.sort_key)],
        }


class _Dumper(yaml.SafeDumper):
    """Safe YAML without anchors; lists of plain values on one line, mappings in blocks."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    flat = all(not isinstance(item, (dict, list)) for item in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flat)


_Dumper.add_representer(list, _list)


def render_bundle(bundle: RefBundle, header: str) -> str:
    """The YAML text of a bundle, with `header` as a comment block on top."""
    comment = "".join(f"# {line}".rstrip() + "\n" for line in header.strip().splitlines())
    body = yaml.dump(
        bundle.as_dict(),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=False,
    )
    return comment + body
