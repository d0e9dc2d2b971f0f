"""Pages of assessments: one model in one market on one date (findings by severity with
their rule's description, the fit score and why, the landed-cost waterfall, what-if variants,
the report as HTML or PDF) and the portfolio matrix — all in the page's language.

Private to the signed-in user's organization: `autoatlas.assess.portfolio` checks it (the
same calls as the API and the CLI); the pages parse, call, and render.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from autoatlas.assess import portfolio as assessments
from autoatlas.assess.assessment import Assessment
from autoatlas.assess.chart import cost_label, cost_note, waterfall_svg
from autoatlas.assess.report import by_severity, market_name, render_html, render_pdf
from autoatlas.assess.variants import VariantComparison
from autoatlas.domain.facts import Fact
from autoatlas.errors import Issue, NotFoundError, ValidationError
from autoatlas.rules.engine import Finding, describe
from autoatlas.vehicles import service
from autoatlas.web import present
from autoatlas.web.context import WebContext, web_context
from autoatlas.web.render import Page, respond
from autoatlas.web.vehicles import error_view, parse_day
from autoatlas.web.webroute import WebRoute

__all__ = ["router"]

router = APIRouter(route_class=WebRoute, include_in_schema=False)
Context = Depends(web_context)
# Score bands of the matrix: (lowest score, colour); SVG fills, as the CSP forbids inline styles.
BANDS = ((80, "#2b7a3d"), (60, "#7fae3e"), (40, "#d9a21b"), (20, "#e0712c"), (0, "#a4161a"))


# -- assessment ----------------------------------------------------------------------------
def _changes(request: Request) -> list[str]:
    """`with` values, one change a line or a parameter: `dc_connectors+=CCS2`, `origin=TH`."""
    lines = [
        line.strip() for raw in request.query_params.getlist("with") for line in raw.splitlines()
    ]
    return [line[:200] for line in lines if line][:20]


def _query(request: Request, context: WebContext) -> dict[str, Any]:
    params = request.query_params
    return {
        "model": (params.get("model") or "").strip()[:63],
        "market": (params.get("market") or "").strip().upper()[:16],
        "on": parse_day(params.get("on"), "on", context.now.date()).isoformat(),
        "with": _changes(request),
    }


def _assess(context: WebContext, query: dict[str, Any]) -> tuple[Assessment, Any]:
    with context.atlas.read() as connection:
        spec = service.get_model(connection, context.principal, query["model"]).spec
        return assessments.assess_with_changes(
            connection,
            context.principal,
            spec=spec,
            changes=query["with"],
            market=query["market"],
            on=date.fromisoformat(query["on"]),
        )


def _fact(context: WebContext, fact: Fact, market: str, on: str) -> dict[str, Any]:
    view = present.fact_view(context.atlas.vocabulary, fact, context.language)
    anchor = view["property"] + (
        "-" + view["qualifiers_query"].replace(":", "-").replace(",", "-")
        if view["qualifiers_query"]
        else ""
    )
    view["href"] = f"/markets/{market}?{urlencode({'as_of': on})}#{anchor}"
    return view


def _finding(context: WebContext, finding: Finding, market: str, on: str) -> dict[str, Any]:
    lang = context.language
    return {
        "rule": finding.rule,
        "description": describe(finding.rule, lang),
        "status": str(finding.status),
        "severity": str(finding.severity),
        "message": finding.message.zh if lang == "zh" else finding.message.en,
        "adaptation": (
            (finding.adaptation.zh if lang == "zh" else finding.adaptation.en)
            if finding.adaptation
            else None
        ),
        "facts": [_fact(context, f, market, on) for f in finding.facts],
    }


def _assessment_view(
    context: WebContext, result: Assessment, comparison: VariantComparison | None
) -> dict[str, Any]:
    market, on = result.market, result.on.isoformat()
    groups = [
        {
            "severity": str(severity),
            "findings": [_finding(context, f, market, on) for f in found],
        }
        for severity, found in by_severity(result.findings)
    ]
    lines = [
        {
            **line.as_dict(),
            "text": cost_label(line.label, context.language),
            "note": cost_note(line.note, context.language),
            "facts": [_fact(context, f, market, on) for f in line.facts],
        }
        for line in result.cost.lines
    ]
    penalties = [
        {**p, "description": describe(p["rule"], context.language)}
        for p in result.as_dict()["penalties"]
    ]
    view: dict[str, Any] = {
        "score": result.score,
        "penalties": penalties,
        "groups": groups,
        "landed_cost": {**result.cost.as_dict(), "lines": lines},
        "sources": result.sources(),
        "variant": None,
    }
    if comparison is not None:
        view["variant"] = {
            **comparison.as_dict(),
            "resolved": [_finding(context, f, market, on) for f in comparison.resolved],
            "introduced": [_finding(context, f, market, on) for f in comparison.introduced],
        }
    return view


@router.get("/assessment")
def assessment_page(request: Request, context: WebContext = Context) -> Response:
    query = _query(request, context)
    with context.atlas.read() as connection:
        models = service.list_models(connection, context.principal)
        entries = service.list_portfolio(connection, context.principal)
    data: dict[str, Any] = {
        "query": query,
        "models": [{"slug": m.slug, "name": m.spec.name} for m in models],
        "markets": sorted({e.market for e in entries}),
        "assessment": None,
    }
    page = Page("assessment.html", "Assessment", data)
    if query["model"] and query["market"]:
        result, comparison = _assess(context, query)
        row = context.atlas.market(result.market)
        data["market"] = present.market_view(row, context.language)
        data["assessment"] = _assessment_view(context, result, comparison)
        page.title = f"{result.model.name} · {data['market']['name']}"
        page.as_of = query["on"]
        page.sources = data["assessment"]["sources"]
        chart = waterfall_svg(result.cost, language=context.language)
        # The same assessment as a report, in the page's language.
        report = urlencode({**query, "lang": context.language}, doseq=True)
        page.extra = {"chart": Markup(chart), "report_query": report}
    return respond(request, context, page)


@router.get("/assessment/report.{kind}")
def assessment_report(request: Request, kind: str, context: WebContext = Context) -> Response:
    """The report of the page's assessment in the page's language, as the API and the CLI
    render it."""
    if kind not in ("html", "pdf"):
        raise NotFoundError(f"no report as {kind!r}: html or pdf")
    query = _query(request, context)
    if not (query["model"] and query["market"]):
        raise ValidationError("choose a model and a market", [Issue("required", field="model")])
    result, comparison = _assess(context, query)
    language = context.language
    name = market_name(context.atlas.market(result.market), "zh" if language == "zh" else "en")
    if kind == "html":
        html = render_html(result, comparison=comparison, market_name=name, language=language)
        return HTMLResponse(html)
    pdf = render_pdf(result, comparison=comparison, market_name=name, language=language)
    filename = f"{result.model.id}-{result.market}-{query['on']}.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# -- matrix ----------------------------------------------------------------------------------
def _colour(score: int) -> str:
    return next(colour for least, colour in BANDS if score >= least)


def _codes(raw: str | None, upper: bool) -> list[str]:
    parts = [p.strip() for p in (raw or "").replace(" ", ",").split(",") if p.strip()]
    return [(p.upper() if upper else p)[:63] for p in parts][:300]


def _matrix_row(row: dict[str, Any], language: str) -> dict[str, Any]:
    """A ranked pair with its colour and each penalty's rule described in `language`."""
    penalties = [{**p, "description": describe(p["rule"], language)} for p in row["penalties"]]
    return {**row, "penalties": penalties, "colour": _colour(row["score"])}


