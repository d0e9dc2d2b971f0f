"""Writing facts out as bundles (YAML, JSON, CSV) in the shape `import` reads back."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from typing import Any

import orjson
import yaml

from autoatlas.domain.facts import Fact, Source
from autoatlas.errors import ValidationError
from autoatlas.ingest.formats import CSV_COLUMNS

__all__ = ["EXPORT_FORMATS", "render_bundle", "to_bundle"]

EXPORT_FORMATS = ("yaml", "json", "csv")


def _source_id(source: Source) -> str:
    return f"src-{source.digest[:10]}"


def _source_entry(source: Source) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": _source_id(source)}
    for key, value in source.as_dict().items():
        entry[key] = date.fromisoformat(value) if key in ("published", "accessed") else value
    return entry


def _fact_entry(fact: Fact) -> dict[str, Any]:
    entry: dict[str, Any] = {"market": fact.market, "property": fact.property, "value": fact.value}
    if fact.unit is not None and not (isinstance(fact.value, dict) and "currency" in fact.value):
        entry["unit"] = fact.unit
    if fact.qualifiers:
        entry["qualifiers"] = dict(fact.qualifiers)
    if fact.period.start is not None:
        entry["valid_from"] = fact.period.start
    if fact.period.end is not None:
        entry["valid_to"] = fact.period.end
    entry["sources"] = [_source_id(source) for source in fact.sources]
    entry["confidence"] = fact.confidence
    if str(fact.visibility) != "public":
        entry["visibility"] = str(fact.visibility)
    if fact.checked is not None:
        entry["checked"] = fact.checked
    if fact.note:
        entry["note"] = fact.note
    return entry


def to_bundle(facts: Sequence[Fact]) -> dict[str, Any]:
    """The bundle of these facts with the sources they cite, each source once."""
    sources: dict[str, Source] = {}
    for fact in facts:
        for source in fact.sources:
            sources.setdefault(_source_id(source), source)
    return {
        "sources": [_source_entry(source) for source in sources.values()],
        "facts": [_fact_entry(fact) for fact in facts],
    }


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _csv(facts: Sequence[Fact]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for fact in facts:
        entry = _fact_entry(fact)
        entry["sources"] = [source.as_dict() for source in fact.sources]
        writer.writerow([_csv_cell(entry.get(column)) for column in CSV_COLUMNS])
    return out.getvalue()


def render_bundle(facts: Sequence[Fact], fmt: str) -> str:
    """The text of a bundle file in `fmt` (yaml, json or csv)."""
    if fmt == "csv":
        return _csv(facts)
    bundle = to_bundle(facts)
    if fmt == "json":
        return orjson.dumps(bundle, option=orjson.OPT_INDENT_2).decode() + "\n"
    if fmt == "yaml":
        return yaml.safe_dump(bundle, sort_keys=False, allow_unicode=True, width=100)
    raise ValidationError(f"unknown export format {fmt!r}: use {', '.join(EXPORT_FORMATS)}")
