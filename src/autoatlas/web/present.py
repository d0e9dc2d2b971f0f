"""Facts as people read them: values with units and vocabulary labels in the page's language.

Pure functions over library data (no database, no HTTP): the same dictionaries feed the HTML
templates and the pages' JSON twins.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from autoatlas.domain.facts import Fact
from autoatlas.store.queries import MarketRow
from autoatlas.vocabulary import Datatype, Label, Property, Vocabulary

__all__ = [
    "fact_view",
    "format_value",
    "group_by_dimension",
    "market_name",
    "market_view",
    "numeric",
    "qualifiers_text",
]

_UNITS = {
    "percent": "%",
    "degC": "°C",
    "km_per_h": "km/h",
    "kilometer / hour": "km/h",
    "mph": "mph",
}


def market_name(row: MarketRow, language: str) -> str:
    """Both names: the page's language first (`Germany 德国` / `德国 Germany`)."""
    first, second = (row.name_zh, row.name_en) if language == "zh" else (row.name_en, row.name_zh)
    return first if not second or second == first else f"{first} {second}"


def market_view(row: MarketRow, language: str) -> dict[str, Any]:
    return {
        "code": row.code,
        "kind": row.kind,
        "name_en": row.name_en,
        "name_zh": row.name_zh,
        "name": market_name(row, language),
        "parent": row.parent,
    }


def _unit(unit: str | None) -> str:
    if not unit:
        return ""
    return _UNITS.get(unit, unit)


def _number(value: float | int) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def format_value(prop: Property | None, value: Any, unit: str | None, language: str) -> str:
    """One value as text: labels of enum and set members, numbers with their unit."""
    if prop is not None and prop.datatype in (Datatype.ENUM, Datatype.SET):
        members = value if isinstance(value, list) else [value]
        return ", ".join(prop.value_label(str(m)).get(language) for m in members)
    if isinstance(value, bool):
        yes_no = {True: ("yes", "是"), False: ("no", "否")}[value]
        return yes_no[1] if language == "zh" else yes_no[0]
    if isinstance(value, int | float):
        text = _number(value)
        shown = _unit(unit)
        if shown == "%":
            return f"{text} %"
        return f"{text} {shown}".strip()
    if isinstance(value, dict):
        if "amount" in value:
            try:
                amount = _number(float(value["amount"]))
            except (TypeError, ValueError):
                amount = str(value["amount"])
            return f"{amount} {value.get('currency', '')}".strip()
        if "min" in value or "max" in value:
            low, high = value.get("min", ""), value.get("max", "")
            return f"{low}–{high} {_unit(unit)}".strip()
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def numeric(value: Any) -> float | None:
    """The number a timeline can plot, if the value has one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, dict) and "amount" in value:
        try:
            return float(value["amount"])
        except (TypeError, ValueError):
            return None
    return None


def qualifiers_text(vocabulary: Vocabulary, qualifiers: dict[str, str], language: str) -> str:
    parts = []
    for key, value in sorted(qualifiers.items()):
        qualifier = vocabulary.qualifiers.get(key)
        name = qualifier.label.get(language) if qualifier is not None else key
        parts.append(f"{name}: {value}")
    return "; ".join(parts)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def fact_view(vocabulary: Vocabulary, fact: Fact, language: str) -> dict[str, Any]:
    """Everything a page shows of one fact, and the raw fact for the JSON twin."""
    prop = vocabulary.properties.get(fact.property)
    label = prop.label if prop is not None else Label(fact.property, fact.property)
    return {
        "id": fact.id,
        "market": fact.market,
        "property": fact.property,
        "dimension": prop.dimension if prop is not None else "",
        "label": label.get(language),
        "description": prop.description.get(language) if prop is not None else "",
        "value": fact.value,
        "unit": fact.unit,
        "text": format_value(prop, fact.value, fact.unit, language),
        "number": numeric(fact.value),
        "qualifiers": fact.qualifiers,
        "qualifiers_text": qualifiers_text(vocabulary, fact.qualifiers, language),
        "qualifiers_query": ",".join(f"{k}:{v}" for k, v in sorted(fact.qualifiers.items())),
        "valid_from": _iso(fact.period.start),
        "valid_to": _iso(fact.period.end),
        "confidence": fact.confidence,
        "visibility": str(fact.visibility),
        "organization": fact.organization,
        "recorded_at": fact.recorded_at.isoformat(),
        "superseded_at": fact.superseded_at.isoformat() if fact.superseded_at else None,
        "note": fact.note,
        "inherited_from": fact.inherited_from,
        "sources": [source.as_dict() for source in fact.sources],
    }


def group_by_dimension(
    vocabulary: Vocabulary, views: Iterable[dict[str, Any]], language: str
) -> list[dict[str, Any]]:
    """Fact views grouped by dimension in the vocabulary's order, each with its label."""
    groups: dict[str, list[dict[str, Any]]] = {d: [] for d in vocabulary.dimensions}
    for view in views:
        groups.setdefault(view["dimension"], []).append(view)
    return [
        {
            "id": dimension,
            "label": vocabulary.dimensions[dimension].label.get(language)
            if dimension in vocabulary.dimensions
            else dimension,
            "facts": facts,
        }
        for dimension, facts in groups.items()
        if facts
    ]


def source_list(views: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The distinct sources the facts of a page cite, for its footer."""
    seen: dict[str, dict[str, Any]] = {}
    for view in views:
        for source in view["sources"]:
            seen.setdefault(source.get("url") or source["title"], source)
    return list(seen.values())
