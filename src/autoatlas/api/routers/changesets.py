"""Change sets: submit a contribution, list and read them, approve or reject them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from autoatlas.api import render
from autoatlas.api.dependencies import AtlasDep, SignedInPrincipal
from autoatlas.api.problems import problems
from autoatlas.api.reading import Cursor, Limit
from autoatlas.api.schemas import (
    MAX_ID,
    ApproveCreate,
    ChangeSetCreate,
    ChangeSetPage,
    ChangeSetPublic,
    RejectCreate,
)
from autoatlas.review import changesets

__all__ = ["router"]

router = APIRouter(prefix="/change-sets", tags=["change sets"])
ChangeSetId = Annotated[int, Path(ge=1, le=MAX_ID)]
WRITE_PROBLEMS = problems(400, 401, 403, 404, 409, 413, 422)


@router.post("", status_code=201, response_model=ChangeSetPublic, responses=WRITE_PROBLEMS)
def submit(atlas: AtlasDep, principal: SignedInPrincipal, body: ChangeSetCreate) -> dict[str, Any]:
    """Validate a bundle as an import would and queue it for review (nothing is published)."""
    with atlas.write() as tx:
        row = changesets.submit(
            tx, principal, bundle=body.bundle, title=body.title, vocabulary=atlas.vocabulary
        )
    return render.change_set(row)


@router.get("", response_model=ChangeSetPage, responses=problems(401, 403, 422))
def list_change_sets(
    atlas: AtlasDep,
    principal: SignedInPrincipal,
    state: Annotated[str | None, Query(pattern="^(submitted|approved|rejected)$")] = None,
    queue: Annotated[
        bool, Query(description="Reviewers of the operator: the public queue to review.")
    ] = False,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> dict[str, Any]:
    """Your organization's change sets, or (`queue=true`) those waiting for you to review."""
    with atlas.read() as connection:
        rows = changesets.change_sets_for(
            connection,
            principal,
            state=state,
            queue=queue,
            after_id=render.decode_cursor(cursor),
            limit=limit + 1,
        )
    page, more = rows[:limit], len(rows) > limit
    return {
        "items": [render.change_set(row, with_bundle=False) for row in page],
        "next_cursor": render.encode_cursor(page[-1].id) if more else None,
    }


@router.get("/{id}", response_model=ChangeSetPublic, responses=problems(401, 403, 404, 422))
def get_change_set(
    atlas: AtlasDep, principal: SignedInPrincipal, id: ChangeSetId
) -> dict[str, Any]:
    with atlas.read() as connection:
        row = changesets.visible_change_set(connection, principal, id)
    return render.change_set(row)


@router.post("/{id}/approve", response_model=ChangeSetPublic, responses=WRITE_PROBLEMS)
def approve(
    atlas: AtlasDep, principal: SignedInPrincipal, id: ChangeSetId, body: ApproveCreate
) -> dict[str, Any]:
    """Publish the change set atomically, with its change events, credits and audit entry."""
    with atlas.write() as tx:
        row = changesets.approve(
            tx, principal, id, comment=body.comment, grade=body.grade, vocabulary=atlas.vocabulary
        )
    return render.change_set(row)


@router.post("/{id}/reject", response_model=ChangeSetPublic, responses=WRITE_PROBLEMS)
def reject(
    atlas: AtlasDep, principal: SignedInPrincipal, id: ChangeSetId, body: RejectCreate
) -> dict[str, Any]:
    with atlas.write() as tx:
        row = changesets.reject(tx, principal, id, comment=body.comment)
    return render.change_set(row)
