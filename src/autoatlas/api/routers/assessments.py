"""Assessments: a stored model (or a posted spec) in a market on a date, as JSON, HTML or
PDF; variants with `with=field=value`; the portfolio matrix ranked by the fit score."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field

from autoatlas.api.dependencies import AtlasDep, SignedInPrincipal
from autoatlas.api.problems import problems
from autoatlas.assess import portfolio as assessments
from autoatlas.assess.report import market_name, render_html, render_pdf
from autoatlas.atlas import Atlas
from autoatlas.auth.principal import Principal
from autoatlas.vehicles import service
from autoatlas.vehicles.spec import VehicleSpec, parse_spec

__all__ = ["router"]

router = APIRouter(tags=["assessments"])
Market = Annotated[str, Query(pattern=r"^[A-Za-z0-9-]{2,16}$", description="Market code.")]
On = Annotated[date | None, Query(description="Valid date; default today.")]
With = Annotated[
    list[str] | None,
    Query(alias="with", max_length=20, description="A variant: field=value, set_field+=member."),
]
Format = Annotated[Literal["json", "html", "pdf"], Query(description="json, html or pdf.")]
Lang = Annotated[
    Literal["en", "zh"], Query(description="The language of an html or pdf report: en or zh.")
]
READ = problems(401, 403, 404, 422)


class AssessmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    spec: dict[str, Any]
    market: str = Field(pattern=r"^[A-Za-z0-9-]{2,16}$")
    on: date | None = None
    changes: list[Annotated[str, Field(max_length=200)]] = Field(default=[], max_length=20)


def _day(on: date | None) -> date:
    return on or datetime.now(UTC).date()


def _render(
    atlas: Atlas,
    principal: Principal,
    spec: VehicleSpec,
    market: str,
    on: date,
    changes: list[str],
    fmt: str,
    lang: str = "en",
) -> Any:
    with atlas.read() as connection:
        result, comparison = assessments.assess_with_changes(
            connection, principal, spec=spec, changes=changes or [], market=market, on=on
        )
    if fmt == "json":
        data = result.as_dict()
        if comparison is not None:
            data["variant"] = comparison.as_dict()
        return data
    name = market_name(atlas.market(result.market), "zh" if lang == "zh" else "en")
    if fmt == "html":
        html = render_html(result, comparison=comparison, market_name=name, language=lang)
        return HTMLResponse(html)
    pdf = render_pdf(result, comparison=comparison, market_name=name, language=lang)
    return Response(pdf, media_type="application/pdf")


@router.get(
    "/models/{slug}/assessment",
    responses={
        **READ,
        200: {"content": {"application/json": {}, "text/html": {}, "application/pdf": {}}},
    },
)
def assess_stored_model(
    atlas: AtlasDep,
    principal: SignedInPrincipal,
    slug: Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")],
    market: Market,
    on: On = None,
    changes: With = None,
    format: Format = "json",
    lang: Lang = "en",
) -> Any:
    """Findings, landed cost and fit score of a stored model; `format=html|pdf` for a report,
    in English or, with `lang=zh`, in Chinese."""
    with atlas.read() as connection:
        spec = service.get_model(connection, principal, slug).spec
    return _render(atlas, principal, spec, market, _day(on), changes or [], format, lang)


@router.post("/assessments", responses=problems(400, 401, 403, 404, 413, 422))
def assess_spec(
    atlas: AtlasDep, principal: SignedInPrincipal, body: AssessmentCreate
) -> dict[str, Any]:
    """Assess a spec that is not stored (nothing is saved)."""
    spec = parse_spec(body.spec, "spec")
    result: dict[str, Any] = _render(
        atlas, principal, spec, body.market, _day(body.on), body.changes, "json"
    )
    return result


@router.get("/matrix", responses=READ)
def matrix(
    atlas: AtlasDep,
    principal: SignedInPrincipal,
    market: Annotated[
        list[Annotated[str, Query(pattern=r"^[A-Za-z0-9-]{2,16}$")]] | None,
        Query(max_length=300, description="Markets (default: the portfolio's entries)."),
    ] = None,
    model: Annotated[list[str] | None, Query(max_length=1000)] = None,
    on: On = None,
) -> dict[str, Any]:
    """Models × markets ranked by the fit score, each score explained by its penalties."""
    with atlas.read() as connection:
        rows = assessments.portfolio_matrix(
            connection, principal, on=_day(on), markets=market, models=model
        )
    return {"items": [row.as_dict() for row in rows]}
