"""Markets: the list, one market, its profile (as of, as known at), history and compare."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from autoatlas.api import render
from autoatlas.api.dependencies import AtlasDep, MeteredPrincipal, ReadPrincipal
from autoatlas.api.etag import current_etag, etag_of, matches, not_modified, read_versions
from autoatlas.api.problems import problems
from autoatlas.api.profiles import (
    ProfileAsk,
    build_profile,
    cached_profile,
    profile_builds,
    profile_cache,
)
from autoatlas.api.reading import (
    AsOf,
    Cursor,
    DimensionParam,
    KnownAt,
    Limit,
    MarketCode,
    QualifierParam,
    meter,
    qualifiers_from,
    split_list,
)
from autoatlas.api.schemas import (
    ComparePublic,
    HistoryPublic,
    MarketPage,
    MarketPublic,
    ProfilePublic,
)
from autoatlas.store.queries import list_markets as market_rows

__all__ = ["CACHE", "router", "tag"]

router = APIRouter(tags=["markets"])
CACHE = {"Cache-Control": "private, no-cache", "Vary": "Authorization, Cookie"}
MarketKind = Annotated[
    str | None, Query(max_length=16, description="country, subdivision or bloc.")
]
READ_PROBLEMS = problems(304, 401, 402, 403, 404, 422)


def tag(response: Response, etag: str) -> None:
    response.headers["ETag"] = etag
    response.headers.update(CACHE)


@router.get("/markets", response_model=MarketPage, responses=problems(401, 403, 422))
def list_markets(
    atlas: AtlasDep,
    principal: ReadPrincipal,
    kind: MarketKind = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> dict[str, Any]:
    """Markets ordered by code, optionally of one kind; cursor-paginated."""
    after = render.decode_text_cursor(cursor)
    with atlas.read() as connection:
        rows = [row for row in market_rows(connection, kind) if row.code > after]
    page, more = rows[:limit], len(rows) > limit
    return {
        "items": [render.market(row) for row in page],
        "next_cursor": render.encode_cursor(page[-1].code) if more else None,
    }


@router.get("/markets/{code}", response_model=MarketPublic, responses=problems(401, 403, 404))
def get_market(atlas: AtlasDep, principal: ReadPrincipal, code: MarketCode) -> dict[str, Any]:
    return render.market(atlas.market(code))


@router.get("/markets/{code}/profile", response_model=ProfilePublic, responses=READ_PROBLEMS)
async def profile(
    request: Request,
    atlas: AtlasDep,
    principal: MeteredPrincipal,
    code: MarketCode,
    as_of: AsOf = None,
    known_at: KnownAt = None,
    dimension: DimensionParam = None,
) -> Response:
    """The market's facts valid on `as_of` as known at `known_at`; inherited facts carry
    `inherited_from`, and the viewer's organization's private facts are included."""
    # Async, with the two small reads on the event loop: a 304 or a cached profile then costs
    # no thread hand-off. Computing a profile that is not cached goes to the thread pool.
    versions = read_versions(atlas, principal)
    etag = etag_of(request, atlas, versions)
    if matches(request, etag):
        return not_modified(etag)
    day = as_of or datetime.now(UTC).date()
    ask = ProfileAsk(code.strip().upper(), day, known_at, dimension, principal, versions)
    body = cached_profile(request, atlas, ask)
    if body is None:
        async with profile_builds(request):
            body = await run_in_threadpool(build_profile, profile_cache(request), atlas, ask)
    if atlas.settings.metering:
        await run_in_threadpool(meter, atlas, principal, f"profile of {ask.code}")
    head = b'{"as_of":"' + day.isoformat().encode() + b'",'
    return Response(head + body, media_type="application/json", headers={"ETag": etag, **CACHE})


@router.get(
    "/markets/{code}/history/{property}", response_model=HistoryPublic, responses=READ_PROBLEMS
)
def history(
    request: Request,
    response: Response,
    atlas: AtlasDep,
    principal: ReadPrincipal,
    code: MarketCode,
    property: Annotated[str, Path(min_length=1, max_length=128)],
    qualifier: QualifierParam = None,
) -> Any:
    """Every record ever held for one property of one market (both times), oldest first;
    `qualifier=origin:CN` keeps the statement with exactly these qualifiers."""
    wanted = qualifiers_from(request, qualifier)
    etag = current_etag(request, atlas, principal)
    if matches(request, etag):
        return not_modified(etag)
    facts = atlas.history(code, property, viewer=render.viewer(principal))
    if wanted is not None:
        facts = [fact for fact in facts if fact.qualifiers == wanted]
    tag(response, etag)
    return {
        "market": code.strip().upper(),
        "property": property,
        "facts": [fact.as_dict() for fact in facts],
    }


@router.get("/compare", response_model=ComparePublic, responses=READ_PROBLEMS)
def compare(
    request: Request,
    response: Response,
    atlas: AtlasDep,
    principal: ReadPrincipal,
    markets: Annotated[str, Query(max_length=400, description="Market codes: DE,FR.")],
    dimension: DimensionParam = None,
    properties: Annotated[
        str | None, Query(max_length=4000, description="Property ids, comma-separated.")
    ] = None,
    as_of: AsOf = None,
    known_at: KnownAt = None,
) -> Any:
    """The same properties side by side for two or more markets."""
    codes = split_list("markets", markets, most=20, longest=16) or []
    chosen = split_list("properties", properties, most=200, longest=128)
    etag = current_etag(request, atlas, principal)
    if matches(request, etag):
        return not_modified(etag)
    day = as_of or datetime.now(UTC).date()
    found = atlas.compare(
        codes,
        dimension=dimension,
        properties=chosen,
        as_of=day,
        known_at=render.known_at_utc(known_at),
        viewer=render.viewer(principal),
    )
    tag(response, etag)
    return {
        "as_of": day.isoformat(),
        "known_at": render.iso(known_at),
        "properties": atlas.select_properties(dimension, chosen) or [],
        "markets": {code: [fact.as_dict() for fact in facts] for code, facts in found.items()},
    }
