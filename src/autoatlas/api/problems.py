"""Every error as an RFC 9457 problem document: the API's one error renderer."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from autoatlas.errors import AutoAtlasError, RateLimitedError, ValidationError

__all__ = [
    "PROBLEM_MEDIA_TYPE",
    "Problem",
    "ProblemIssue",
    "ServerErrorMiddleware",
    "install_handlers",
    "problem_response",
    "problems",
]

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://autoatlas.example/problems/"
log = logging.getLogger("autoatlas.api")


class ProblemIssue(BaseModel):
    """One thing wrong with the input, and where: a bundle file and line, or a field."""

    file: str | None = None
    line: int | None = None
    field: str | None = None
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="A URI naming the kind of problem.")
    title: str
    status: int
    detail: str
    instance: str = Field(description="The path of the request that failed.")
    code: str = Field(description="A short machine-readable name of the problem.")
    errors: list[ProblemIssue] | None = None


_DESCRIPTIONS = {
    304: "Not modified: the representation matching If-None-Match is still current.",
    400: "Malformed request (e.g. a body that is not JSON, a bad cursor).",
    401: "No valid credentials where they are needed.",
    402: "Metering is on and the organization has no credits left.",
    403: "Credentials without the right (role, scope, CSRF token).",
    404: "No such resource (or one the caller may not see).",
    409: "The write conflicts with the current state.",
    413: "The request body is larger than the server accepts.",
    422: "The request breaks a rule; `errors` says which fields.",
    429: "Too many requests; retry after the Retry-After header's seconds.",
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for these problem statuses (the app's openapi() moves them to
    application/problem+json)."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        if status == 304:
            out[304] = {"description": _DESCRIPTIONS[304], "content": None}
        else:
            out[status] = {"model": Problem, "description": _DESCRIPTIONS[status]}
    return out


def problem_response(
    request_path: str,
    status: int,
    detail: str,
    *,
    code: str | None = None,
    issues: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    name = code or title.lower().replace(" ", "-")
    body: dict[str, Any] = {
        "type": TYPE_BASE + name,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request_path,
        "code": name,
    }
    if issues is not None:
        body["errors"] = issues
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


async def _library_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AutoAtlasError)
    issues = None
    if isinstance(exc, ValidationError):
        issues = [issue.as_dict() for issue in exc.issues]
    headers = None
    if isinstance(exc, RateLimitedError):
        headers = {"Retry-After": str(exc.retry_after)}
    if exc.status == 401:
        headers = {**(headers or {}), "WWW-Authenticate": 'Bearer realm="autoatlas"'}
    return problem_response(
        request.url.path, exc.status, exc.message, code=exc.code, issues=issues, headers=headers
    )


def _location(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in loc)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(error.get("type") == "json_invalid" for error in errors):
        detail = "the request body is not valid JSON"
        context = errors[0].get("ctx", {}).get("error")
        if context:
            detail += f": {context}"
        return problem_response(request.url.path, 400, detail, code="malformed-json")
    issues = [
        {"file": None, "line": None, "field": _location(e["loc"]), "message": e["msg"]}
        for e in errors
    ]
    head = f"{len(issues)} invalid field{'s' if len(issues) != 1 else ''}: " + ", ".join(
        str(i["field"]) for i in issues[:5]
    )
    return problem_response(request.url.path, 422, head, code="invalid", issues=issues)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    if exc.status_code == 404:
        detail = f"nothing at {request.url.path}"
    elif exc.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}"
    return problem_response(
        request.url.path, exc.status_code, detail, headers=dict(exc.headers or {}) or None
    )


def install_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AutoAtlasError, _library_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)


class ServerErrorMiddleware:
    """Anything unexpected becomes a 500 problem without internals (the cause is logged)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            response = problem_response(
                scope.get("path", ""),
                500,
                "the server failed to answer this request; it has been logged",
                code="internal-error",
            )
            await response(scope, receive, send)
