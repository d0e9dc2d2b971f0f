"""The world map: Natural Earth countries (npm `world-atlas`, countries-110m.json, vendored in
`data/`) turned from TopoJSON into SVG paths once per process, and a choropleth drawn on the
server from one colour per market.

Geometry ids are ISO 3166-1 numeric codes; they are mapped to alpha-2 with pycountry.
Shapes without an id (Kosovo, N. Cyprus, Somaliland) are drawn grey and lead nowhere.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from html import escape
from importlib import resources
from typing import Any

import pycountry

from autoatlas.atlas import Atlas
from autoatlas.domain.facts import Fact
from autoatlas.store.catalog import scope_versions
from autoatlas.vocabulary import Vocabulary
from autoatlas.vocabulary.markets import load_market_catalogue
from autoatlas.web.present import format_value, numeric, qualifiers_text

__all__ = [
    "MAP_CHOICES",
    "NO_DATA",
    "MapChoice",
    "Shape",
    "World",
    "choropleth",
    "choropleth_svg",
    "map_choice",
    "shapes",
]

WIDTH, HEIGHT = 960.0, 470.0
NO_DATA = "#d9d9d9"
_KOSOVO = "XK"


@dataclass(frozen=True, slots=True)
class Shape:
    code: str | None  # ISO 3166-1 alpha-2, None when the geometry has no id
    name: str
    path: str  # SVG path data in the map's coordinates


def _equal_earth(lon: float, lat: float) -> tuple[float, float]:
    """Equal Earth projection (Šavrič, Patterson, Jenny 2018), scaled to the map's box."""
    a1, a2, a3, a4 = 1.340264, -0.081106, 0.000893, 0.003796
    theta = math.asin(math.sqrt(3) / 2 * math.sin(math.radians(lat)))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = (
        2
        * math.sqrt(3)
        * math.radians(lon)
        * math.cos(theta)
        / (3 * (9 * a4 * t6 * t2 + 7 * a3 * t6 + 3 * a2 * t2 + a1))
    )
    y = theta * (a1 + a2 * t2 + t6 * (a3 + a4 * t2))
    scale = WIDTH / (2 * 2.7066297319215575)  # the projection's x extent is ±2.7066
    return WIDTH / 2 + x * scale, HEIGHT / 2 - y * scale


