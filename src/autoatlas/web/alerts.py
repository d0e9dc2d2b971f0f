"""Pages for alerts: the organization's watchlists, its inbox, and where alerts go (webhook and
e-mail channels, their recent deliveries, dead letters, the Atom feed's token).

Each page calls the same services as the API routes (`autoatlas.alerts`), so permissions are
theirs: any member reads the inbox and manages watchlists; admins manage channels, dead
letters and feed tokens. Every POST checks the CSRF token first; the inbox's read toggle
answers htmx with the alert's fragment and a plain form with a redirect.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from autoatlas.alerts import watchlists
from autoatlas.alerts.channels import atom, inbox, manage
from autoatlas.alerts.matching import Severity
from autoatlas.errors import Issue, ValidationError
from autoatlas.web import present
from autoatlas.web.context import CSRF_FIELD, WebContext, check_csrf, web_context
from autoatlas.web.render import Page, respond
from autoatlas.web.webroute import WebRoute

__all__ = ["router"]

router = APIRouter(route_class=WebRoute, include_in_schema=False)
Context = Depends(web_context)
SEVERITIES = tuple(s.label for s in Severity)  # blocker first
INBOX_SIZE = 100
RECENT_DELIVERIES = 50
WATCHLIST_FIELDS = ("name", "markets", "dimensions", "properties", "qualifiers", "min_severity")


async def _form(request: Request, context: WebContext) -> FormData:
    form = await request.form()
    check_csrf(context, str(form.get(CSRF_FIELD) or ""))
    return form


def _text(form: FormData, name: str, limit: int = 2000) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _by_field(exc: ValidationError, fields: tuple[str, ...]) -> dict[str, list[str]]:
    """The services say where in the message ("markets: unknown market(s) ZZ"): file each
    problem under its form field, the rest under "form"."""
    found: dict[str, list[str]] = {}
    for issue in exc.issues:
        field, message = issue.field, issue.message
        head, _, rest = message.partition(": ")
        if field is None and rest and head.split(".")[0] in fields:
            field, message = head.split(".")[0], rest
        found.setdefault(field if field in fields else "form", []).append(message)
    return found


# -- watchlists -------------------------------------------------------------------------------
def _watchlist_choices(context: WebContext) -> dict[str, Any]:
    """The vocabulary as the form offers it, labelled in the page's language."""
    vocabulary, lang = context.atlas.vocabulary, context.language
    return {
        "dimensions": [
            {
                "id": d.id,
                "label": d.label.get(lang),
                "properties": [
                    {"id": p.id, "label": p.label.get(lang)} for p in vocabulary.in_dimension(d.id)
                ],
            }
            for d in vocabulary.dimensions.values()
        ],
        "qualifiers": [
            {"id": q.id, "label": q.label.get(lang), "values": list(q.values or ())}
            for q in vocabulary.qualifiers.values()
        ],
        "severities": list(SEVERITIES),
    }


def _watchlist_view(context: WebContext, row: Any) -> dict[str, Any]:
    vocabulary, lang = context.atlas.vocabulary, context.language
    dims, props = vocabulary.dimensions, vocabulary.properties
    view: dict[str, Any] = row.as_dict()
    view.pop("organization_id", None)
    view["dimension_labels"] = [dims[d].label.get(lang) if d in dims else d for d in row.dimensions]
    view["property_labels"] = [
        props[p].label.get(lang) if p in props else p for p in row.properties
    ]
    view["qualifiers_text"] = present.qualifiers_text(vocabulary, row.qualifiers, lang)
    return view


def _watchlists_page(
    context: WebContext,
    form: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
) -> Page:
    with context.atlas.read() as connection:
        rows = watchlists.list_watchlists(connection, context.principal)
    data = {
        "watchlists": [_watchlist_view(context, row) for row in rows],
        "form": form or {"min_severity": "info", "dimensions": [], "properties": []},
        "errors": errors or {},
    }
    page = Page("watchlists.html", "Watchlists", data, status=422 if errors else 200)
    page.extra = {"choices": _watchlist_choices(context)}
    return page


@router.get("/watchlists")
def watchlists_page(request: Request, context: WebContext = Context) -> Response:
    return respond(request, context, _watchlists_page(context))


