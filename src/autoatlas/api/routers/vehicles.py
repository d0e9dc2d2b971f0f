"""Vehicle models and the portfolio: private to the caller's organization."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from autoatlas.api.dependencies import AtlasDep, SignedInPrincipal
from autoatlas.api.problems import problems
from autoatlas.api.schemas import MAX_ID
from autoatlas.vehicles import service
from autoatlas.vehicles.spec import parse_spec

__all__ = ["router"]

router = APIRouter(tags=["vehicle models"])
Slug = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$", description="The model's id.")]
Spec = Annotated[
    dict[str, Any],
    Body(description="A vehicle model (see docs/assessment.md); errors name the field."),
]
MarketCode = Annotated[str | None, Query(pattern=r"^[A-Za-z0-9-]{2,16}$")]
READ = problems(401, 403, 404, 422)
WRITE = problems(400, 401, 403, 404, 409, 413, 422)


class PortfolioCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    model: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    market: str = Field(pattern=r"^[A-Za-z0-9-]{2,16}$")
    status: Literal["sold", "planned"] = "planned"
    valid_from: date | None = None
    valid_to: date | None = None


@router.get("/models", responses=READ)
def list_models(atlas: AtlasDep, principal: SignedInPrincipal) -> dict[str, Any]:
    """Your organization's vehicle models."""
    with atlas.read() as connection:
        models = service.list_models(connection, principal)
    return {"items": [m.as_dict() for m in models]}


@router.post("/models", status_code=201, responses=WRITE)
def create_model(atlas: AtlasDep, principal: SignedInPrincipal, body: Spec) -> dict[str, Any]:
    spec = parse_spec(body, "body")
    with atlas.write() as tx:
        return service.create_model(tx, principal, spec).as_dict()


@router.get("/models/{slug}", responses=READ)
def get_model(atlas: AtlasDep, principal: SignedInPrincipal, slug: Slug) -> dict[str, Any]:
    with atlas.read() as connection:
        return service.get_model(connection, principal, slug).as_dict()


@router.put("/models/{slug}", responses=WRITE)
def update_model(
    atlas: AtlasDep, principal: SignedInPrincipal, slug: Slug, body: Spec
) -> dict[str, Any]:
    spec = parse_spec(body, "body")
    with atlas.write() as tx:
        return service.update_model(tx, principal, slug, spec).as_dict()


@router.delete("/models/{slug}", status_code=204, responses=WRITE)
def delete_model(atlas: AtlasDep, principal: SignedInPrincipal, slug: Slug) -> Response:
    """Delete the model and its portfolio entries."""
    with atlas.write() as tx:
        service.delete_model(tx, principal, slug)
    return Response(status_code=204)


@router.get("/portfolio", responses=READ)
def list_portfolio(
    atlas: AtlasDep,
    principal: SignedInPrincipal,
    market: MarketCode = None,
    on: Annotated[date | None, Query(description="Only entries valid on this date.")] = None,
) -> dict[str, Any]:
    with atlas.read() as connection:
        entries = service.list_portfolio(connection, principal, market=market, on=on)
    return {"items": [e.as_dict() for e in entries]}


@router.post("/portfolio", status_code=201, responses=WRITE)
def add_to_portfolio(
    atlas: AtlasDep, principal: SignedInPrincipal, body: PortfolioCreate
) -> dict[str, Any]:
    with atlas.write() as tx:
        entry = service.add_to_portfolio(
            tx,
            principal,
            model=body.model,
            market=body.market,
            status=body.status,
            valid_from=body.valid_from,
            valid_to=body.valid_to,
        )
    return entry.as_dict()


@router.delete("/portfolio/{id}", status_code=204, responses=WRITE)
def remove_from_portfolio(
    atlas: AtlasDep, principal: SignedInPrincipal, id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> Response:
    with atlas.write() as tx:
        service.remove_from_portfolio(tx, principal, id)
    return Response(status_code=204)
