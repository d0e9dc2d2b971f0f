"""Pages for people: home, market, history, world map, compare, search.

Each page parses its request, calls one service and renders a `Page`; the same data answers
as HTML, as JSON (`?format=json`) and as downloads. Forms (sign-in, contribute, review,
settings) are in `forms.py`; both sit on `router`, mounted at `/` by the app.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from autoatlas.errors import Issue, NotFoundError, ValidationError
from autoatlas.search import index_for
from autoatlas.search import search as search_service
from autoatlas.vocabulary.markets import UnknownMarketError, load_market_catalogue
from autoatlas.web import alerts, assessments, forms, present, vehicles
from autoatlas.web.context import WebContext, web_context
from autoatlas.web.map import MAP_CHOICES, choropleth, map_choice
from autoatlas.web.render import Page, respond
from autoatlas.web.timeline import timeline_svg
from autoatlas.web.webroute import WebRoute

__all__ = ["router"]

router = APIRouter(route_class=WebRoute, include_in_schema=False)
Context = Depends(web_context)


def _date(request: Request, name: str, default: date) -> date:
    raw = request.query_params.get(name)
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        message = f"{name}: {raw!r} is not a date (YYYY-MM-DD)"
        raise ValidationError(message, [Issue(message, field=name)]) from None


def _viewer(context: WebContext) -> str | None:
    return context.principal.organization


def _choices(context: WebContext) -> list[dict[str, str]]:
    """The map's list of properties, labelled in the page's language."""
    vocabulary = context.atlas.vocabulary
    return [
        {
            "property": prop,
            "qualifier": qualifier,
            "label": vocabulary.property(prop).label.get(context.language)
            + (f" ({qualifier})" if qualifier else ""),
        }
        for prop, qualifier in MAP_CHOICES
    ]


def _value_text(context: WebContext) -> Any:
    vocabulary = context.atlas.vocabulary
    return lambda fact, language: present.format_value(
        vocabulary.properties.get(fact.property), fact.value, fact.unit, language
    )


@router.get("/")
def home(request: Request, context: WebContext = Context) -> Response:
    atlas, lang = context.atlas, context.language
    today = context.now.date()
    with atlas.read() as connection:
        index = index_for(connection, atlas.vocabulary, _value_text(context))
    recent = index.recent(today, skip=atlas.statistics)
    views = [present.fact_view(atlas.vocabulary, fact, lang) for fact in recent]
    for view in views:
        row = index.markets.get(view["market"])
        view["market_name"] = present.market_name(row, lang) if row else view["market"]
    choice = map_choice(atlas.vocabulary, request.query_params.get("property"), None)
    world = choropleth(atlas, choice, today, lang)
    data = {"as_of": today.isoformat(), "recent": views, "map": world.data}
    page = Page("home.html", "AutoAtlas", data, as_of=today.isoformat())
    page.sources = present.source_list(views)
    page.extra = {"svg": world.svg, "choices": _choices(context)}
    return respond(request, context, page)


def _unknown_market(context: WebContext, code: str) -> Page:
    """A 404 that helps: close codes and names from the catalogue, else markets whose name
    holds the text (`/markets/thai` -> TH)."""
    try:
        load_market_catalogue().get(code)
        suggestions: list[dict[str, str]] = []
    except UnknownMarketError as exc:
        suggestions = [{"code": s.split(" ")[0], "label": s} for s in exc.suggestions]
    if not suggestions and len(code) > 2:
        atlas = context.atlas
        with atlas.read() as connection:
            found = search_service(
                connection,
                atlas.vocabulary,
                code,
                value_text=_value_text(context),
                kind="market",
                limit=3,
            )
        suggestions = [{"code": h.key, "label": f"{h.key} ({h.title_en})"} for h in found.hits]
    data = {
        "error": {"status": 404, "code": "not-found", "detail": f"unknown market {code!r}"},
        "suggestions": suggestions,
        "query": code,
    }
    return Page("404.html", "404", data, status=404)


@router.get("/markets/{code}")
def market(request: Request, code: str, context: WebContext = Context) -> Response:
    atlas, lang = context.atlas, context.language
    code = code.strip().upper()[:16]
    as_of = _date(request, "as_of", context.now.date())
    dimension = request.query_params.get("dimension") or None
    try:
        row = atlas.market(code)
    except NotFoundError:
        return respond(request, context, _unknown_market(context, code))
    facts = atlas.profile(code, as_of=as_of, dimension=dimension, viewer=_viewer(context))
    views = [present.fact_view(atlas.vocabulary, fact, lang) for fact in facts]
    data = {
        "market": present.market_view(row, lang),
        "as_of": as_of.isoformat(),
        "dimension": dimension,
        "dimensions": present.group_by_dimension(atlas.vocabulary, views, lang),
        "count": len(views),
    }
    page = Page("market.html", present.market_name(row, lang), data, facts=facts)
    page.download_name, page.as_of = f"{code}-{as_of.isoformat()}", as_of.isoformat()
    page.sources = present.source_list(views)
    page.extra = {"all_dimensions": atlas.vocabulary.dimensions}
    return respond(request, context, page)


@router.get("/markets/{code}/history/{prop}")
def history(request: Request, code: str, prop: str, context: WebContext = Context) -> Response:
    atlas, lang = context.atlas, context.language
    code = code.strip().upper()[:16]
    wanted = request.query_params.get("qualifier", "")
    qualifiers = dict(part.split(":", 1) for part in wanted.split(",") if ":" in part)
    try:
        row = atlas.market(code)
    except NotFoundError:
        return respond(request, context, _unknown_market(context, code))
    facts = [f for f in atlas.history(code, prop, viewer=_viewer(context))]
    facts = [f for f in facts if f.qualifiers == qualifiers]
    views = [present.fact_view(atlas.vocabulary, fact, lang) for fact in facts]
    current = [v for v in views if v["superseded_at"] is None]
    label = atlas.vocabulary.property(prop).label.get(lang)
    data = {
        "market": present.market_view(row, lang),
        "property": prop,
        "label": label,
        "qualifiers": qualifiers,
        "records": views,
    }
    title = f"{present.market_name(row, lang)} · {label}"
    partial = request.headers.get("hx-request") == "true"
    page = Page("_history.html" if partial else "history.html", title, data, facts=facts)
    page.download_name = f"{code}-{prop}-history"
    page.sources = present.source_list(views)
    page.extra = {"svg": timeline_svg(current, context.now.date(), title=title)}
    return respond(request, context, page)


@router.get("/map")
def world_map(request: Request, context: WebContext = Context) -> Response:
    atlas = context.atlas
    as_of = _date(request, "as_of", context.now.date())
    choice = map_choice(
        atlas.vocabulary,
        request.query_params.get("property"),
        request.query_params.get("qualifier"),
    )
    world = choropleth(atlas, choice, as_of, context.language)
    page = Page("map.html", world.data["label"], {**world.data, "as_of": as_of.isoformat()})
    page.as_of = as_of.isoformat()
    page.extra = {"svg": world.svg, "choices": _choices(context)}
    return respond(request, context, page)


@router.get("/compare")
def compare(request: Request, context: WebContext = Context) -> Response:
    atlas, lang = context.atlas, context.language
    raw = request.query_params.get("markets", "DE,FR,TH")
    codes = [c.strip().upper()[:16] for c in raw.split(",") if c.strip()][:12]
    dimension = request.query_params.get("dimension") or "charging"
    as_of = _date(request, "as_of", context.now.date())
    found = atlas.compare(codes, dimension=dimension, as_of=as_of, viewer=_viewer(context))
    rows: list[dict[str, Any]] = []
    names = {}
    for code in codes:
        names[code] = present.market_name(atlas.market(code), lang)
    for prop in atlas.vocabulary.in_dimension(dimension):
        cells = {
            code: [
                present.fact_view(atlas.vocabulary, f, lang)
                for f in found[code]
                if f.property == prop.id
            ]
            for code in codes
        }
        if not any(cells.values()):
            continue
        texts = {
            tuple(sorted((v["qualifiers_text"], v["text"]) for v in c)) for c in cells.values()
        }
        rows.append(
            {
                "property": prop.id,
                "label": prop.label.get(lang),
                "differs": len(texts) > 1,
                "cells": cells,
            }
        )
    data = {
        "markets": [{"code": c, "name": names[c]} for c in codes],
        "dimension": dimension,
        "as_of": as_of.isoformat(),
        "rows": rows,
    }
    facts = [f for code in codes for f in found[code]]
    page = Page("compare.html", "Compare", data, facts=facts)
    page.download_name = f"compare-{'-'.join(codes)}-{dimension}"
    page.as_of = as_of.isoformat()
    page.sources = present.source_list([v for r in rows for c in r["cells"].values() for v in c])
    page.extra = {"all_dimensions": atlas.vocabulary.dimensions}
    return respond(request, context, page)


@router.get("/search")
def search(request: Request, context: WebContext = Context) -> Response:
    atlas, lang = context.atlas, context.language
    query = request.query_params.get("q", "")[:200]
    dimension = request.query_params.get("dimension") or None
    market_code = (request.query_params.get("market") or "").upper() or None
    kind = request.query_params.get("kind") or None
    with atlas.read() as connection:
        result = search_service(
            connection,
            atlas.vocabulary,
            query,
            value_text=_value_text(context),
            dimension=dimension,
            market=market_code,
            kind=kind,
        )
    dims = atlas.vocabulary.dimensions
    data = {
        "query": query,
        "dimension": dimension,
        "market": market_code,
        "kind": kind,
        "total": result.total,
        "hits": [hit.as_dict(lang) for hit in result.hits],
        "facets": {
            "kind": result.by_kind,
            "dimension": [
                {"id": d, "label": dims[d].label.get(lang) if d in dims else d, "count": n}
                for d, n in result.by_dimension.items()
            ],
            "market": [{"code": m, "count": n} for m, n in result.by_market.items()],
        },
    }
    page = Page("search.html", query or "Search", data)
    return respond(request, context, page)


router.include_router(forms.router)
router.include_router(vehicles.router)
router.include_router(assessments.router)
router.include_router(alerts.router)
