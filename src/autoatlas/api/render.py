"""Turning library rows into response bodies, and the cursors and times requests carry."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, date, datetime
from typing import Any

from autoatlas.api.schemas import MAX_ID
from autoatlas.auth.principal import Principal
from autoatlas.domain.facts import Fact, Source
from autoatlas.errors import Issue, ValidationError
from autoatlas.store.accounts import OrganizationRow, TokenRow, UserRow
from autoatlas.store.catalog import CitedSource
from autoatlas.store.changesets import ChangeSetRow
from autoatlas.store.ledger import CreditEntry
from autoatlas.store.queries import MarketRow

__all__ = [
    "change_set",
    "cited_source",
    "credit",
    "decode_cursor",
    "decode_text_cursor",
    "encode_cursor",
    "fact",
    "iso",
    "known_at_utc",
    "market",
    "organization",
    "token",
    "user",
    "viewer",
]


def viewer(principal: Principal) -> str | None:
    """The organization whose private facts the principal sees (None: public only)."""
    return principal.organization


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def encode_cursor(value: int | str) -> str:
    return base64.urlsafe_b64encode(str(value).encode()).decode().rstrip("=")


def _decode(cursor: str) -> str:
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise _bad_cursor() from None


def _bad_cursor() -> ValidationError:
    message = "not a cursor this API gave out: pass next_cursor from the previous page"
    return ValidationError(message, [Issue(message, field="cursor")])


def decode_cursor(cursor: str | None) -> int:
    """The last id a cursor names (0 for the first page)."""
    if cursor is None or cursor == "":
        return 0
    text = _decode(cursor)
    if not text.isdigit() or not 0 <= int(text) <= MAX_ID:
        raise _bad_cursor()
    return int(text)


def decode_text_cursor(cursor: str | None) -> str:
    if cursor is None or cursor == "":
        return ""
    text = _decode(cursor)
    if not text.isprintable() or len(text) > 16:
        raise _bad_cursor()
    return text


def known_at_utc(value: datetime | None) -> datetime | None:
    """A `known_at` as the store compares it: naive UTC."""
    if value is None or value.tzinfo is None:
        return value
    try:
        return value.astimezone(UTC).replace(tzinfo=None)
    except OverflowError:
        message = "known_at is out of range"
        raise ValidationError(message, [Issue(message, field="known_at")]) from None


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _source(item: Source) -> dict[str, Any]:
    return {
        "kind": item.kind,
        "title": item.title,
        "publisher": item.publisher,
        "url": item.url,
        "published": _day(item.published),
        "accessed": _day(item.accessed),
        "language": item.language,
        "quote": item.quote,
        "locator": item.locator,
    }


def fact(item: Fact) -> dict[str, Any]:
    """A fact exactly as `FactPublic` gives it (every field, nulls included), built directly:
    the profile route encodes hundreds per answer and skips the schema's validation (a test
    holds the two equal)."""
    return {
        "id": item.id,
        "market": item.market,
        "property": item.property,
        "value": item.value,
        "unit": item.unit,
        "qualifiers": item.qualifiers,
        "valid_from": _day(item.period.start),
        "valid_to": _day(item.period.end),
        "confidence": item.confidence,
        "visibility": str(item.visibility),
        "organization": item.organization,
        "recorded_at": item.recorded_at.isoformat(),
        "superseded_at": item.superseded_at.isoformat() if item.superseded_at else None,
        "checked": _day(item.checked),
        "note": item.note,
        "sources": [_source(s) for s in item.sources],
        "inherited_from": item.inherited_from,
    }


def market(row: MarketRow) -> dict[str, Any]:
    return {
        "code": row.code,
        "kind": row.kind,
        "name_en": row.name_en,
        "name_zh": row.name_zh,
        "parent": row.parent,
    }


def cited_source(item: CitedSource) -> dict[str, Any]:
    return {"id": item.id, **item.source.as_dict()}


def change_set(row: ChangeSetRow, *, with_bundle: bool = True) -> dict[str, Any]:
    return {
        "id": row.id,
        "organization_id": row.organization_id,
        "author": row.author,
        "kind": row.kind,
        "title": row.title,
        "state": row.state,
        "private": row.private,
        "summary": row.summary,
        "submitted_at": iso(row.submitted_at),
        "reviewer_id": row.reviewer_id,
        "reviewed_at": iso(row.reviewed_at),
        "review_comment": row.review_comment,
        "grade": row.grade,
        "bundle": row.bundle if with_bundle else None,
    }


def organization(row: OrganizationRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "slug": row.slug,
        "name": row.name,
        "kind": row.kind,
        "created_at": iso(row.created_at),
    }


def user(row: UserRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "email": row.email,
        "name": row.name,
        "organization": row.organization,
        "role": row.role,
        "created_at": iso(row.created_at),
        "disabled_at": iso(row.disabled_at),
    }


def token(row: TokenRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "user_id": row.user_id,
        "name": row.name,
        "prefix": row.prefix,
        "scopes": list(row.scopes),
        "created_at": iso(row.created_at),
        "expires_at": iso(row.expires_at),
        "revoked_at": iso(row.revoked_at),
    }


def credit(entry: CreditEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": iso(entry.at),
        "delta": entry.delta,
        "reason": entry.reason,
        "change_set_id": entry.change_set_id,
    }
