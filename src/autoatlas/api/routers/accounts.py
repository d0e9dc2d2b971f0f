"""Organizations (and their credits), users and API tokens."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from autoatlas.api import render
from autoatlas.api.dependencies import AtlasDep, SignedInPrincipal
from autoatlas.api.problems import problems
from autoatlas.api.reading import Cursor, Limit
from autoatlas.api.schemas import (
    MAX_ID,
    CreditsPublic,
    OrganizationCreate,
    OrganizationPublic,
    TokenCreate,
    TokenCreated,
    TokenPublic,
    UserCreate,
    UserPublic,
)
from autoatlas.auth import service
from autoatlas.review.credits import organization_credits
from autoatlas.store import accounts

__all__ = ["router"]

router = APIRouter(tags=["accounts"])
Slug = Annotated[str, Path(min_length=1, max_length=63)]
WRITE_PROBLEMS = problems(400, 401, 403, 404, 409, 413, 422)


@router.get("/organizations", response_model=list[OrganizationPublic], responses=problems(401, 403))
def list_organizations(atlas: AtlasDep, principal: SignedInPrincipal) -> list[dict[str, Any]]:
    """Every organization for the operator's members; your own for everyone else."""
    with atlas.read() as connection:
        rows = service.list_organizations(connection, principal)
    return [render.organization(row) for row in rows]


@router.post(
    "/organizations", status_code=201, response_model=OrganizationPublic, responses=WRITE_PROBLEMS
)
def create_organization(
    atlas: AtlasDep, principal: SignedInPrincipal, body: OrganizationCreate
) -> dict[str, Any]:
    """Operator admins only."""
    with atlas.write() as tx:
        service.create_organization(tx, principal, slug=body.slug, name=body.name, kind=body.kind)
        row = accounts.get_organization(tx.connection, slug=body.slug)
    assert row is not None
    return render.organization(row)


@router.get(
    "/organizations/{slug}", response_model=OrganizationPublic, responses=problems(401, 403, 404)
)
def get_organization(atlas: AtlasDep, principal: SignedInPrincipal, slug: Slug) -> dict[str, Any]:
    with atlas.read() as connection:
        return render.organization(service.visible_organization(connection, principal, slug))


@router.get(
    "/organizations/{slug}/credits",
    response_model=CreditsPublic,
    responses=problems(401, 403, 404, 422),
)
def credits(
    atlas: AtlasDep,
    principal: SignedInPrincipal,
    slug: Slug,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> dict[str, Any]:
    """The organization's credit balance and its ledger entries (oldest first)."""
    with atlas.read() as connection:
        statement = organization_credits(
            connection,
            principal,
            slug=slug,
            after_id=render.decode_cursor(cursor),
            limit=limit + 1,
        )
    page, more = statement.entries[:limit], len(statement.entries) > limit
    return {
        "organization": statement.organization,
        "balance": statement.balance,
        "entries": [render.credit(entry) for entry in page],
        "next_cursor": render.encode_cursor(page[-1].id) if more else None,
    }


@router.get("/users", response_model=list[UserPublic], responses=problems(401, 403))
def list_users(atlas: AtlasDep, principal: SignedInPrincipal) -> list[dict[str, Any]]:
    """Admins: the users they manage (operator admins: every user)."""
    with atlas.read() as connection:
        return [render.user(row) for row in service.list_users(connection, principal)]


@router.post("/users", status_code=201, response_model=UserPublic, responses=WRITE_PROBLEMS)
def create_user(atlas: AtlasDep, principal: SignedInPrincipal, body: UserCreate) -> dict[str, Any]:
    """Admins create users of their organization (operator admins: of any organization)."""
    with atlas.write() as tx:
        user_id = service.create_user(
            tx,
            principal,
            email=body.email,
            name=body.name,
            organization=body.organization,
            role=body.role,
            password=body.password,
        )
        row = accounts.get_user(tx.connection, user_id)
    assert row is not None
    return render.user(row)


@router.get("/users/me", response_model=UserPublic, responses=problems(401, 403, 404))
def me(atlas: AtlasDep, principal: SignedInPrincipal) -> dict[str, Any]:
    with atlas.read() as connection:
        return render.user(service.current_user(connection, principal))


@router.get("/tokens", response_model=list[TokenPublic], responses=problems(401, 403, 404, 422))
def list_tokens(
    atlas: AtlasDep,
    principal: SignedInPrincipal,
    user_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> list[dict[str, Any]]:
    """Your tokens (admins: `user_id` lists those of a user they manage); never the secrets."""
    with atlas.read() as connection:
        rows = service.list_tokens(connection, principal, user_id=user_id)
    return [render.token(row) for row in rows]


@router.post("/tokens", status_code=201, response_model=TokenCreated, responses=WRITE_PROBLEMS)
def create_token(
    atlas: AtlasDep, principal: SignedInPrincipal, body: TokenCreate
) -> dict[str, Any]:
    """A new token; the plain token is in this answer only (the server keeps its hash)."""
    with atlas.write() as tx:
        plain, row = service.issue_token(
            tx,
            principal,
            user_id=body.user_id,
            name=body.name,
            scopes=list(body.scopes),
            expires_in_days=body.expires_in_days,
        )
    return {**render.token(row), "token": plain}


@router.delete(
    "/tokens/{id}", status_code=204, response_class=Response, responses=problems(401, 403, 404, 422)
)
def revoke_token(
    atlas: AtlasDep, principal: SignedInPrincipal, id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> Response:
    with atlas.write() as tx:
        service.revoke_token(tx, principal, id)
    return Response(status_code=204)