@router.get("/matrix")
def matrix_page(request: Request, context: WebContext = Context) -> Response:
    on = parse_day(request.query_params.get("on"), "on", context.now.date())
    markets = _codes(request.query_params.get("markets"), upper=True)
    models = _codes(request.query_params.get("models"), upper=False)
    data: dict[str, Any] = {
        "on": on.isoformat(),
        "markets": markets,
        "models": models,
        "rows": [],
        "grid": {"models": [], "markets": []},
        "error": None,
    }
    try:
        with context.atlas.read() as connection:
            rows = assessments.portfolio_matrix(
                connection, context.principal, on=on, markets=markets or None, models=models or None
            )
    except ValidationError as exc:
        data["error"] = error_view(exc)
        rows = []
    data["rows"] = [_matrix_row(r.as_dict(), context.language) for r in rows]
    # The grid keeps the ranking: models by their best cell, markets as first ranked.
    data["grid"]["models"] = list(dict.fromkeys((r["model"], r["name"]) for r in data["rows"]))
    data["grid"]["markets"] = list(dict.fromkeys(r["market"] for r in data["rows"]))
    cells = {f"{r['model']}|{r['market']}": r for r in data["rows"]}
    page = Page("matrix.html", "Portfolio matrix", data, as_of=on.isoformat())
    page.extra = {"cells": cells, "bands": BANDS}
    return respond(request, context, page)
