"""Pages of an organization's vehicles: its models (spec, create, replace, delete), its
portfolio, the assessment of one model in one market on one date (findings, fit score,
landed-cost waterfall, reports, what-if variants) and the portfolio matrix.

Everything here is private to the signed-in user's organization: the services of
`autoatlas.vehicles.service` and `autoatlas.assess.portfolio` check it (the same calls as the
API and the CLI); the pages parse, call, and render.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

import yaml
from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from starlette.datastructures import UploadFile

from autoatlas.assess import portfolio as assessments
from autoatlas.assess.assessment import Assessment
from autoatlas.assess.chart import waterfall_svg
from autoatlas.assess.landed_cost import LandedCost
from autoatlas.assess.report import SEVERITIES, render_html, render_pdf
from autoatlas.assess.variants import VariantComparison
from autoatlas.domain.facts import Fact
from autoatlas.errors import AutoAtlasError, ConflictError, Issue, NotFoundError, ValidationError
from autoatlas.rules.engine import Finding, Status
from autoatlas.store.vehicles import PortfolioRow
from autoatlas.vehicles import service
from autoatlas.vehicles.spec import VehicleSpec
from autoatlas.web import present
from autoatlas.web.context import CSRF_FIELD, WebContext, check_csrf, web_context
from autoatlas.web.i18n import translations
from autoatlas.web.render import Page, respond
from autoatlas.web.webroute import WebRoute

__all__ = ["router"]

router = APIRouter(route_class=WebRoute, include_in_schema=False)
Context = Depends(web_context)
_STATUS_ORDER = {Status.FAIL: 0, Status.UNKNOWN: 1, Status.NOTE: 2, Status.OK: 3}
# Score bands of the matrix: (lowest score, colour); SVG fills, as the CSP forbids inline styles.
BANDS = ((80, "#2b7a3d"), (60, "#7fae3e"), (40, "#d9a21b"), (20, "#e0712c"), (0, "#a4161a"))


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _day(raw: str | None, name: str, default: date) -> date:
    if not raw:
        return default
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        message = f"{name}: {raw!r} is not a date (YYYY-MM-DD)"
        raise ValidationError(message, [Issue(message, field=name)]) from None


async def _form(request: Request, context: WebContext) -> tuple[dict[str, str], UploadFile | None]:
    """The posted fields (CSRF checked first) and the uploaded spec file, if one was chosen."""
    form = await request.form()
    check_csrf(context, str(form.get(CSRF_FIELD) or ""))
    upload = form.get("file")
    fields = {k: v for k, v in form.items() if isinstance(v, str)}  # parts are capped at 1 MB
    return fields, upload if isinstance(upload, UploadFile) and upload.filename else None


# -- reading a spec the user pasted or uploaded ----------------------------------------
def _line_of(text: str, field: str | None) -> int | None:
    """The line of `text` where `field` (`seats`, `models[1].price.amount`) is written, or
    the line of the nearest enclosing value when the field is missing."""
    if not field:
        return None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    line = None
    for part in re.findall(r"[^.\[\]]+", field):
        if isinstance(node, yaml.SequenceNode) and part == "models":
            continue  # a bare list of specs is reported as models[i]
        if isinstance(node, yaml.MappingNode):
            found = next((pair for pair in node.value if pair[0].value == part), None)
            if found is None:
                break
            line, node = found[0].start_mark.line + 1, found[1]
        elif isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
            node = node.value[int(part)]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _parse_specs(text: str, where: str) -> list[VehicleSpec]:
    """Specs from YAML or JSON text, validated by the service the API and CLI use; every
    issue carries the line it points at."""
    if len(text.encode()) > service.MAX_FILE_BYTES:
        raise ValidationError(f"{where}: larger than {service.MAX_FILE_BYTES // 2**20} MiB")
    if not text.strip():
        message = "paste a spec or choose a file"
        raise ValidationError(message, [Issue(message, field="spec")])
    try:
        data = json.loads(text) if where.lower().endswith(".json") else yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"{where}: not JSON", [Issue(exc.msg, where, exc.lineno)]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise ValidationError(f"{where}: not YAML", [Issue(problem, where, line)]) from None
    try:
        return service.parse_models(data, where)
    except ValidationError as exc:
        issues = [replace(i, line=i.line or _line_of(text, i.field)) for i in exc.issues]
        raise ValidationError(exc.message, issues) from None


async def _spec_text(fields: dict[str, str], upload: UploadFile | None) -> tuple[str, str]:
    if upload is None:
        return fields.get("spec", ""), "spec"
    raw = await upload.read(service.MAX_FILE_BYTES + 1)
    try:
        return raw.decode("utf-8"), upload.filename or "spec"
    except UnicodeDecodeError:
        raise ValidationError(f"{upload.filename}: not UTF-8 text") from None


def _error(exc: AutoAtlasError) -> dict[str, Any]:
    issues = exc.issues if isinstance(exc, ValidationError) else [Issue(exc.message)]
    return {"status": exc.status, "detail": exc.message, "issues": [i.as_dict() for i in issues]}


# -- models ------------------------------------------------------------------------------
def _model_view(model: service.VehicleModel) -> dict[str, Any]:
    return {**model.as_dict(), "name": model.spec.name, "maker": model.spec.maker}


@router.get("/models")
def models_page(request: Request, context: WebContext = Context) -> Response:
    with context.atlas.read() as connection:
        models = service.list_models(connection, context.principal)
    data = {"models": [_model_view(m) for m in models]}
    return respond(request, context, Page("models.html", "Vehicle models", data))


def _form_page(slug: str | None, spec: str, error: Any = None) -> Page:
    data = {"slug": slug, "spec": spec, "error": error}
    return Page(
        "model_form.html", slug or "New model", data, status=error["status"] if error else 200
    )


@router.get("/models/new")
def new_model_page(request: Request, context: WebContext = Context) -> Response:
    with context.atlas.read() as connection:
        service.list_models(connection, context.principal)  # the sign-in and membership check
    return respond(request, context, _form_page(None, ""))


@router.post("/models")
async def create_models(request: Request, context: WebContext = Context) -> Response:
    fields, upload = await _form(request, context)
    text = fields.get("spec", "")
    try:
        text, where = await _spec_text(fields, upload)
        specs = _parse_specs(text, where)
        with context.atlas.write() as tx:
            result = service.import_models(tx, context.principal, specs)
    except (ValidationError, ConflictError) as exc:
        return respond(request, context, _form_page(None, text, _error(exc)))
    created = result.created
    return _redirect(f"/models/{created[0]}" if len(created) == 1 else "/models")


@router.get("/models/{slug}")
def model_page(request: Request, slug: str, context: WebContext = Context) -> Response:
    with context.atlas.read() as connection:
        model = service.get_model(connection, context.principal, slug[:63])
        entries = service.list_portfolio(connection, context.principal, model=model.slug)
    data = {"model": _model_view(model), "portfolio": [_entry(e) for e in entries]}
    page = Page("model.html", model.spec.name, data)
    page.extra = {"today": context.now.date().isoformat()}
    return respond(request, context, page)


@router.get("/models/{slug}/edit")
def edit_model_page(request: Request, slug: str, context: WebContext = Context) -> Response:
    with context.atlas.read() as connection:
        model = service.get_model(connection, context.principal, slug[:63])
    text = yaml.safe_dump(service.spec_data(model.spec), sort_keys=False, allow_unicode=True)
    return respond(request, context, _form_page(model.slug, text))


@router.get("/models/{slug}/export")
def export_model(request: Request, slug: str, context: WebContext = Context) -> Response:
    fmt: Literal["yaml", "json"] = "json" if request.query_params.get("as") == "json" else "yaml"
    with context.atlas.read() as connection:
        text = service.export_models(connection, context.principal, [slug[:63]], fmt)
    media = "application/json" if fmt == "json" else "application/yaml; charset=utf-8"
    disposition = f'attachment; filename="{slug[:63]}.{fmt}"'
    return Response(text, media_type=media, headers={"Content-Disposition": disposition})


@router.post("/models/{slug}")
async def replace_model(request: Request, slug: str, context: WebContext = Context) -> Response:
    fields, upload = await _form(request, context)
    text = fields.get("spec", "")
    try:
        text, where = await _spec_text(fields, upload)
        specs = _parse_specs(text, where)
        if len(specs) != 1:
            raise ValidationError(f"{where}: holds {len(specs)} models; an edit replaces one")
        with context.atlas.write() as tx:
            service.update_model(tx, context.principal, slug[:63], specs[0])
    except ValidationError as exc:
        return respond(request, context, _form_page(slug, text, _error(exc)))
    return _redirect(f"/models/{slug[:63]}")


@router.post("/models/{slug}/delete")
async def delete_model(request: Request, slug: str, context: WebContext = Context) -> Response:
    await _form(request, context)
    with context.atlas.write() as tx:
        service.delete_model(tx, context.principal, slug[:63])
    return _redirect("/models")


# -- portfolio ---------------------------------------------------------------------------
def _entry(entry: PortfolioRow) -> dict[str, Any]:
    return {
        "id": entry.id,
        "model": entry.model,
        "market": entry.market,
        "status": entry.status,
        "valid_from": entry.valid_from.isoformat() if entry.valid_from else None,
        "valid_to": entry.valid_to.isoformat() if entry.valid_to else None,
    }


def _optional_day(fields: dict[str, str], name: str) -> date | None:
    raw = fields.get(name, "").strip()
    return _day(raw, name, date.today()) if raw else None


def _portfolio_page(context: WebContext, form: dict[str, str], error: Any = None) -> Page:
    with context.atlas.read() as connection:
        entries = service.list_portfolio(connection, context.principal)
        models = service.list_models(connection, context.principal)
    data = {
        "entries": [_entry(e) for e in entries],
        "models": [{"slug": m.slug, "name": m.spec.name} for m in models],
        "form": form,
        "error": error,
    }
    page = Page("portfolio.html", "Portfolio", data, status=error["status"] if error else 200)
    page.extra = {"today": context.now.date().isoformat(), "statuses": service.STATUSES}
    return page


@router.get("/portfolio")
def portfolio_page(request: Request, context: WebContext = Context) -> Response:
    form = {"model": request.query_params.get("model", "")[:63]}
    return respond(request, context, _portfolio_page(context, form))


@router.post("/portfolio")
async def add_entry(request: Request, context: WebContext = Context) -> Response:
    fields, _upload = await _form(request, context)
    try:
        with context.atlas.write() as tx:
            service.add_to_portfolio(
                tx,
                context.principal,
                model=fields.get("model", ""),
                market=fields.get("market", ""),
                status=fields.get("status", "planned"),
                valid_from=_optional_day(fields, "valid_from"),
                valid_to=_optional_day(fields, "valid_to"),
            )
    except (ValidationError, NotFoundError) as exc:
        error = {**_error(exc), "status": 422}  # the form's input is what is wrong
        return respond(request, context, _portfolio_page(context, fields, error))
    return _redirect("/portfolio")


@router.post("/portfolio/{entry_id}/remove")
async def remove_entry(
    request: Request, entry_id: Annotated[int, Path(ge=1, le=2**31)], context: WebContext = Context
) -> Response:
    await _form(request, context)
    with context.atlas.write() as tx:
        service.remove_from_portfolio(tx, context.principal, entry_id)
    return _redirect("/portfolio")


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
        "on": _day(params.get("on"), "on", context.now.date()).isoformat(),
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


def _translated(cost: LandedCost, language: str) -> LandedCost:
    """The cost with its line labels in the page's language, for the chart."""
    gettext = translations(language).gettext
    lines = [replace(line, label=gettext(line.label)) for line in cost.lines]
    return replace(cost, lines=lines)


