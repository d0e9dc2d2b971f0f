"""Errors on web pages: one renderer that answers an HTML page or JSON by the request.

Routes of the web router use `WebRoute`, so a library error raised while building a page
(unknown market, bad date, no permission, expired session) becomes a readable page with
the status the error carries, instead of the API's problem document.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.routing import APIRoute

from autoatlas.errors import AuthenticationError, AutoAtlasError, ValidationError
from autoatlas.web.context import web_context
from autoatlas.web.render import Page, respond

__all__ = ["WebRoute", "error_page"]


def error_page(request: Request, exc: AutoAtlasError) -> Response:
    context = web_context(request)
    if isinstance(exc, AuthenticationError) and request.method == "GET":
        accept = request.headers.get("accept", "")
        if "application/json" not in accept and request.query_params.get("format") != "json":
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    issues = [i.as_dict() for i in exc.issues] if isinstance(exc, ValidationError) else []
    data = {
        "error": {"status": exc.status, "code": exc.code, "detail": exc.message},
        "issues": issues,
    }
    return respond(request, context, Page("error.html", str(exc.status), data, status=exc.status))


class WebRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except AutoAtlasError as exc:
                return error_page(request, exc)
            except RequestValidationError as exc:
                message = "; ".join(str(e.get("msg")) for e in exc.errors()) or "invalid request"
                return error_page(request, ValidationError(message))

        return guarded
