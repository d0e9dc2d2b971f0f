"""The audit log: who did what, when, with before and after."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from autoatlas.api import render
from autoatlas.api.dependencies import AtlasDep, SignedInPrincipal
from autoatlas.api.problems import problems
from autoatlas.api.reading import Cursor, Limit
from autoatlas.api.schemas import AuditPage
from autoatlas.review.audit import audit_entries

__all__ = ["router"]

router = APIRouter(tags=["audit"])


@router.get("/audit", response_model=AuditPage, responses=problems(401, 403, 422))
def audit(
    atlas: AtlasDep, principal: SignedInPrincipal, cursor: Cursor = None, limit: Limit = 100
) -> dict[str, Any]:
    """Admins: operator admins read every entry, organization admins their organization's."""
    with atlas.read() as connection:
        entries = audit_entries(
            connection, principal, after_id=render.decode_cursor(cursor), limit=limit + 1
        )
    page, more = entries[:limit], len(entries) > limit
    return {
        "items": [entry.as_dict() for entry in page],
        "next_cursor": render.encode_cursor(page[-1].id) if more else None,
    }