def _assessment_view(
    context: WebContext, result: Assessment, comparison: VariantComparison | None
) -> dict[str, Any]:
    market, on = result.market, result.on.isoformat()
    groups = []
    for severity in SEVERITIES:
        found = sorted(
            (f for f in result.findings if f.severity is severity),
            key=lambda f: (_STATUS_ORDER[f.status], f.rule),
        )
        if found:
            groups.append(
                {
                    "severity": str(severity),
                    "findings": [_finding(context, f, market, on) for f in found],
                }
            )
    lines = [
        {**line.as_dict(), "facts": [_fact(context, f, market, on) for f in line.facts]}
        for line in result.cost.lines
    ]
    view: dict[str, Any] = {
        "score": result.score,
        "penalties": result.as_dict()["penalties"],
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
        chart = waterfall_svg(_translated(result.cost, context.language))
        report = urlencode(query, doseq=True)  # the same assessment, as a report
        page.extra = {"chart": Markup(chart), "report_query": report}
    return respond(request, context, page)


@router.get("/assessment/report.{kind}")
def assessment_report(request: Request, kind: str, context: WebContext = Context) -> Response:
    """The report of the page's assessment, as the API and the CLI render it."""
    if kind not in ("html", "pdf"):
        raise NotFoundError(f"no report as {kind!r}: html or pdf")
    query = _query(request, context)
    if not (query["model"] and query["market"]):
        raise ValidationError("choose a model and a market", [Issue("required", field="model")])
    result, comparison = _assess(context, query)
    name = context.atlas.market(result.market).name_en
    if kind == "html":
        return HTMLResponse(render_html(result, comparison=comparison, market_name=name))
    pdf = render_pdf(result, comparison=comparison, market_name=name)
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


@router.get("/matrix")
def matrix_page(request: Request, context: WebContext = Context) -> Response:
    on = _day(request.query_params.get("on"), "on", context.now.date())
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
        data["error"] = _error(exc)
        rows = []
    data["rows"] = [{**r.as_dict(), "colour": _colour(r.assessment.score)} for r in rows]
    # The grid keeps the ranking: models by their best cell, markets as first ranked.
    data["grid"]["models"] = list(dict.fromkeys((r["model"], r["name"]) for r in data["rows"]))
    data["grid"]["markets"] = list(dict.fromkeys(r["market"] for r in data["rows"]))
    cells = {f"{r['model']}|{r['market']}": r for r in data["rows"]}
    page = Page("matrix.html", "Portfolio matrix", data, as_of=on.isoformat())
    page.extra = {"cells": cells, "bands": BANDS}
    return respond(request, context, page)
