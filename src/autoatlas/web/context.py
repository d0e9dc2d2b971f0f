"""Who is asking and in which language: the request context every page is built with.

A browser signs in with the same server-side session as the API (`autoatlas_session`,
HttpOnly, SameSite=Lax). Every form carries a CSRF token: the session's own token when signed
in, else a random token kept in the `autoatlas_csrf` cookie (double submit, for the sign-in
form). Every POST is checked here before any service is called.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import Request

from autoatlas.atlas import Atlas
from autoatlas.auth.principal import ANONYMOUS, Principal
from autoatlas.auth.service import authenticate_session
from autoatlas.errors import AuthenticationError, PermissionDeniedError
from autoatlas.web.i18n import COOKIE as LANG_COOKIE
from autoatlas.web.i18n import choose_language

__all__ = [
    "CSRF_COOKIE",
    "CSRF_FIELD",
    "SESSION_COOKIE",
    "WebContext",
    "check_csrf",
    "web_context",
]

SESSION_COOKIE = "autoatlas_session"  # shared with the API's browser sessions
CSRF_COOKIE = "autoatlas_csrf"
CSRF_FIELD = "csrf_token"


@dataclass(frozen=True, slots=True)
class WebContext:
    atlas: Atlas
    language: str
    principal: Principal
    csrf: str  # the token this page's forms carry
    new_csrf_cookie: bool  # the anonymous token was just made: set its cookie
    now: datetime  # naive UTC, as the store keeps times
    set_language: bool  # ?lang= was given: remember it in a cookie

    @property
    def signed_in(self) -> bool:
        return self.principal.authenticated


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def web_context(request: Request) -> WebContext:
    atlas: Atlas = request.app.state.atlas
    now = _now()
    query_lang = request.query_params.get("lang")
    language = choose_language(
        query_lang, request.cookies.get(LANG_COOKIE), request.headers.get("accept-language")
    )
    principal, csrf = ANONYMOUS, ""
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        try:
            with atlas.read() as connection:
                principal, csrf = authenticate_session(connection, secret[:200], now)
        except AuthenticationError:
            principal, csrf = ANONYMOUS, ""
    new_cookie = False
    if not csrf:
        csrf = request.cookies.get(CSRF_COOKIE, "")[:100]
        if not csrf:
            csrf, new_cookie = secrets.token_urlsafe(32), True
    return WebContext(atlas, language, principal, csrf, new_cookie, now, query_lang is not None)


def check_csrf(context: WebContext, sent: str | None) -> None:
    """Refuse (403) a POST whose form does not carry this browser's token."""
    if context.new_csrf_cookie or not sent:
        raise PermissionDeniedError("the form's security token is missing: reload the page")
    if not secrets.compare_digest(sent.encode(), context.csrf.encode()):
        raise PermissionDeniedError("the form's security token is wrong: reload the page")
