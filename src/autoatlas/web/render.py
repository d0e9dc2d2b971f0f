"""One page, three answers: HTML, its JSON twin (`?format=json` or `Accept: application/json`)
and downloads of what it shows (`?format=csv|yaml|bundle.json`), all from the same data.

Every HTML page advertises its twin with `Link: rel="alternate"` and carries provenance in
its footer (sources cited, the "as of" date, the vocabulary version).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import urlencode

import orjson
from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from autoatlas.domain.facts import Fact
from autoatlas.errors import NotFoundError
from autoatlas.ingest.export import render_bundle
from autoatlas.web.context import CSRF_COOKIE, WebContext
from autoatlas.web.i18n import COOKIE as LANG_COOKIE
from autoatlas.web.i18n import HTML_LANG, LANGUAGES, translations

__all__ = ["Page", "environment", "respond", "url_with"]

DOWNLOADS = {
    "csv": ("text/csv; charset=utf-8", "csv", "csv"),
    "yaml": ("application/yaml; charset=utf-8", "yaml", "yaml"),
    "bundle": ("application/json", "json", "bundle.json"),
}
YEAR = 365 * 24 * 3600


@dataclass(slots=True)
class Page:
    template: str
    title: str
    data: dict[str, Any]  # the JSON twin; the template renders from it too
    status: int = 200
    facts: Sequence[Fact] | None = None  # what the downloads hold; None: a page without facts
    download_name: str = "autoatlas"
    sources: list[dict[str, Any]] = field(default_factory=list)  # footer provenance
    as_of: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # HTML-only helpers (forms, SVG)


@cache
def environment(language: str) -> Environment:
    env = Environment(
        loader=PackageLoader("autoatlas.web", "templates"),
        autoescape=select_autoescape(["html", "xml"], default=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.globals["url_with"] = url_with
    return env


def url_with(request: Request, **changes: Any) -> str:
    """The current URL with some query parameters changed (None removes one)."""
    params = dict(request.query_params)
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = str(value)
    query = urlencode(params)
    return request.url.path + (f"?{query}" if query else "")


def _wants_json(request: Request) -> bool:
    fmt = request.query_params.get("format")
    if fmt is not None:
        return fmt == "json"
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _finish(response: Response, context: WebContext) -> Response:
    if context.new_csrf_cookie:
        response.set_cookie(CSRF_COOKIE, context.csrf, httponly=True, samesite="lax", path="/")
    if context.set_language:
        response.set_cookie(LANG_COOKIE, context.language, max_age=YEAR, samesite="lax", path="/")
    response.headers["Vary"] = "Accept, Cookie"
    return response


def _no_download(request: Request, fmt: str) -> Page:
    """What a download of a page without facts answers: a 404 that says what to ask instead
    (an empty bundle would look like a page with nothing in it)."""
    detail = (
        f"{request.url.path} has no facts to download as {fmt}; "
        "use ?format=json for the page's data"
    )
    status, code = NotFoundError.status, NotFoundError.code
    data = {"error": {"status": status, "code": code, "detail": detail}, "issues": []}
    return Page("error.html", str(status), data, status=status)


def respond(request: Request, context: WebContext, page: Page) -> Response:
    fmt = request.query_params.get("format")
    if fmt in DOWNLOADS and page.facts is None and page.status < 400:
        page = _no_download(request, fmt)  # an error page keeps its own status and message
    if fmt in DOWNLOADS and page.facts is not None:
        media, kind, suffix = DOWNLOADS[fmt]
        body = render_bundle(list(page.facts), kind)
        disposition = f'attachment; filename="{page.download_name}.{suffix}"'
        response: Response = Response(
            body, media_type=media, headers={"Content-Disposition": disposition}
        )
        return _finish(response, context)
    if _wants_json(request):
        payload = {**page.data, "language": context.language}
        response = Response(
            orjson.dumps(payload, option=orjson.OPT_NON_STR_KEYS, default=str),
            status_code=page.status,
            media_type="application/json",
        )
        return _finish(response, context)
    template = environment(context.language).get_template(page.template)
    html = template.render(
        page=page,
        data=page.data,
        request=request,
        ctx=context,
        lang=context.language,
        html_lang=HTML_LANG[context.language],
        languages=LANGUAGES,
        **page.extra,
    )
    response = HTMLResponse(html, status_code=page.status)
    response.headers["Link"] = f'<{url_with(request, format="json")}>; rel="alternate"; ' + (
        'type="application/json"'
    )
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return _finish(response, context)