def _watchlist_form(context: WebContext, form: FormData) -> dict[str, Any]:
    qualifiers = {
        key: _text(form, f"qualifier.{key}", 64)
        for key in context.atlas.vocabulary.qualifiers
        if _text(form, f"qualifier.{key}", 64)
    }
    return {
        "name": _text(form, "name", 200),
        "markets": [m for m in _text(form, "markets").replace(";", ",").split(",") if m.strip()],
        "dimensions": [str(d)[:64] for d in form.getlist("dimensions")][:20],
        "properties": [str(p)[:200] for p in form.getlist("properties")][:200],
        "qualifiers": qualifiers,
        "min_severity": _text(form, "min_severity", 20) or "info",
    }


@router.post("/watchlists")
async def create_watchlist(request: Request, context: WebContext = Context) -> Response:
    form = _watchlist_form(context, await _form(request, context))
    try:
        if len(form["markets"]) > 100:
            raise ValidationError("markets: at most 100", [Issue("at most 100", field="markets")])
        with context.atlas.write() as tx:
            watchlists.create_watchlist(
                tx, context.principal, vocabulary=context.atlas.vocabulary, **form
            )
    except ValidationError as exc:
        errors = _by_field(exc, WATCHLIST_FIELDS)
        return respond(request, context, _watchlists_page(context, form, errors))
    return _redirect("/watchlists")


@router.post("/watchlists/{watchlist_id}/delete")
async def delete_watchlist(
    request: Request, watchlist_id: int, context: WebContext = Context
) -> Response:
    await _form(request, context)
    with context.atlas.write() as tx:
        watchlists.remove_watchlist(tx, context.principal, watchlist_id)
    return _redirect("/watchlists")


# -- the inbox --------------------------------------------------------------------------------
def _value(context: WebContext, prop: str | None, item: dict[str, Any]) -> dict[str, Any]:
    definition = context.atlas.vocabulary.properties.get(prop or "")
    text = present.format_value(definition, item.get("value"), item.get("unit"), context.language)
    return {**item, "text": text}


def _alert_view(context: WebContext, row: Any) -> dict[str, Any]:
    """One alert as the inbox shows it: its cause, before and after, what it cites."""
    vocabulary, lang, detail = context.atlas.vocabulary, context.language, row.detail
    view: dict[str, Any] = row.as_dict()
    view.pop("organization_id", None)
    definition = vocabulary.properties.get(row.property or "")
    view["property_label"] = definition.label.get(lang) if definition else row.property
    qualifiers = detail.get("qualifiers") or {}
    view["qualifiers_text"] = present.qualifiers_text(vocabulary, qualifiers, lang)
    view["qualifiers_query"] = ",".join(f"{k}:{v}" for k, v in sorted(qualifiers.items()))
    view["change_set"] = detail.get("change_set")
    view["created"] = row.created_at.isoformat(sep=" ", timespec="minutes")
    if row.kind == "change":
        view["before"] = [_value(context, row.property, v) for v in detail.get("before", [])]
        view["after"] = [_value(context, row.property, v) for v in detail.get("after", [])]
    elif row.kind == "assessment":
        view["model"] = detail.get("model")
        view["changes"] = detail.get("changes", [])
        view["before"] = detail.get("before", {})
        view["after"] = detail.get("after", {})
    return view


@router.get("/inbox")
def inbox_page(request: Request, context: WebContext = Context) -> Response:
    unread = request.query_params.get("unread") in ("1", "true", "yes")
    raw = request.query_params.get("before", "")
    before = int(raw) if raw.isdigit() and 0 < int(raw) < 2**62 else None
    with context.atlas.read() as connection:
        rows = inbox.inbox(
            connection,
            context.principal,
            unread_only=unread,
            before_id=before,
            limit=INBOX_SIZE + 1,
        )
    shown = rows[:INBOX_SIZE]
    data = {
        "unread_only": unread,
        "alerts": [_alert_view(context, row) for row in inbox.ranked(shown)],
        "older": min(r.id for r in shown) if len(rows) > INBOX_SIZE else None,
    }
    return respond(request, context, Page("inbox.html", "Inbox", data))


@router.get("/inbox/unread")
def unread_count(request: Request, context: WebContext = Context) -> Response:
    """The navigation's badge: how many alerts are unread (99+ past a hundred)."""
    count = 0
    if context.signed_in:
        with context.atlas.read() as connection:
            count = inbox.unread_count(connection, context.principal)
    page = Page("_alert_unread.html", "Inbox", {"unread": count})
    return respond(request, context, page)


