"""Reading bundle files (YAML, JSON, CSV) into raw items that remember where they came from.

Nothing here checks meaning; it only turns bytes into mappings with a file, a line (or CSV
row) and, for YAML, the line of each field, so every later error can say where it is.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import yaml

from autoatlas.errors import Issue

__all__ = [
    "BUNDLE_SUFFIXES",
    "CSV_COLUMNS",
    "MAX_BYTES",
    "RawBundle",
    "RawItem",
    "read_bundle",
    "read_mapping",
]

BUNDLE_SUFFIXES = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".csv": "csv"}
# YAML is parsed whole into memory and slowly: big loads belong in CSV or JSON.
MAX_BYTES = {"yaml": 64 * 2**20, "json": 1024 * 2**20, "csv": 4096 * 2**20}
_JSON_LINES_UP_TO = 16 * 2**20  # past this, JSON errors name the item (facts[12]) instead
CSV_COLUMNS = (
    "market",
    "property",
    "value",
    "unit",
    "qualifiers",
    "valid_from",
    "valid_to",
    "sources",
    "confidence",
    "visibility",
    "checked",
    "note",
)


@dataclass(slots=True)
class RawItem:
    data: Any
    where: str  # "facts[3]" or "row 4"
    line: int | None = None
    fields: dict[str, int] = field(default_factory=dict)

    def issue(self, file: str, message: str, field_name: str | None = None) -> Issue:
        line = self.fields.get(field_name, self.line) if field_name else self.line
        if line is None:  # no line known: name the item itself
            path = f"{self.where}.{field_name}" if field_name else self.where
            return Issue(message, file=file, field=path)
        return Issue(message, file=file, line=line, field=field_name or None)


@dataclass(slots=True)
class RawBundle:
    file: str
    sources: list[RawItem] = field(default_factory=list)
    facts: list[RawItem] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)


class _Loader(yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader):  # type: ignore[misc]
    """Safe YAML where only true/false are booleans: `market: NO` stays Norway."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _yaml_items(text: str) -> tuple[Any, dict[str, list[tuple[int, dict[str, int]]]]]:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    lines: dict[str, list[tuple[int, dict[str, int]]]] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(value, yaml.SequenceNode):
                lines[str(key.value)] = [
                    (
                        item.start_mark.line + 1,
                        {
                            str(k.value): v.start_mark.line + 1
                            for k, v in (item.value if isinstance(item, yaml.MappingNode) else [])
                        },
                    )
                    for item in value.value
                ]
    return data, lines


def _json_lines(text: str) -> dict[str, list[tuple[int, dict[str, int]]]]:
    """Lines of JSON items, found by reading the JSON as YAML (a superset) when it is small."""
    if len(text) > _JSON_LINES_UP_TO:
        return {}
    try:
        return _yaml_items(text)[1]
    except yaml.YAMLError:
        return {}


def _structured(path: Path, text: str, kind: str, bundle: RawBundle) -> None:
    lines: dict[str, list[tuple[int, dict[str, int]]]] = {}
    try:
        if kind == "json":
            data = json.loads(text)
            lines = _json_lines(text)
        else:
            data, lines = _yaml_items(text)
    except json.JSONDecodeError as exc:
        bundle.issues.append(Issue(f"malformed JSON: {exc.msg}", file=bundle.file, line=exc.lineno))
        return
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        bundle.issues.append(Issue(f"malformed YAML: {problem}", file=bundle.file, line=line))
        return
    _collect(data, lines, bundle)