def _decode_arcs(topology: Mapping[str, object]) -> list[list[tuple[float, float]]]:
    transform = topology["transform"]
    assert isinstance(transform, dict)
    (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
    arcs: list[list[tuple[float, float]]] = []
    raw_arcs = topology["arcs"]
    assert isinstance(raw_arcs, list)
    for raw in raw_arcs:
        x = y = 0
        points = []
        for dx, dy in raw:
            x += dx
            y += dy
            points.append(_equal_earth(x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def _ring(arcs: list[list[tuple[float, float]]], indexes: Sequence[int]) -> str:
    points: list[tuple[float, float]] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc[1:] if points else arc)
    if len(points) < 3:
        return ""
    parts = [f"M{points[0][0]:.1f},{points[0][1]:.1f}"]
    last = (round(points[0][0], 1), round(points[0][1], 1))
    for x, y in points[1:]:
        here = (round(x, 1), round(y, 1))
        if here == last:
            continue
        # A ring cut at the antimeridian jumps across the map: move there, do not draw.
        command = "M" if abs(here[0] - last[0]) > WIDTH / 2 else "L"
        parts.append(f"{command}{here[0]:.1f},{here[1]:.1f}")
        last = here
    return "".join(parts) + "Z"


def _alpha2(numeric: str | None, name: str) -> str | None:
    if numeric is None:
        return _KOSOVO if name == "Kosovo" else None
    country = pycountry.countries.get(numeric=numeric.zfill(3))
    return country.alpha_2 if country is not None else None


@cache
def shapes() -> tuple[Shape, ...]:
    """Every country of the vendored geometry as an SVG path (computed once per process)."""
    text = resources.files("autoatlas.web").joinpath("data/countries-110m.json").read_text()
    topology = json.loads(text)
    arcs = _decode_arcs(topology)
    found = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        kind = geometry.get("type")
        polygons = (
            geometry["arcs"]
            if kind == "MultiPolygon"
            else [geometry["arcs"]]
            if kind == "Polygon"
            else []
        )
        path = "".join(_ring(arcs, ring) for polygon in polygons for ring in polygon)
        name = geometry.get("properties", {}).get("name", "")
        if path:
            found.append(Shape(_alpha2(geometry.get("id"), name), name, path))
    return tuple(found)


def choropleth_svg(
    fills: Mapping[str, str],
    titles: Mapping[str, str],
    *,
    href: str = "/markets/{code}",
    title: str = "",
) -> str:
    """An inline SVG of the world: each market with a fill colour is drawn in it, with a hover
    title and a link to its page; the rest are grey. Every text is escaped here."""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="worldmap" role="img" '
        f'viewBox="0 0 {WIDTH:.0f} {HEIGHT:.0f}" preserveAspectRatio="xMidYMid meet">',
        f"<title>{escape(title)}</title>",
    ]
    for shape in shapes():
        fill = fills.get(shape.code or "", NO_DATA)
        label = titles.get(shape.code or "", shape.name)
        body = (
            f'<path d="{shape.path}" fill="{escape(fill)}" stroke="#fff" stroke-width="0.5">'
            f"<title>{escape(label)}</title></path>"
        )
        if shape.code:
            link = escape(href.format(code=shape.code))
            body = f'<a href="{link}" data-code="{shape.code}">{body}</a>'
        parts.append(body)
    parts.append("</svg>")
    return "".join(parts)


# -- the choropleth of one property ----------------------------------------------------

_SEQUENTIAL = ("#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c")
_CATEGORICAL = (
    "#4e79a7",
    "#f28e2b",
    "#59a14f",
    "#e15759",
    "#76b7b2",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
)
_OTHER = "#9c755f"

#: The properties offered in the map's list: (property, qualifiers as "k:v,k:v").
MAP_CHOICES: tuple[tuple[str, str], ...] = (
    ("roads.driving_side", ""),
    ("charging.dc_connector", ""),
    ("trade.additional_duty.passenger_bev", "origin:CN"),
    ("trade.import_duty.passenger_bev", ""),
    ("market.bev_share", ""),
    ("trade.vat.rate", ""),
    ("trade.fta_china.in_force", ""),
    ("charging.ac_connector", ""),
    ("climate.temp_min_c", ""),
    ("market.chinese_brands_present", ""),
)


@dataclass(frozen=True, slots=True)
class MapChoice:
    property: str
    qualifiers: dict[str, str]


@dataclass(frozen=True, slots=True)
class World:
    svg: str
    data: dict[str, Any]


def map_choice(vocabulary: Vocabulary, prop: str | None, qualifier: str | None) -> MapChoice:
    """The property to draw (a preset's qualifiers unless the request names its own)."""
    chosen = prop or MAP_CHOICES[2][0]
    vocabulary.property(chosen)  # unknown: the error names the closest ids
    if qualifier is None:
        qualifier = dict(MAP_CHOICES).get(chosen, "")
    pairs = dict(part.split(":", 1) for part in qualifier.split(",") if ":" in part)
    return MapChoice(chosen, pairs)


def _pick(facts: Sequence[Fact], qualifiers: dict[str, str]) -> Fact | None:
    exact = [f for f in facts if f.qualifiers == qualifiers]
    if exact:
        return exact[0]
    if qualifiers:
        return None
    fewest = sorted(facts, key=lambda f: (len(f.qualifiers), f.id))
    return fewest[0] if fewest else None


_LOCK = threading.Lock()
_FACTS: dict[tuple[Any, ...], dict[str, Fact]] = {}


def _values(atlas: Atlas, choice: MapChoice, as_of: date) -> dict[str, Fact]:
    """One fact per country on the map (inherited ones included), cached per public version."""
    with atlas.read() as connection:
        version = scope_versions(connection, ["public"]).get("public")
    qualifiers = tuple(sorted(choice.qualifiers.items()))
    key: tuple[Any, ...] = (str(atlas.engine.url), choice.property, qualifiers, as_of, version)
    with _LOCK:
        if key in _FACTS:
            return _FACTS[key]
    catalogue = load_market_catalogue()
    codes = sorted({s.code for s in shapes() if s.code and s.code in catalogue})
    found = atlas.compare(codes, properties=[choice.property], as_of=as_of)
    picked = {
        code: fact for code, facts in found.items() if (fact := _pick(facts, choice.qualifiers))
    }
    with _LOCK:
        if len(_FACTS) > 64:
            _FACTS.clear()
        _FACTS[key] = picked
    return picked


def _classes(numbers: list[float]) -> list[float]:
    ordered = sorted(set(numbers))
    if len(ordered) <= len(_SEQUENTIAL):
        return ordered
    return [ordered[round(i * (len(ordered) - 1) / (len(_SEQUENTIAL) - 1))] for i in range(5)]


def choropleth(atlas: Atlas, choice: MapChoice, as_of: date, language: str) -> World:
    """The map of one property on one date, its legend, and the value of each market."""
    prop = atlas.vocabulary.property(choice.property)
    facts = _values(atlas, choice, as_of)
    texts = {c: format_value(prop, f.value, f.unit, language) for c, f in facts.items()}
    numbers = {c: n for c, f in facts.items() if (n := numeric(f.value)) is not None}
    fills: dict[str, str] = {}
    legend: list[dict[str, str]] = []
    if numbers and len(numbers) == len(facts):
        bounds = _classes(list(numbers.values()))
        for code, number in numbers.items():
            band = max(i for i, b in enumerate(bounds) if number >= b)
            fills[code] = _SEQUENTIAL[min(band, len(_SEQUENTIAL) - 1)]
        for i, bound in enumerate(bounds):
            shown = format_value(prop, bound, prop.unit, language)
            legend.append({"colour": _SEQUENTIAL[min(i, 4)], "label": f"≥ {shown}"})
    else:
        counts: dict[str, int] = {}
        for text in texts.values():
            counts[text] = counts.get(text, 0) + 1
        top = sorted(counts, key=lambda t: (-counts[t], t))[: len(_CATEGORICAL)]
        palette = dict(zip(top, _CATEGORICAL, strict=False))
        fills = {code: palette.get(text, _OTHER) for code, text in texts.items()}
        legend = [{"colour": palette[t], "label": f"{t} ({counts[t]})"} for t in top]
        if len(counts) > len(top):
            legend.append({"colour": _OTHER, "label": "…"})
    names = {s.code: s.name for s in shapes() if s.code}
    titles = {code: f"{names.get(code, code)}: {text}" for code, text in texts.items()}
    label = prop.label.get(language)
    if choice.qualifiers:
        label += f" ({qualifiers_text(atlas.vocabulary, choice.qualifiers, language)})"
    svg = choropleth_svg(fills, titles, title=label)
    data = {
        "property": choice.property,
        "qualifiers": choice.qualifiers,
        "label": label,
        "legend": legend,
        "values": {
            code: {"text": texts[code], "value": f.value, "inherited_from": f.inherited_from}
            for code, f in sorted(facts.items())
        },
    }
    return World(svg, data)
