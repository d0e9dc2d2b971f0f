"""The application: `create_app(settings)` builds the HTTP API under /api/v1 and the web
pages for people at /."""

from __future__ import annotations

import gc
import threading
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.staticfiles import StaticFiles

from autoatlas.api.bodylimit import BodyLimitMiddleware
from autoatlas.api.problems import PROBLEM_MEDIA_TYPE, ServerErrorMiddleware, install_handlers
from autoatlas.api.profile_cache import ProfileCache
from autoatlas.api.profiles import warm_profiles
from autoatlas.api.ratelimit import RateLimitMiddleware
from autoatlas.api.routers import (
    accounts,
    alerts,
    assessments,
    audit,
    changesets,
    facts,
    markets,
    session,
    vehicles,
    vocabulary,
)
from autoatlas.atlas import Atlas
from autoatlas.config import Settings
from autoatlas.web import STATIC_DIR
from autoatlas.web.routes import router as web_router

__all__ = ["API_PREFIX", "app_from_env", "create_app"]

API_PREFIX = "/api/v1"
DESCRIPTION = """The common database of overseas automotive markets: cited, time-aware facts.

Send `Authorization: Bearer aa_...` (see docs/api.md). Every error is an RFC 9457 problem
document (`application/problem+json`)."""


def create_app(settings: Settings, *, atlas: Atlas | None = None) -> FastAPI:
    """The API app for these settings (pass an Atlas to share its engine and connections)."""
    app = FastAPI(
        title="AutoAtlas API",
        version="1",
        description=DESCRIPTION,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
    )
    app.state.atlas = Atlas(settings, engine=atlas.engine if atlas is not None else None)
    app.state.profile_cache = ProfileCache(settings.profile_cache_mb * 1024 * 1024)
    install_handlers(app)
    for module in (
        markets,
        vocabulary,
        facts,
        changesets,
        accounts,
        audit,
        session,
        vehicles,
        assessments,
        alerts,
    ):
        app.include_router(module.router, prefix=API_PREFIX)
    app.include_router(web_router)  # the pages for people, at / (not in the OpenAPI document)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    # Added last runs first: errors outermost, then rate limits, then the body limit.
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RateLimitMiddleware, per_minute=settings.rate_limit_per_minute)
    app.add_middleware(ServerErrorMiddleware)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The generated document, with problem responses as application/problem+json, the 400
    of malformed JSON and the 429 of the rate limit on every operation."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    problem_ref = {"$ref": "#/components/schemas/Problem"}
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            for status in ("400", "401", "429"):
                responses.setdefault(status, {"description": "A problem document."})
            for status, response in responses.items():
                if status.startswith(("4", "5")):
                    response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": problem_ref}}
                elif status == "304":
                    response.pop("content", None)
    app.openapi_schema = schema
    return schema


def app_from_env() -> FastAPI:
    """The app with settings from the environment: what `autoatlas serve` runs."""
    app = create_app(Settings.from_env())
    app.state.atlas.vocabulary  # noqa: B018  load it now, not on the first request (~1 s)
    # What is loaded now (vocabulary, unit registry, market catalogue: about a million
    # objects) lives as long as the process: keep it out of the cyclic collector, whose
    # full passes over it were pauses of tens of ms in the middle of requests.
    gc.collect()
    gc.freeze()
    if app.state.atlas.settings.profile_cache_warm:
        # In the background: the server answers at once, misses being computed as usual.
        threading.Thread(
            target=warm_profiles,
            args=(app.state.profile_cache, app.state.atlas, datetime.now(UTC).date()),
            name="profile-warm-up",
            daemon=True,
        ).start()
    return app
