"""What the read routes share: query parameter types, qualifier parsing, metering."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import Path, Query, Request

from autoatlas.atlas import Atlas
from autoatlas.auth.principal import Principal
from autoatlas.errors import Issue, ValidationError
from autoatlas.review.credits import spend_credits

__all__ = [
    "AsOf",
    "Cursor",
    "DimensionParam",
    "KnownAt",
    "Limit",
    "MarketCode",
    "QualifierParam",
    "meter",
    "qualifiers_from",
    "split_list",
]

Limit = Annotated[int, Query(ge=1, le=1000, description="Items per page (1-1000).")]
Cursor = Annotated[
    str | None,
    Query(max_length=64, description="Opaque: the next_cursor of the previous page."),
]
AsOf = Annotated[
    date | None, Query(description="The valid date to read the facts as of (default: today).")
]
KnownAt = Annotated[
    datetime | None,
    Query(description="Read what the database held at this moment (default: now)."),
]
DimensionParam = Annotated[str | None, Query(max_length=64, description="A dimension id.")]
MarketCode = Annotated[str, Path(min_length=1, max_length=16, description="A market code: TH.")]
QualifierParam = Annotated[
    list[Annotated[str, Query(max_length=200)]] | None,
    Query(
        max_length=20,
        description="A qualifier as key:value (origin:CN), repeatable; q.origin=CN works too.",
    ),
]
MAX_QUALIFIERS = 20


def _bad(field: str, message: str) -> ValidationError:
    return ValidationError(f"{field}: {message}", [Issue(message, field=field)])


def qualifiers_from(request: Request, pairs: list[str] | None) -> dict[str, str] | None:
    """Qualifiers from `qualifier=key:value` (repeatable) and `q.key=value` parameters."""
    found: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition(":")
        if not sep or not key.strip() or not value.strip():
            raise _bad("qualifier", f"{pair[:50]!r} is not key:value (origin:CN)")
        found[key.strip()] = value.strip()
    for name, value in request.query_params.multi_items():
        if name.startswith("q.") and len(name) > 2:
            if len(name) > 66 or len(value) > 200 or not value.strip():
                raise _bad(name[:66], "a qualifier key up to 64 and a value up to 200 characters")
            found[name[2:]] = value.strip()
    if len(found) > MAX_QUALIFIERS:
        raise _bad("qualifier", f"at most {MAX_QUALIFIERS} qualifiers")
    return found or None


def split_list(field: str, text: str | None, *, most: int, longest: int) -> list[str] | None:
    """A comma-separated parameter (markets=DE,FR) as a list; None when absent."""
    if text is None:
        return None
    items = [item.strip() for item in text.split(",") if item.strip()]
    if len(items) > most or any(len(item) > longest for item in items):
        raise _bad(field, f"at most {most} items of up to {longest} characters")
    return items


def meter(atlas: Atlas, principal: Principal, what: str) -> None:
    """Spend the metering cost of one detailed look-up (a unit of work of its own)."""
    if not atlas.settings.metering:
        return
    with atlas.write() as tx:
        spend_credits(tx, principal, cost=atlas.settings.metering_cost, reason=what)
