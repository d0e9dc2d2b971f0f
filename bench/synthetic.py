"""The synthetic dataset: markets × statements × yearly versions, written as one CSV bundle.

Deterministic (random.Random(42)): the same arguments give the same bytes. Every market gets
the same statements (a numeric property, bare or narrowed by qualifiers), each in `versions`
consecutive yearly periods [2006-01-01, 2007-01-01) ... the last one open-ended, all cited to
one source per market.
"""

from __future__ import annotations

import csv
import itertools
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pycountry

from autoatlas.ingest.formats import CSV_COLUMNS
from autoatlas.vocabulary import Property, Vocabulary

__all__ = ["FIRST_YEAR", "Dataset", "Statement", "choose_markets", "choose_statements", "write_csv"]

FIRST_YEAR = 2006
NUMERIC = ("number", "percent", "integer")
# Blocs come first so that even a small run exercises inheritance (EU members follow soon in
# pycountry's order); then every ISO 3166-1 country. pycountry knows 249, so a full run of 250
# markets is EU plus all countries.
BLOCS = ("EU",)
# Values to narrow statements with, per qualifier (enum qualifiers use the vocabulary's own).
QUALIFIER_VALUES = {
    "origin": ("CN", "DE", "JP", "US", "KR"),
    "maker": ("BYD", "SAIC", "Geely"),
    "city": ("Capital", "Port city", "Second city"),
    "scheme": ("S1", "S2", "S3"),
    "band": ("B1", "B2", "B3"),
}
# Plausible magnitudes by unit, so values look like data (validation checks type, not range).
RANGES = {"percent": (0.0, 100.0), "g/km": (50.0, 200.0), "degC": (-40.0, 45.0)}


@dataclass(frozen=True, slots=True)
class Statement:
    prop: Property
    qualifiers: dict[str, str]


@dataclass(frozen=True, slots=True)
class Dataset:
    path: Path
    markets: list[str]
    statements: list[Statement]
    versions: int
    facts: int
    sources: int


def choose_markets(count: int) -> list[str]:
    countries = [c.alpha_2 for c in pycountry.countries]
    codes = [*BLOCS, *countries]
    if count > len(codes):
        raise ValueError(f"at most {len(codes)} markets (blocs plus ISO 3166-1 countries)")
    return codes[:count]


def _variants(prop: Property, vocabulary: Vocabulary) -> Iterator[dict[str, str]]:
    """Qualifier combinations for one property: one key at a time, then pairs."""
    values = {}
    for key in prop.qualifiers:
        spec = vocabulary.qualifiers[key]
        values[key] = tuple(spec.values[:4]) if spec.values else QUALIFIER_VALUES.get(key, ("A",))
    for key in prop.qualifiers:
        for value in values[key]:
            yield {key: value}
    for first, second in itertools.combinations(prop.qualifiers, 2):
        for a, b in itertools.product(values[first], values[second]):
            yield {first: a, second: b}


def choose_statements(vocabulary: Vocabulary, count: int) -> list[Statement]:
    """Every numeric property bare, then qualified variants round-robin until `count`."""
    numeric = sorted(
        (p for p in vocabulary.properties.values() if str(p.datatype) in NUMERIC),
        key=lambda p: p.id,
    )
    chosen = [Statement(p, {}) for p in numeric][:count]
    streams = [(p, _variants(p, vocabulary)) for p in numeric if p.qualifiers]
    while len(chosen) < count and streams:
        for entry in list(streams):
            prop, stream = entry
            variant = next(stream, None)
            if variant is None:
                streams.remove(entry)
            elif len(chosen) < count:
                chosen.append(Statement(prop, variant))
    if len(chosen) < count:
        raise ValueError(f"the vocabulary yields only {len(chosen)} numeric statements")
    return chosen


def _value(prop: Property, rng: random.Random) -> str:
    if str(prop.datatype) == "integer":
        return str(rng.randint(2025, 2050) if prop.id.endswith(".year") else rng.randint(0, 500))
    low, high = RANGES.get(prop.unit or "", (0.0, 1000.0))
    return f"{rng.uniform(low, high):.2f}"


def _source(code: str, name: str) -> str:
    return json.dumps(
        [
            {
                "kind": "official_statistics",
                "title": f"Synthetic market statistics: {name}",
                "publisher": "AutoAtlas benchmark",
                "url": f"https://example.org/autoatlas-bench/{code.lower()}",
                "published": "2025-06-30",
            }
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )


def write_csv(
    path: Path,
    markets: list[str],
    statements: list[Statement],
    versions: int,
    names: dict[str, str],
) -> Dataset:
    """Write the bundle (one fact a row, our CSV columns) and describe it."""
    rng = random.Random(42)
    path.parent.mkdir(parents=True, exist_ok=True)
    confidences = ("high", "medium", "low")
    starts = [date(FIRST_YEAR + i, 1, 1).isoformat() for i in range(versions + 1)]
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        for code in markets:
            sources = _source(code, names.get(code, code))
            for statement in statements:
                qualifiers = (
                    json.dumps(statement.qualifiers, separators=(",", ":"))
                    if statement.qualifiers
                    else ""
                )
                unit = statement.prop.unit or ""
                for version in range(versions):
                    valid_to = starts[version + 1] if version < versions - 1 else ""
                    writer.writerow(
                        (
                            code,
                            statement.prop.id,
                            _value(statement.prop, rng),
                            unit,
                            qualifiers,
                            starts[version],
                            valid_to,
                            sources,
                            rng.choice(confidences),
                            "public",
                            "",
                            "",
                        )
                    )
                    rows += 1
    return Dataset(path, markets, statements, versions, rows, len(markets))
