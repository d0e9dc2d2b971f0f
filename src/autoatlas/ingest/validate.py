"""Checking raw bundle items against the vocabulary and the markets: all errors, at once.

Validation never stops at the first problem: it returns every issue with its place, so a
contributor fixes a bundle in one round. Only a bundle without issues reaches the planner.
"""

from __future__ import annotations

import difflib
import itertools
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import orjson

from autoatlas.domain.facts import CONFIDENCES, SOURCE_KINDS, FactInput, Source, Visibility
from autoatlas.domain.periods import Period
from autoatlas.domain.values import (
    CONTROL_CHARACTERS,
    canonical_qualifiers,
    normalise_qualifiers,
    normalise_value,
    parse_date,
)
from autoatlas.errors import Issue
from autoatlas.ingest.formats import RawBundle, RawItem
from autoatlas.vocabulary import Property, Vocabulary

__all__ = ["Checked", "find_conflicts", "validate_bundle"]

FACT_FIELDS = (
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
    "retract",
)
SOURCE_FIELDS = (
    "id",
    "kind",
    "title",
    "publisher",
    "url",
    "published",
    "accessed",
    "language",
    "quote",
    "locator",
)
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


@dataclass(slots=True)
class Checked:
    """A validated bundle: canonical facts, or the issues that stop it."""

    facts: list[FactInput] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)


class _Bad(Exception):
    """One problem with one field of one item."""

    def __init__(self, field_name: str | None, message: str) -> None:
        super().__init__(message)
        self.field_name = field_name
        self.message = message


def _suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {close[0]}?)" if close else ""


def _text(data: dict[str, Any], name: str, *, required: bool = False, limit: int = 2000) -> Any:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise _Bad(name, f"{name} is required")
        return None
    if not isinstance(value, str):
        raise _Bad(name, f"{name} must be text, got {value!r}")
    if len(value) > limit:
        raise _Bad(name, f"{name} is longer than {limit} characters")
    if CONTROL_CHARACTERS.search(value):
        raise _Bad(name, f"{name} holds a control character (only tab and line breaks are allowed)")
    return value.strip()


def _date(data: dict[str, Any], name: str) -> date | None:
    try:
        return parse_date(data.get(name), name)
    except ValueError as exc:
        raise _Bad(name, str(exc)) from None


def _unknown_fields(data: dict[str, Any], allowed: tuple[str, ...]) -> None:
    for key in data:
        if key not in allowed and key != "_csv":
            raise _Bad(str(key), f"unknown field {key!r}{_suggest(str(key), allowed)}")


def _source(data: Any, *, inline: bool) -> Source:
    if not isinstance(data, dict):
        raise _Bad(None, f"a source is a mapping, got {data!r}")
    _unknown_fields(data, SOURCE_FIELDS)
    kind = _text(data, "kind", required=True)
    if kind not in SOURCE_KINDS:
        raise _Bad("kind", f"source kind {kind!r} is not one of {', '.join(SOURCE_KINDS)}")
    url = _text(data, "url")
    if url is not None and not _URL.match(url):
        raise _Bad("url", f"url must be an http(s) address, got {url!r}")
    language = _text(data, "language", limit=16)
    if language is not None and not _LANGUAGE.match(language):
        raise _Bad(
            "language", f"language must be a BCP 47 tag like en or zh-Hans, got {language!r}"
        )
    if not inline:
        _text(data, "id", required=True, limit=200)
    return Source(
        kind=kind,
        title=_text(data, "title", required=True),
        publisher=_text(data, "publisher"),
        url=url,
        published=_date(data, "published"),
        accessed=_date(data, "accessed"),
        language=language,
        quote=_text(data, "quote", limit=5000),
        locator=_text(data, "locator", limit=500),
    )


@dataclass(slots=True)
class _Context:
    vocabulary: Vocabulary
    market_exists: Callable[[str], str | None]  # returns an error message, or None
    sources: dict[str, Source]
    file: str
    inline: dict[bytes, Source] = field(default_factory=dict)


def _fact_sources(data: dict[str, Any], context: _Context) -> tuple[Source, ...]:
    raw = data.get("sources")
    if isinstance(raw, str):
        raw = [part.strip() for part in raw.split(";") if part.strip()]
    if not raw or not isinstance(raw, list):
        raise _Bad("sources", "every fact needs at least one source (a list of source ids)")
    found: list[Source] = []
    for item in raw:
        if isinstance(item, dict):
            found.append(_inline_source(item, context))
        elif isinstance(item, str) and item in context.sources:
            found.append(context.sources[item])
        else:
            hint = _suggest(str(item), context.sources)
            raise _Bad("sources", f"source {item!r} is not defined in this bundle{hint}")
    return tuple(dict.fromkeys(found))


