"""Hand corrections: read them, and let them win over the generated facts.

The corrections live in ``corrections.yaml`` beside this module (bundle format, each with a
real source). :func:`apply_corrections` removes from the generated bundles every part of a
generated fact that a correction for the same market and property covers in time: a
correction valid from 2026-01-01 cuts an open-ended generated fact back to end on
2026-01-01, and an open correction removes the generated fact whole.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from importlib import resources
from typing import Any

import yaml

from autoatlas.refdata.model import RefBundle, RefError, RefFact, RefSource, Statement

__all__ = ["CORRECTIONS_FILE", "Replaced", "apply_corrections", "load_corrections"]

CORRECTIONS_FILE = "corrections.yaml"
_SOURCE_KEYS = ("id", "kind", "title", "publisher", "url", "published", "language", "quote")
_FACT_KEYS = ("market", "property", "value", "unit", "valid_from", "valid_to", "sources")


@dataclass(frozen=True, slots=True)
class Replaced:
    """A generated fact (or the part of it) that a correction replaced."""

    bundle: str
    fact: RefFact


def _source(data: dict[str, Any]) -> RefSource:
    unknown = set(data) - {*_SOURCE_KEYS, "locator"}
    if unknown:
        raise RefError(f"{CORRECTIONS_FILE}: unknown source field(s) {sorted(unknown)}")
    return RefSource(**data)


def _fact(data: dict[str, Any]) -> RefFact:
    unknown = set(data) - {*_FACT_KEYS, "confidence", "note"}
    if unknown:
        raise RefError(f"{CORRECTIONS_FILE}: unknown fact field(s) {sorted(unknown)}")
    return RefFact(
        market=str(data["market"]),
        property=str(data["property"]),
        value=data["value"],
        sources=tuple(data["sources"]),
        unit=data.get("unit"),
        valid_from=data.get("valid_from"),
        valid_to=data.get("valid_to"),
        confidence=data.get("confidence", "medium"),
        note=data.get("note"),
    )


def load_corrections(text: str | None = None) -> RefBundle:
    """The corrections bundle (from `text`, or the packaged file)."""
    if text is None:
        text = resources.files("autoatlas.refdata").joinpath(CORRECTIONS_FILE).read_text("utf-8")
    data = yaml.safe_load(text)
    bundle = RefBundle(
        "corrections",
        [_source(s) for s in data.get("sources", [])],
        [_fact(f) for f in data.get("facts", [])],
    )
    known = {s.id for s in bundle.sources}
    for fact in bundle.facts:
        missing = set(fact.sources) - known
        if missing:
            raise RefError(f"{CORRECTIONS_FILE}: {fact.statement} cites unknown {sorted(missing)}")
    return bundle


Span = tuple[date | None, date | None]


def _minus(span: Span, cuts: Iterable[Span]) -> list[Span]:
    """The parts of `span` outside every cut (all periods half-open, None = unbounded)."""
    pieces = [span]
    for cut_start, cut_end in cuts:
        kept: list[Span] = []
        for start, end in pieces:
            if cut_start is not None and (start is None or start < cut_start):
                left_end = cut_start if end is None or end > cut_start else end
                kept.append((start, left_end))
            if cut_end is not None and (end is None or end > cut_end):
                right_start = cut_end if start is None or start < cut_end else start
                kept.append((right_start, end))
        pieces = [(s, e) for s, e in kept if s is None or e is None or s < e]
    return pieces


def apply_corrections(
    bundles: Sequence[RefBundle], corrections: RefBundle
) -> tuple[list[RefBundle], list[Replaced]]:
    """The bundles with corrected periods cut out, and what was cut."""
    cuts: dict[Statement, list[Span]] = defaultdict(list)
    for fact in corrections.facts:
        cuts[fact.statement].append((fact.valid_from, fact.valid_to))
    result: list[RefBundle] = []
    replaced: list[Replaced] = []
    for bundle in bundles:
        facts: list[RefFact] = []
        for fact in bundle.facts:
            if fact.statement not in cuts:
                facts.append(fact)
                continue
            pieces = _minus((fact.valid_from, fact.valid_to), cuts[fact.statement])
            if pieces != [(fact.valid_from, fact.valid_to)]:
                replaced.append(Replaced(bundle.name, fact))
            facts.extend(replace(fact, valid_from=s, valid_to=e) for s, e in pieces)
        used = {source for fact in facts for source in fact.sources}
        sources = [s for s in bundle.sources if s.id in used]
        result.append(RefBundle(bundle.name, sources, facts))
    return result, replaced
