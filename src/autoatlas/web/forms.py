"""Pages with forms: sign in and out, contribute a fact, the review queue, a change set with
its before/after diff, approve or reject, organization settings and tokens.

Every POST carries the CSRF token (checked first, 403 otherwise) and answers with a redirect
(303) to the page that shows the result, or the form again with what was wrong.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from autoatlas.auth import service
from autoatlas.auth.principal import ROLE_SCOPES
from autoatlas.domain.facts import SOURCE_KINDS
from autoatlas.errors import AuthenticationError, ValidationError
from autoatlas.review import changesets
from autoatlas.store.changesets import ChangeSetRow
from autoatlas.store.queries import FactFilter
from autoatlas.web import present
from autoatlas.web.context import CSRF_FIELD, SESSION_COOKIE, WebContext, check_csrf, web_context
from autoatlas.web.render import Page, respond
from autoatlas.web.webroute import WebRoute

__all__ = ["router"]

router = APIRouter(route_class=WebRoute, include_in_schema=False)
Context = Depends(web_context)
FACT_FIELDS = (
    "title",
    "market",
    "property",
    "value",
    "unit",
    "qualifiers",
    "valid_from",
    "valid_to",
    "note",
    "source_kind",
    "source_title",
    "source_url",
    "source_publisher",
    "source_published",
)


async def _form(request: Request, context: WebContext) -> dict[str, str]:
    form = await request.form()
    check_csrf(context, str(form.get(CSRF_FIELD) or ""))
    return {k: str(v)[:4000] for k, v in form.items() if isinstance(v, str)}


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _safe_next(raw: str | None) -> str:
    parts = urlsplit(raw or "/")
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return "/"
    return parts.path + (f"?{parts.query}" if parts.query else "")


# -- sign in and out -------------------------------------------------------------------
@router.get("/login")
def login_page(request: Request, context: WebContext = Context) -> Response:
    data = {"next": _safe_next(request.query_params.get("next")), "error": None}
    return respond(request, context, Page("login.html", "Sign in", data))


@router.post("/login")
async def login(request: Request, context: WebContext = Context) -> Response:
    form = await _form(request, context)
    target = _safe_next(form.get("next"))
    try:
        with context.atlas.write() as tx:
            secret, _csrf, _principal = service.login(
                tx, email=form.get("email", ""), password=form.get("password", "")
            )
    except AuthenticationError as exc:
        data = {"next": target, "error": exc.message, "email": form.get("email", "")}
        return respond(request, context, Page("login.html", "Sign in", data, status=401))
    response = _redirect(target)
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=int(service.SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.post("/logout")
async def logout(request: Request, context: WebContext = Context) -> Response:
    await _form(request, context)
    secret = request.cookies.get(SESSION_COOKIE)
    if secret and context.signed_in:
        with context.atlas.write() as tx:
            service.logout(tx, secret[:200])
    response = _redirect("/")
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    return response


# -- contribute ------------------------------------------------------------------------
def _contribute_page(context: WebContext, form: dict[str, str], error: Any = None) -> Page:
    vocabulary, lang = context.atlas.vocabulary, context.language
    properties = [
        {"id": p.id, "label": p.label.get(lang), "dimension": p.dimension, "unit": p.unit or ""}
        for p in vocabulary.properties.values()
    ]
    data = {"form": form, "error": error, "source_kinds": list(SOURCE_KINDS)}
    page = Page("contribute.html", "Contribute", data, status=422 if error else 200)
    page.extra = {"properties": properties}
    return page


@router.get("/contribute")
def contribute_page(request: Request, context: WebContext = Context) -> Response:
    if not context.signed_in:
        raise AuthenticationError("sign in to contribute")
    form = {k: request.query_params.get(k, "") for k in FACT_FIELDS}
    return respond(request, context, _contribute_page(context, form))


def _value(context: WebContext, prop_id: str, raw: str) -> Any:
    prop = context.atlas.vocabulary.properties.get(prop_id)
    text = raw.strip()
    if prop is None:
        return text
    kind = str(prop.datatype)
    if kind == "bool":
        return {"true": True, "yes": True, "false": False, "no": False}.get(text.lower(), text)
    if kind == "range" and "-" in text.strip("-"):
        low, high = text.split("-", 1)
        return {"min": low.strip(), "max": high.strip()}
    return text


def _bundle(context: WebContext, form: dict[str, str]) -> dict[str, Any]:
    """The form as a one-fact bundle with its one source (the format imports use)."""
    source = {
        "id": "s1",
        "kind": form.get("source_kind") or "news",
        "title": form.get("source_title", "").strip(),
    }
    for key in ("url", "publisher", "published"):
        if form.get(f"source_{key}", "").strip():
            source[key] = form[f"source_{key}"].strip()
    item: dict[str, Any] = {
        "market": form.get("market", "").strip().upper(),
        "property": form.get("property", "").strip(),
        "value": _value(context, form.get("property", ""), form.get("value", "")),
        "sources": ["s1"],
    }
    pairs = [p.split(":", 1) for p in form.get("qualifiers", "").split(",") if ":" in p]
    if pairs:
        item["qualifiers"] = {k.strip(): v.strip() for k, v in pairs}
    for key in ("unit", "valid_from", "valid_to", "note"):
        if form.get(key, "").strip():
            item[key] = form[key].strip()
    return {"sources": [source], "facts": [item]}


@router.post("/contribute")
async def contribute(request: Request, context: WebContext = Context) -> Response:
    form = await _form(request, context)
    atlas = context.atlas
    try:
        with atlas.write() as tx:
            row = changesets.submit(
                tx,
                context.principal,
                bundle=_bundle(context, form),
                title=form.get("title", "") or "contribution",
                vocabulary=atlas.vocabulary,
            )
    except ValidationError as exc:
        error = {"detail": exc.message, "issues": [str(i) for i in exc.issues]}
        return respond(request, context, _contribute_page(context, form, error))
    return _redirect(f"/changes/{row.id}")


# -- review ----------------------------------------------------------------------------
def _change_set_view(row: ChangeSetRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "title": row.title,
        "author": row.author,
        "kind": row.kind,
        "state": row.state,
        "private": row.private,
        "summary": row.summary,
        "submitted_at": row.submitted_at.isoformat(timespec="minutes"),
        "reviewed_at": row.reviewed_at.isoformat(timespec="minutes") if row.reviewed_at else None,
        "review_comment": row.review_comment,
    }


@router.get("/review")
def review_queue(request: Request, context: WebContext = Context) -> Response:
    state = request.query_params.get("state") or None
    with context.atlas.read() as connection:
        rows = changesets.change_sets_for(
            connection,
            context.principal,
            state=state,
            queue=context.principal.operator,
            after_id=0,
            limit=200,
        )
    data = {"state": state, "change_sets": [_change_set_view(r) for r in reversed(rows)]}
    return respond(request, context, Page("review.html", "Review", data))


def _diff(context: WebContext, bundle: Any) -> list[dict[str, Any]]:
    """Each proposed fact beside what the database holds now for the same statement."""
    atlas, lang, vocabulary = context.atlas, context.language, context.atlas.vocabulary
    items = bundle.get("facts", []) if isinstance(bundle, dict) else []
    sources = {s.get("id"): s for s in bundle.get("sources", [])} if items else {}
    rows = []
    for item in items:
        market, prop = str(item.get("market", "")), str(item.get("property", ""))
        qualifiers = item.get("qualifiers") or {}
        where = FactFilter(markets=[market], properties=[prop], qualifiers=qualifiers)
        before = [f for f in atlas.facts(where) if f.qualifiers == qualifiers]
        definition = vocabulary.properties.get(prop)
        rows.append(
            {
                "market": market,
                "property": prop,
                "label": definition.label.get(lang) if definition else prop,
                "qualifiers": present.qualifiers_text(vocabulary, qualifiers, lang),
                "before": [present.fact_view(vocabulary, f, lang) for f in before],
                "after": {
                    "text": present.format_value(
                        definition,
                        item.get("value"),
                        item.get("unit") or (definition.unit if definition else None),
                        lang,
                    ),
                    "valid_from": item.get("valid_from"),
                    "valid_to": item.get("valid_to"),
                    "note": item.get("note"),
                    "retract": bool(item.get("retract")),
                    "sources": [
                        sources.get(s, {"title": str(s)}) if isinstance(s, str) else s
                        for s in item.get("sources", [])
                    ],
                },
            }
        )
    return rows


@router.get("/changes/{change_set_id}")
def change_set(request: Request, change_set_id: int, context: WebContext = Context) -> Response:
    with context.atlas.read() as connection:
        row = changesets.visible_change_set(connection, context.principal, change_set_id)
    data = {"change_set": _change_set_view(row), "diff": _diff(context, row.bundle)}
    page = Page("change.html", row.title, data)
    page.extra = {"may_review": context.principal.operator or row.private}
    return respond(request, context, page)


@router.post("/changes/{change_set_id}/approve")
async def approve(request: Request, change_set_id: int, context: WebContext = Context) -> Response:
    form = await _form(request, context)
    with context.atlas.write() as tx:
        changesets.approve(
            tx,
            context.principal,
            change_set_id,
            comment=form.get("comment") or None,
            grade=0,
            vocabulary=context.atlas.vocabulary,
        )
    return _redirect(f"/changes/{change_set_id}")


@router.post("/changes/{change_set_id}/reject")
async def reject(request: Request, change_set_id: int, context: WebContext = Context) -> Response:
    form = await _form(request, context)
    with context.atlas.write() as tx:
        changesets.reject(tx, context.principal, change_set_id, comment=form.get("comment", ""))
    return _redirect(f"/changes/{change_set_id}")


# -- settings and tokens ---------------------------------------------------------------
def _settings_page(context: WebContext, new_token: str | None = None) -> Page:
    principal = context.principal
    with context.atlas.read() as connection:
        user = service.current_user(connection, principal)
        organization = service.visible_organization(connection, principal, user.organization)
        tokens = service.list_tokens(connection, principal)
    data = {
        "user": {"email": user.email, "name": user.name, "role": user.role},
        "organization": {
            "slug": organization.slug,
            "name": organization.name,
            "kind": organization.kind,
        },
        "tokens": [
            {
                "id": t.id,
                "name": t.name,
                "prefix": t.prefix,
                "scopes": list(t.scopes),
                "created_at": t.created_at.isoformat(timespec="minutes"),
                "expires_at": t.expires_at.isoformat(timespec="minutes") if t.expires_at else None,
                "revoked": t.revoked_at is not None,
            }
            for t in tokens
        ],
        "new_token": new_token,
    }
    return Page("settings.html", "Settings", data)


@router.get("/settings")
def settings_page(request: Request, context: WebContext = Context) -> Response:
    return respond(request, context, _settings_page(context))


@router.post("/settings/tokens")
async def create_token(request: Request, context: WebContext = Context) -> Response:
    form = await _form(request, context)
    principal = context.principal
    scopes = sorted(str(s) for s in ROLE_SCOPES[principal.role]) if principal.role else []
    with context.atlas.write() as tx:
        plain, _row = service.issue_token(
            tx, principal, name=form.get("name", "") or "web token", scopes=scopes
        )
    return respond(request, context, _settings_page(context, new_token=plain))


@router.post("/settings/tokens/{token_id}/revoke")
async def revoke_token(request: Request, token_id: int, context: WebContext = Context) -> Response:
    await _form(request, context)
    with context.atlas.write() as tx:
        service.revoke_token(tx, context.principal, token_id)
    return _redirect("/settings")