def _inline_source(item: dict[str, Any], context: _Context) -> Source:
    """A source given inside a fact (CSV rows repeat the same few): parsed once per content."""
    try:
        key = orjson.dumps(item, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return _source(item, inline=True)
    found = context.inline.get(key)
    if found is None:
        found = context.inline[key] = _source(item, inline=True)
    return found


def _parse_csv_value(prop: Property, value: Any) -> Any:
    """CSV cells are text: read them as the property's datatype expects.

    Structured values (a set as a JSON list, a range or money as a JSON object) are JSON in
    their cell; a text value stays exactly the text of its cell, brackets and all.
    """
    if not isinstance(value, str):
        return value
    kind = str(prop.datatype)
    if kind == "bool":
        lowered = value.strip().lower()
        if lowered in ("true", "false"):
            return lowered == "true"
    if kind in ("set", "range", "money") and value.strip()[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            raise _Bad("value", f"{prop.id}: the cell is not valid JSON: {value[:60]!r}") from None
    return value


def _fact(item: RawItem, context: _Context) -> FactInput:
    data = item.data
    if not isinstance(data, dict):
        raise _Bad(None, f"a fact is a mapping, got {type(data).__name__}")
    _unknown_fields(data, FACT_FIELDS)
    code = _text(data, "market", required=True, limit=32)
    code = code.upper()
    problem = context.market_exists(code)
    if problem:
        raise _Bad("market", problem)
    prop_id = _text(data, "property", required=True, limit=128)
    prop = context.vocabulary.properties.get(prop_id)
    if prop is None:
        hint = _suggest(prop_id, context.vocabulary.properties)
        raise _Bad("property", f"unknown property {prop_id!r}{hint}")
    retract = data.get("retract", False)
    if retract not in (True, False, "true", "false"):
        raise _Bad("retract", f"retract must be true or false, got {retract!r}")
    retract = retract in (True, "true")
    try:
        qualifiers = normalise_qualifiers(
            prop, data.get("qualifiers"), context.vocabulary.qualifiers
        )
    except ValueError as exc:
        raise _Bad("qualifiers", str(exc)) from None
    start, end = _date(data, "valid_from"), _date(data, "valid_to")
    try:
        period = Period(start, end)
    except ValueError as exc:
        raise _Bad("valid_to", str(exc)) from None
    confidence = _text(data, "confidence") or "medium"
    if confidence not in CONFIDENCES:
        raise _Bad("confidence", f"confidence must be one of {', '.join(CONFIDENCES)}")
    visibility = _text(data, "visibility") or "public"
    if visibility not in ("public", "private"):
        raise _Bad("visibility", "visibility must be public or private")
    sources: tuple[Source, ...] = ()
    if retract:
        value, unit, number = None, None, None
    else:
        raw_value = data.get("value")
        if data.get("_csv"):
            raw_value = _parse_csv_value(prop, raw_value)
        unit_raw = data.get("unit")
        if unit_raw is not None and not isinstance(unit_raw, str):
            raise _Bad("unit", f"unit must be text, got {unit_raw!r}")
        try:
            normal = normalise_value(prop, raw_value, unit_raw)
        except ValueError as exc:
            field_name = "unit" if "unit" in str(exc) and unit_raw else "value"
            raise _Bad(field_name, f"{prop.id}: {exc}") from None
        value, unit, number = normal.value, normal.unit, normal.number
        sources = _fact_sources(data, context)
    return FactInput(
        market=code,
        property=prop.id,
        value=value,
        unit=unit,
        qualifiers=qualifiers,
        qualifiers_key=canonical_qualifiers(qualifiers),
        period=period,
        sources=sources,
        confidence=confidence,
        visibility=Visibility(visibility),
        checked=_date(data, "checked"),
        note=_text(data, "note", limit=5000),
        number=number,
        retract=retract,
        file=context.file,
        line=item.line,
    )


def find_conflicts(facts: Iterable[FactInput]) -> list[Issue]:
    """Facts of one import that claim the same statement for overlapping periods."""
    issues: list[Issue] = []
    by_statement: dict[tuple[str, ...], list[FactInput]] = defaultdict(list)
    for fact in facts:
        by_statement[(*fact.statement, str(fact.visibility))].append(fact)
    for group in by_statement.values():
        if len(group) < 2:
            continue
        group.sort(key=lambda f: (f.period.start is not None, f.period.start))
        for first, second in itertools.pairwise(group):
            if first.period.overlaps(second.period):
                where = f"{first.file}:{first.line}" if first.line else first.file
                issues.append(
                    Issue(
                        f"conflicts with the fact at {where}: both give {first.market} "
                        f"{first.property} for {second.period}",
                        file=second.file,
                        line=second.line,
                        field="valid_from",
                    )
                )
    return issues


def validate_bundle(
    bundle: RawBundle,
    vocabulary: Vocabulary,
    market_exists: Callable[[str], str | None],
) -> Checked:
    checked = Checked(issues=list(bundle.issues))
    sources: dict[str, Source] = {}
    for item in bundle.sources:
        try:
            parsed = _source(item.data, inline=False)
        except _Bad as bad:
            checked.issues.append(item.issue(bundle.file, bad.message, bad.field_name))
            continue
        key = str(item.data["id"])
        if key in sources:
            checked.issues.append(
                item.issue(bundle.file, f"source id {key!r} is defined twice", "id")
            )
        sources[key] = parsed
    context = _Context(vocabulary, market_exists, sources, bundle.file)
    for item in bundle.facts:
        try:
            checked.facts.append(_fact(item, context))
        except _Bad as bad:
            checked.issues.append(item.issue(bundle.file, bad.message, bad.field_name))
    return checked