@router.post("/inbox/{alert_id}/read")
async def toggle_read(request: Request, alert_id: int, context: WebContext = Context) -> Response:
    form = await _form(request, context)
    read = _text(form, "read") != "0"
    with context.atlas.write() as tx:
        inbox.mark_alert(tx, context.principal, alert_id, read=read)
    if request.headers.get("hx-request") != "true":
        back = _text(form, "back", 300)
        return _redirect(back if back.startswith("/inbox") else "/inbox")
    # htmx swaps the alert in place and, out of band, the navigation's unread badge
    with context.atlas.read() as connection:
        [row] = inbox.inbox(connection, context.principal, before_id=alert_id + 1, limit=1)
        unread = inbox.unread_count(connection, context.principal)
    data = {"alert": _alert_view(context, row), "unread": unread}
    return respond(request, context, Page("_alert_toggled.html", row.title, data))


# -- channels, dead letters and the feed ------------------------------------------------------
def _channels_page(
    request: Request,
    context: WebContext,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
    secret: str | None = None,
    feed_token: dict[str, Any] | None = None,
) -> Page:
    with context.atlas.read() as connection:
        channels = manage.list_channels(connection, context.principal)
        recent = manage.recent_deliveries(connection, context.principal, limit=RECENT_DELIVERIES)
        dead = manage.dead_letters(connection, context.principal)
        tokens = atom.list_feed_tokens(connection, context.principal)
    feed_base = str(request.base_url).rstrip("/") + "/api/v1/feeds/"
    data = {
        "channels": [
            {k: v for k, v in c.as_dict().items() if k != "organization_id"} for c in channels
        ],
        "deliveries": [d.as_dict() for d in recent],
        "dead_letters": [d.as_dict() for d in dead[-200:]],
        "form": form or {"kind": "webhook", "cadence": "immediate", "min_severity": "info"},
        "errors": errors or {},
        "new_secret": secret,
        "feed": {
            "url_pattern": feed_base + "{token}.atom",
            "new": feed_token,
            "tokens": [t.as_dict() for t in reversed(tokens)],
        },
    }
    page = Page("channels.html", "Channels", data, status=422 if errors else 200)
    page.extra = {"severities": SEVERITIES, "cadences": manage.CADENCES}
    return page


@router.get("/channels")
def channels_page(request: Request, context: WebContext = Context) -> Response:
    return respond(request, context, _channels_page(request, context))


@router.post("/channels")
async def add_channel(request: Request, context: WebContext = Context) -> Response:
    raw = await _form(request, context)
    defaults = {"kind": "", "target": "", "cadence": "immediate", "min_severity": "info"}
    form = {k: _text(raw, k) or default for k, default in defaults.items()}
    try:
        with context.atlas.write() as tx:
            _row, secret = manage.add_channel(tx, context.principal, **form)
    except ValidationError as exc:
        errors = _by_field(exc, ("kind", "target", "cadence", "min_severity"))
        return respond(request, context, _channels_page(request, context, form=form, errors=errors))
    return respond(request, context, _channels_page(request, context, secret=secret))


@router.post("/channels/{channel_id}/disable")
async def disable_channel(
    request: Request, channel_id: int, context: WebContext = Context
) -> Response:
    await _form(request, context)
    with context.atlas.write() as tx:
        manage.remove_channel(tx, context.principal, channel_id)
    return _redirect("/channels")


@router.post("/channels/dead-letters/{delivery_id}/replay")
async def replay(request: Request, delivery_id: int, context: WebContext = Context) -> Response:
    await _form(request, context)
    with context.atlas.write() as tx:
        manage.replay_dead_letter(tx, context.principal, now=context.now, delivery_id=delivery_id)
    return _redirect("/channels")


@router.post("/channels/feed-tokens")
async def issue_feed_token(request: Request, context: WebContext = Context) -> Response:
    await _form(request, context)
    with context.atlas.write() as tx:
        plain, token_id = atom.issue_feed_token(tx, context.principal)
    url = str(request.url_for("feed", token=plain))  # the API's route: one place for the URL
    new = {"id": token_id, "url": url}
    return respond(request, context, _channels_page(request, context, feed_token=new))


@router.post("/channels/feed-tokens/{token_id}/revoke")
async def revoke_feed_token(
    request: Request, token_id: int, context: WebContext = Context
) -> Response:
    await _form(request, context)
    with context.atlas.write() as tx:
        atom.revoke_feed_token(tx, context.principal, token_id)
    return _redirect("/channels")