def _collect(
    data: Any, lines: dict[str, list[tuple[int, dict[str, int]]]], bundle: RawBundle
) -> None:
    if not isinstance(data, dict):
        bundle.issues.append(
            Issue(
                "a bundle is a mapping with `sources` and `facts` lists", file=bundle.file, line=1
            )
        )
        return
    unknown = set(data) - {"sources", "facts"}
    if unknown:
        bundle.issues.append(
            Issue(f"unknown top-level key(s): {', '.join(sorted(map(str, unknown)))}", bundle.file)
        )
    for section in ("sources", "facts"):
        items = data.get(section) or []
        if not isinstance(items, list):
            bundle.issues.append(Issue(f"`{section}` must be a list", bundle.file, field=section))
            continue
        where = lines.get(section, [])
        target = bundle.sources if section == "sources" else bundle.facts
        for index, item in enumerate(items):
            line, fields = where[index] if index < len(where) else (None, {})
            target.append(RawItem(item, f"{section}[{index}]", line, fields))


def _csv(text: str, bundle: RawBundle) -> None:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    missing = [c for c in ("market", "property", "value", "sources") if c not in header]
    unknown = [c for c in header if c not in CSV_COLUMNS]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"missing column(s) {', '.join(missing)}")
        if unknown:
            parts.append(f"unknown column(s) {', '.join(unknown)}")
        bundle.issues.append(Issue("; ".join(parts), file=bundle.file, line=1))
        return
    try:
        for row in reader:
            line = reader.line_num
            if None in row or any(value is None for value in row.values()):
                bundle.issues.append(
                    Issue(
                        f"expected {len(header)} columns, the row is cut or has extra cells",
                        file=bundle.file,
                        line=line,
                    )
                )
                continue
            bundle.facts.append(RawItem(_csv_fact(row), f"row {line}", line))
    except csv.Error as exc:
        bundle.issues.append(Issue(f"malformed CSV: {exc}", file=bundle.file, line=reader.line_num))


def _csv_cell(value: str) -> Any:
    """JSON for structured cells (lists, mappings), plain text otherwise."""
    stripped = value.strip()
    if stripped[:1] in ("[", "{"):
        try:
            return orjson.loads(stripped)
        except orjson.JSONDecodeError:
            return value
    return value


def _csv_fact(row: dict[str, str]) -> dict[str, Any]:
    fact: dict[str, Any] = {}
    for key, cell in row.items():
        if cell == "":
            continue
        if key in ("qualifiers", "sources"):
            fact[key] = _csv_cell(cell)
        else:
            fact[key] = cell
    fact["_csv"] = True  # the value arrives as text: the validator reads it by datatype
    return fact


def read_mapping(data: Any, name: str) -> RawBundle:
    """A bundle given as data (an API request body): errors name items, e.g. facts[3]."""
    bundle = RawBundle(name)
    _collect(data, {}, bundle)
    return bundle


def read_bundle(path: Path) -> RawBundle:
    """Read one bundle file; problems of form are returned as issues, never raised."""
    bundle = RawBundle(str(path))
    kind = BUNDLE_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        known = ", ".join(sorted(BUNDLE_SUFFIXES))
        bundle.issues.append(Issue(f"unknown bundle format (use {known})", file=bundle.file))
        return bundle
    try:
        size = path.stat().st_size
    except OSError as exc:
        bundle.issues.append(Issue(f"cannot read: {exc.strerror}", file=bundle.file))
        return bundle
    if size > MAX_BYTES[kind]:
        limit = MAX_BYTES[kind] // 2**20
        bundle.issues.append(
            Issue(
                f"file is {size / 2**20:.0f} MB, over the {limit} MB limit for {kind.upper()}; "
                "split it, or use CSV for very large loads",
                file=bundle.file,
            )
        )
        return bundle
    try:
        # newline="": CSV cells may hold line breaks, which the csv module handles itself.
        with path.open(encoding="utf-8", newline="") as handle:
            text = handle.read()
    except UnicodeDecodeError as exc:
        bundle.issues.append(Issue(f"not UTF-8 text (byte {exc.start})", file=bundle.file))
        return bundle
    if kind == "csv":
        _csv(text, bundle)
    else:
        _structured(path, text, kind, bundle)
    return bundle
