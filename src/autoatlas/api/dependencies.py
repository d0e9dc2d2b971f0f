"""Dependencies: the Atlas, the request's time and the principal behind the credentials."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request

from autoatlas.atlas import Atlas
from autoatlas.auth.principal import ANONYMOUS, Principal
from autoatlas.auth.service import authenticate_session, authenticate_token
from autoatlas.config import Settings
from autoatlas.errors import AuthenticationError, PermissionDeniedError
from autoatlas.review.permissions import check_read

__all__ = [
    "SAFE_METHODS",
    "SESSION_COOKIE",
    "AtlasDep",
    "CurrentPrincipal",
    "MeteredPrincipal",
    "ReadPrincipal",
    "SettingsDep",
    "SignedInPrincipal",
    "request_time",
]

SESSION_COOKIE = "autoatlas_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


# Dependencies that do no I/O are async: FastAPI then runs them on the event loop instead
# of handing each one to the thread pool (a measurable share of a cached 304 answer).
async def get_atlas(request: Request) -> Atlas:
    atlas: Atlas = request.app.state.atlas
    return atlas


async def get_settings(request: Request) -> Settings:
    atlas: Atlas = request.app.state.atlas
    return atlas.settings


AtlasDep = Annotated[Atlas, Depends(get_atlas)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def request_time(request: Request) -> datetime:
    """The request's time (naive UTC, as the store keeps times), taken once per request."""
    now: datetime | None = getattr(request.state, "now", None)
    if now is None:
        now = request.state.now = datetime.now(UTC).replace(tzinfo=None)
    return now


async def get_principal(request: Request, atlas: AtlasDep) -> Principal:
    """Bearer token, else session cookie (with CSRF check on writes), else anonymous.

    Async: an anonymous request needs no I/O, and a token or session is one indexed read,
    cheaper on the event loop than a hand-off to the thread pool for every request.
    """
    now = request_time(request)
    authorization = request.headers.get("authorization")
    if authorization is not None:
        scheme, _, credential = authorization.partition(" ")
        if scheme.lower() != "bearer" or not credential.strip():
            raise AuthenticationError("use the header Authorization: Bearer aa_...")
        with atlas.read() as connection:
            return authenticate_token(connection, credential.strip(), now)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        with atlas.read() as connection:
            principal, csrf = authenticate_session(connection, cookie[:200], now)
        if request.method not in SAFE_METHODS:
            sent = request.headers.get(CSRF_HEADER, "")
            if not sent or not secrets.compare_digest(sent.encode(), csrf.encode()):
                raise PermissionDeniedError(
                    f"a signed-in browser request that changes something needs the {CSRF_HEADER} "
                    "header with the token POST /session returned"
                )
        return principal
    return ANONYMOUS


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


async def get_signed_in(principal: CurrentPrincipal) -> Principal:
    if not principal.authenticated:
        raise AuthenticationError("sign in or send a bearer token for this")
    return principal


async def get_reader(principal: CurrentPrincipal, settings: SettingsDep) -> Principal:
    check_read(principal, anonymous_read=settings.anonymous_read)
    return principal


async def get_metered_reader(
    principal: Annotated[Principal, Depends(get_reader)], settings: SettingsDep
) -> Principal:
    if settings.metering and not principal.authenticated:
        raise AuthenticationError("metering is on: detailed look-ups need a bearer token")
    return principal


SignedInPrincipal = Annotated[Principal, Depends(get_signed_in)]
ReadPrincipal = Annotated[Principal, Depends(get_reader)]
MeteredPrincipal = Annotated[Principal, Depends(get_metered_reader)]
