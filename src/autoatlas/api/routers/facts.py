"""Facts: the filtered list (cursor-paginated), the sources they cite, coverage and export."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response

from autoatlas.api import render
from autoatlas.api.dependencies import AtlasDep, MeteredPrincipal, ReadPrincipal
from autoatlas.api.etag import current_etag, matches, not_modified
from autoatlas.api.problems import problems
from autoatlas.api.reading import (
    AsOf,
    Cursor,
    DimensionParam,
    KnownAt,
    Limit,
    QualifierParam,
    meter,
    qualifiers_from,
)
from autoatlas.api.routers.markets import READ_PROBLEMS, tag
from autoatlas.api.schemas import CoveragePublic, FactPage, SourcePage
from autoatlas.atlas import Atlas
from autoatlas.store.catalog import cited_sources
from autoatlas.store.queries import FactFilter

__all__ = ["router"]

router = APIRouter(tags=["facts"])

MarketList = Annotated[
    list[Annotated[str, Query(max_length=16)]] | None,
    Query(max_length=50, description="Market codes, repeatable (market=DE&market=FR)."),
]
PropertyList = Annotated[
    list[Annotated[str, Query(max_length=128)]] | None,
    Query(max_length=200, description="Property ids, repeatable."),
]
MEDIA_TYPES = {
    "yaml": "application/yaml",
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
}


def _filter(
    atlas: Atlas,
    request: Request,
    *,
    market: list[str] | None,
    dimension: str | None,
    property: list[str] | None,
    qualifier: list[str] | None,
    as_of: Any,
    known_at: Any,
    after_id: int = 0,
    limit: int | None = None,
) -> FactFilter:
    return FactFilter(
        markets=[code.strip().upper() for code in market] if market else None,
        properties=atlas.select_properties(dimension, property),
        qualifiers=qualifiers_from(request, qualifier),
        as_of=as_of,
        known_at=render.known_at_utc(known_at),
        after_id=after_id,
        limit=limit,
    )


@router.get("/facts", response_model=FactPage, responses=READ_PROBLEMS)
def list_facts(
    request: Request,
    response: Response,
    atlas: AtlasDep,
    principal: MeteredPrincipal,
    market: MarketList = None,
    dimension: DimensionParam = None,
    property: PropertyList = None,
    qualifier: QualifierParam = None,
    as_of: AsOf = None,
    known_at: KnownAt = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> Any:
    """Markets' own records (no inheritance) matching the filters, ordered by id. Without
    `as_of` every current record is listed, whatever its valid period."""
    where = _filter(
        atlas,
        request,
        market=market,
        dimension=dimension,
        property=property,
        qualifier=qualifier,
        as_of=as_of,
        known_at=known_at,
        after_id=render.decode_cursor(cursor),
        limit=limit + 1,
    )
    etag = current_etag(request, atlas, principal)
    if matches(request, etag):
        return not_modified(etag)
    found = atlas.facts(where, viewer=render.viewer(principal))
    page, more = found[:limit], len(found) > limit
    meter(atlas, principal, "fact list")
    tag(response, etag)
    return {
        "items": [fact.as_dict() for fact in page],
        "next_cursor": render.encode_cursor(page[-1].id) if more else None,
    }


@router.get(
    "/export",
    responses={
        **READ_PROBLEMS,
        200: {
            "description": "A fact bundle in the format asked for.",
            "content": {
                "application/yaml": {"schema": {"type": "object"}},
                "application/json": {"schema": {"type": "object"}},
                "text/csv": {"schema": {"type": "string"}},
            },
        },
    },
    response_class=Response,
)
def export(
    request: Request,
    atlas: AtlasDep,
    principal: MeteredPrincipal,
    format: Annotated[Literal["yaml", "json", "csv"], Query()] = "yaml",
    market: MarketList = None,
    dimension: DimensionParam = None,
    property: PropertyList = None,
    qualifier: QualifierParam = None,
    as_of: AsOf = None,
    known_at: KnownAt = None,
) -> Response:
    """The matching facts as a bundle that `autoatlas import` reads back."""
    where = _filter(
        atlas,
        request,
        market=market,
        dimension=dimension,
        property=property,
        qualifier=qualifier,
        as_of=as_of,
        known_at=known_at,
    )
    etag = current_etag(request, atlas, principal)
    if matches(request, etag):
        return not_modified(etag)
    text = atlas.export(where, format, viewer=render.viewer(principal))
    meter(atlas, principal, f"export ({format})")
    response = Response(text, media_type=MEDIA_TYPES[format])
    response.headers["Content-Disposition"] = f'attachment; filename="autoatlas.{format}"'
    tag(response, etag)
    return response


@router.get("/sources", response_model=SourcePage, responses=problems(401, 403, 422))
def list_sources(
    atlas: AtlasDep, principal: ReadPrincipal, cursor: Cursor = None, limit: Limit = 100
) -> dict[str, Any]:
    """The sources cited by current facts the caller may see, ordered by id."""
    with atlas.read() as connection:
        found = cited_sources(
            connection,
            viewer_org_id=principal.organization_id,
            after_id=render.decode_cursor(cursor),
            limit=limit + 1,
        )
    page, more = found[:limit], len(found) > limit
    return {
        "items": [render.cited_source(item) for item in page],
        "next_cursor": render.encode_cursor(page[-1].id) if more else None,
    }


@router.get("/coverage", response_model=CoveragePublic, responses=problems(401, 403, 404, 422))
def coverage(
    atlas: AtlasDep,
    principal: ReadPrincipal,
    markets: Annotated[str | None, Query(max_length=400, description="Codes: DE,FR.")] = None,
    as_of: AsOf = None,
) -> dict[str, Any]:
    """Markets × dimensions: how many properties have a current, sourced public value."""
    codes = [c for c in (markets or "").split(",") if c.strip()][:50] or None
    return atlas.coverage(codes, as_of=as_of).as_dict()
