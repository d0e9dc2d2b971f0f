"""Browser sessions: sign in (an HttpOnly cookie plus a CSRF token) and sign out."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from autoatlas.api import render
from autoatlas.api.dependencies import SESSION_COOKIE, AtlasDep, CurrentPrincipal
from autoatlas.api.problems import problems
from autoatlas.api.schemas import SessionCreate, SessionPublic
from autoatlas.auth import service
from autoatlas.store import accounts

__all__ = ["router"]

router = APIRouter(prefix="/session", tags=["session"])


@router.post("", response_model=SessionPublic, responses=problems(400, 401, 413, 422))
def sign_in(
    request: Request, response: Response, atlas: AtlasDep, body: SessionCreate
) -> dict[str, Any]:
    """Sets the `autoatlas_session` cookie (HttpOnly, SameSite=Lax) and returns the CSRF token
    to send as X-CSRF-Token on every request that changes something."""
    with atlas.write() as tx:
        secret, csrf, principal = service.login(tx, email=body.email, password=body.password)
        assert principal.user_id is not None
        user = accounts.get_user(tx.connection, principal.user_id)
    assert user is not None
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=int(service.SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    return {"csrf_token": csrf, "user": render.user(user)}


@router.delete("", status_code=204, response_class=Response, responses=problems(401, 403))
def sign_out(request: Request, atlas: AtlasDep, principal: CurrentPrincipal) -> Response:
    """Ends the cookie's session (checked like any write: X-CSRF-Token) and clears it."""
    secret = request.cookies.get(SESSION_COOKIE)
    if secret and principal.authenticated:
        with atlas.write() as tx:
            service.logout(tx, secret[:200])
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    return response
