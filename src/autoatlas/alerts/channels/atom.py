"""The Atom feed of an organization's alerts (RFC 4287), opened by a secret token in its URL.

A feed reader cannot send a bearer token, so the URL carries one: random, shown once, stored
as a hash, and revocable by the organization's admins without touching any other credential.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime
from xml.etree import ElementTree as ET

from sqlalchemy.engine import Connection

from autoatlas.auth.principal import Principal, Role, Scope
from autoatlas.errors import AuthenticationError, NotFoundError, PermissionDeniedError
from autoatlas.store import alerts as store
from autoatlas.store.accounts import get_organization
from autoatlas.store.engine import WriteTx
from autoatlas.store.feed_tokens import FeedTokenRow
from autoatlas.store.feed_tokens import list_feed_tokens as _list_tokens
from autoatlas.store.ledger import append_audit

__all__ = [
    "feed_for_token",
    "get_feed_token",
    "issue_feed_token",
    "list_feed_tokens",
    "render_feed",
    "revoke_feed_token",
]

ATOM = "http://www.w3.org/2005/Atom"
PREFIX = "aaf_"


def _hash(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()


def _check_admin(principal: Principal) -> int:
    if not principal.authenticated:
        raise AuthenticationError("sign in or send a bearer token for this")
    if principal.organization_id is None or not principal.may(Scope.ADMIN, Role.ADMIN):
        raise PermissionDeniedError("feed tokens are managed by the organization's admins")
    return principal.organization_id


def issue_feed_token(tx: WriteTx, principal: Principal) -> tuple[str, int]:
    """A new feed token for the principal's organization: (the token, shown once; its id)."""
    org = _check_admin(principal)
    plain = PREFIX + secrets.token_urlsafe(24)
    token_id = store.insert_feed_token(
        tx, organization_id=org, prefix=plain[:8], token_hash=_hash(plain)
    )
    append_audit(
        tx,
        actor_id=principal.user_id,
        actor=principal.label,
        organization_id=org,
        action="feed_token.issue",
        target=f"feed_token:{token_id}",
    )
    return plain, token_id


def list_feed_tokens(connection: Connection, principal: Principal) -> list[FeedTokenRow]:
    """The organization's feed tokens, live and revoked (prefix and dates; never the hash)."""
    return _list_tokens(connection, organization_id=_check_admin(principal))


def get_feed_token(connection: Connection, principal: Principal, token_id: int) -> FeedTokenRow:
    """One of the organization's feed tokens; another organization's is NotFound."""
    found = _list_tokens(connection, organization_id=_check_admin(principal), token_id=token_id)
    if not found:
        raise NotFoundError(f"no feed token {token_id}")
    return found[0]


def revoke_feed_token(tx: WriteTx, principal: Principal, token_id: int) -> None:
    """Revoke a live token: from this transaction's commit on, its feed answers 404."""
    org = _check_admin(principal)
    if not store.revoke_feed_token(tx, organization_id=org, token_id=token_id):
        raise NotFoundError(f"no live feed token {token_id}")
    append_audit(
        tx,
        actor_id=principal.user_id,
        actor=principal.label,
        organization_id=org,
        action="feed_token.revoke",
        target=f"feed_token:{token_id}",
    )


def _stamp(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat() + "Z"


def render_feed(
    *, organization: str, alerts: Sequence[store.AlertRow], feed_url: str, updated: datetime
) -> str:
    """The Atom document (newest alert first); the token stays out of every id and link but
    the feed's own self link."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(feed, f"{{{ATOM}}}id").text = f"urn:autoatlas:alerts:{organization}"
    ET.SubElement(feed, f"{{{ATOM}}}title").text = f"AutoAtlas alerts for {organization}"
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = _stamp(
        max((a.created_at for a in alerts), default=updated)
    )
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=feed_url)
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = "AutoAtlas"
    for item in alerts:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}id").text = f"urn:autoatlas:alert:{item.id}"
        ET.SubElement(entry, f"{{{ATOM}}}title").text = f"[{item.severity}] {item.title}"
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = _stamp(item.created_at)
        ET.SubElement(entry, f"{{{ATOM}}}category", term=item.severity, label=item.kind)
        lines = [f"{key}: {value}" for key, value in sorted(item.detail.items())]
        ET.SubElement(entry, f"{{{ATOM}}}content", type="text").text = "\n".join(lines)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode")


def feed_for_token(connection: Connection, plain: str, *, feed_url: str, limit: int = 50) -> str:
    """The feed a token opens; an unknown or revoked token is NotFound (no oracle)."""
    org = store.find_feed_token(connection, _hash(plain)) if plain.startswith(PREFIX) else None
    if org is None:
        raise NotFoundError("no such feed")
    row = get_organization(connection, id=org)
    assert row is not None
    alerts = store.list_alerts(connection, organization_id=org, limit=limit, newest_first=True)
    now = datetime.now().replace(microsecond=0)
    return render_feed(organization=row.slug, alerts=alerts, feed_url=feed_url, updated=now)
