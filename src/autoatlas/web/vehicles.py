"""Pages of an organization's vehicle models (spec, create by paste or upload, replace,
delete, export) and of its portfolio; the assessment and matrix pages are in
`autoatlas.web.assessments`.

Everything here is private to the signed-in user's organization: the services of
`autoatlas.vehicles.service` check it (the same calls as the API and the CLI); the pages
parse, call, and render. A pasted or uploaded spec is read by `service.parse_models_text`,
as the CLI reads a file.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

import yaml
from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from autoatlas.errors import AutoAtlasError, ConflictError, Issue, NotFoundError, ValidationError
from autoatlas.vehicles import service
from autoatlas.web.context import CSRF_FIELD, WebContext, check_csrf, web_context
from autoatlas.web.render import Page, respond
from autoatlas.web.webroute import WebRoute

__all__ = ["error_view", "parse_day", "router"]

router = APIRouter(route_class=WebRoute, include_in_schema=False)
Context = Depends(web_context)


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def parse_day(raw: str | None, name: str, default: date) -> date:
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


async def _spec_text(fields: dict[str, str], upload: UploadFile | None) -> tuple[bytes | str, str]:
    """The pasted text or the uploaded file's bytes, and the name issues will cite."""
    if upload is not None:
        return await upload.read(service.MAX_FILE_BYTES + 1), upload.filename or "spec"
    text = fields.get("spec", "")
    if not text.strip():
        message = "paste a spec or choose a file"
        raise ValidationError(message, [Issue(message, field="spec")])
    return text, "spec"


def _as_text(raw: bytes | str) -> str:
    """What the form shows back to be fixed."""
    return raw if isinstance(raw, str) else raw.decode("utf-8", errors="replace")


def error_view(exc: AutoAtlasError) -> dict[str, Any]:
    """An error as the forms show it: status, message, and each issue with its place."""
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
        raw, where = await _spec_text(fields, upload)
        text = _as_text(raw)
        specs = service.parse_models_text(raw, where)
        with context.atlas.write() as tx:
            result = service.import_models(tx, context.principal, specs)
    except (ValidationError, ConflictError) as exc:
        return respond(request, context, _form_page(None, text, error_view(exc)))
    created = result.created
    return _redirect(f"/models/{created[0]}" if len(created) == 1 else "/models")


@router.get("/models/{slug}")
def model_page(request: Request, slug: str, context: WebContext = Context) -> Response:
    with context.atlas.read() as connection:
        model = service.get_model(connection, context.principal, slug[:63])
        entries = service.list_portfolio(connection, context.principal, model=model.slug)
    data = {"model": _model_view(model), "portfolio": [e.as_dict() for e in entries]}
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
        raw, where = await _spec_text(fields, upload)
        text = _as_text(raw)
        spec = service.only_model(service.parse_models_text(raw, where), where)
        with context.atlas.write() as tx:
            service.update_model(tx, context.principal, slug[:63], spec)
    except ValidationError as exc:
        return respond(request, context, _form_page(slug, text, error_view(exc)))
    return _redirect(f"/models/{slug[:63]}")


@router.post("/models/{slug}/delete")
async def delete_model(request: Request, slug: str, context: WebContext = Context) -> Response:
    await _form(request, context)
    with context.atlas.write() as tx:
        service.delete_model(tx, context.principal, slug[:63])
    return _redirect("/models")


# -- portfolio ---------------------------------------------------------------------------
def _optional_day(fields: dict[str, str], name: str) -> date | None:
    raw = fields.get(name, "").strip()
    return parse_day(raw, name, date.today()) if raw else None


def _portfolio_page(context: WebContext, form: dict[str, str], error: Any = None) -> Page:
    with context.atlas.read() as connection:
        entries = service.list_portfolio(connection, context.principal)
        models = service.list_models(connection, context.principal)
    data = {
        "entries": [e.as_dict() for e in entries],
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
        error = {**error_view(exc), "status": 422}  # the form's input is what is wrong
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
