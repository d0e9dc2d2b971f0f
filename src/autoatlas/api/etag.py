"""ETags for fact reads, made of the versions of the scopes the viewer can see.

An ETag is a hash of the request's path and query, today's date (the default `as_of`), the
vocabulary version and the last-write times of the public scope and of the viewer's own
private scope. Computing it is one primary-key read of `scope_version`: no fact is read on
the 304 path, and one organization's private writes never change another's ETags.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from fastapi import Request, Response

from autoatlas.atlas import Atlas
from autoatlas.auth.principal import Principal
from autoatlas.store.catalog import scope_versions, visible_scopes

__all__ = ["Versions", "current_etag", "etag_of", "matches", "not_modified", "read_versions"]

Versions = tuple[datetime | None, datetime | None]  # (public, the viewer's private scope)


def read_versions(atlas: Atlas, principal: Principal) -> Versions:
    """When the scopes the principal can see were last written (one primary-key read)."""
    scopes = visible_scopes(principal.organization_id)
    with atlas.read() as connection:
        versions = scope_versions(connection, scopes)
    return versions.get("public"), versions.get(scopes[1]) if len(scopes) > 1 else None


def current_etag(request: Request, atlas: Atlas, principal: Principal) -> str:
    return etag_of(request, atlas, read_versions(atlas, principal))


def etag_of(request: Request, atlas: Atlas, versions: Versions) -> str:
    public, private = versions
    query = "&".join(sorted(f"{k}={v}" for k, v in request.query_params.multi_items()))
    material = "|".join(
        [
            request.url.path,
            query,
            datetime.now(UTC).date().isoformat(),
            atlas.vocabulary.version,
            f"public={public}",
            f"private={private}",
        ]
    )
    return 'W/"' + hashlib.sha256(material.encode()).hexdigest()[:32] + '"'


def matches(request: Request, etag: str) -> bool:
    header = request.headers.get("if-none-match")
    if not header:
        return False
    if header.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == wanted for tag in header.split(","))


def not_modified(etag: str) -> Response:
    return Response(status_code=304, headers={"ETag": etag, "Cache-Control": "private, no-cache"})
