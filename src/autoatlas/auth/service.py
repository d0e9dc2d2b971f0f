"""Organizations, users, tokens and sessions: creating them and turning credentials into a
Principal. Functions take the unit of work (a write transaction or a connection)."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy.engine import Connection

from autoatlas.auth.passwords import MIN_PASSWORD_LENGTH, hash_password, verify_password
from autoatlas.auth.principal import ROLE_SCOPES, Principal, Role, Scope
from autoatlas.errors import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from autoatlas.review.permissions import check_manage_organizations, check_manage_users
from autoatlas.store import accounts
from autoatlas.store.engine import WriteTx
from autoatlas.store.ledger import append_audit
from autoatlas.store.reference import ORGANIZATION_KINDS, ensure_organization

__all__ = [
    "SESSION_LIFETIME",
    "TOKEN_PREFIX",
    "authenticate_session",
    "authenticate_token",
    "cli_principal",
    "create_organization",
    "create_user",
    "current_user",
    "issue_token",
    "list_organizations",
    "list_tokens",
    "list_users",
    "login",
    "logout",
    "revoke_token",
    "visible_organization",
]

TOKEN_PREFIX = "aa_"
SESSION_LIFETIME = timedelta(hours=12)
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s]{2,}$")


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def cli_principal(organization_id: int, organization: str, label: str) -> Principal:
    """Whoever runs the CLI holds the database itself: an operator administrator."""
    return Principal(
        organization_id=organization_id,
        organization=organization,
        operator=True,
        role=Role.ADMIN,
        scopes=frozenset(Scope),
        label=f"cli:{label}",
    )


def _principal(user: accounts.UserRow, scopes: frozenset[Scope]) -> Principal:
    role = Role(user.role)
    return Principal(
        user_id=user.id,
        email=user.email,
        organization_id=user.organization_id,
        organization=user.organization,
        operator=user.organization_kind == "operator",
        role=role,
        scopes=scopes & ROLE_SCOPES[role],
        label=f"user:{user.email}",
    )


def create_organization(tx: WriteTx, actor: Principal, *, slug: str, name: str, kind: str) -> int:
    check_manage_organizations(actor)
    if not _SLUG.match(slug):
        raise ValidationError("slug: 2-63 lower-case letters, digits and hyphens")
    if kind not in ORGANIZATION_KINDS:
        raise ValidationError(f"kind must be one of {', '.join(ORGANIZATION_KINDS)}")
    if not name.strip() or len(name) > 200:
        raise ValidationError("name: 1-200 characters")
    if accounts.get_organization(tx.connection, slug=slug) is not None:
        raise ConflictError(f"organization {slug!r} exists already")
    org_id = ensure_organization(tx, slug, name.strip(), kind)
    append_audit(
        tx,
        actor_id=actor.user_id,
        actor=actor.label,
        organization_id=org_id,
        action="organization.create",
        target=f"organization:{slug}",
        after={"slug": slug, "name": name, "kind": kind},
    )
    return org_id


def create_user(
    tx: WriteTx,
    actor: Principal,
    *,
    email: str,
    name: str,
    organization: str,
    role: str,
    password: str | None = None,
) -> int:
    org = accounts.get_organization(tx.connection, slug=organization)
    # The permission check comes first, so a missing organization and another tenant's
    # answer alike: nobody learns which organizations exist from this.
    check_manage_users(actor, org.id if org is not None else -1)
    if org is None:
        raise NotFoundError(f"unknown organization {organization!r}")
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise ValidationError(f"email: {email!r} is not an e-mail address")
    if role not in {r.value for r in Role}:
        raise ValidationError(f"role must be one of {', '.join(r.value for r in Role)}")
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(f"password: at least {MIN_PASSWORD_LENGTH} characters")
    if accounts.user_by_email(tx.connection, email) is not None:
        raise ConflictError(f"a user {email!r} exists already")
    user_id = accounts.insert_user(
        tx,
        email=email,
        name=name.strip() or email,
        organization_id=org.id,
        role=role,
        password_hash=hash_password(password) if password else None,
    )
    append_audit(
        tx,
        actor_id=actor.user_id,
        actor=actor.label,
        organization_id=org.id,
        action="user.create",
        target=f"user:{user_id}",
        after={"email": email, "role": role, "organization": organization},
    )
    return user_id


def issue_token(
    tx: WriteTx,
    actor: Principal,
    *,
    user_id: int | None = None,
    name: str,
    scopes: list[str],
    expires_in_days: int | None = 90,
) -> tuple[str, accounts.TokenRow]:
    """A new API token; the plain text is returned once and only its hash is stored."""
    target_id = user_id if user_id is not None else actor.user_id
    if target_id is None:
        raise ValidationError("say which user the token is for")
    user = accounts.get_user(tx.connection, target_id)
    if user is None:
        raise NotFoundError(f"no user {target_id}")
    if target_id != actor.user_id:
        check_manage_users(actor, user.organization_id)
    elif not actor.authenticated:
        raise AuthenticationError("sign in to create a token")
    try:
        wanted = frozenset(Scope(s) for s in scopes)
    except ValueError:
        raise ValidationError(f"scopes must be among {', '.join(s.value for s in Scope)}") from None
    if not wanted:
        raise ValidationError("a token needs at least one scope")
    allowed = ROLE_SCOPES[Role(user.role)]
    if not wanted <= allowed:
        extra = ", ".join(sorted(wanted - allowed))
        raise ValidationError(f"a {user.role} cannot hold a token with scope {extra}")
    if expires_in_days is not None and not 1 <= expires_in_days <= 3650:
        raise ValidationError("expires_in_days: between 1 and 3650")
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = tx.now + timedelta(days=expires_in_days) if expires_in_days else None
    token_id = accounts.insert_token(
        tx,
        user_id=user.id,
        name=name.strip()[:200] or "token",
        prefix=plain[:10],
        token_hash=_hash(plain),
        scopes=tuple(sorted(wanted)),
        expires_at=expires,
    )
    append_audit(
        tx,
        actor_id=actor.user_id,
        actor=actor.label,
        organization_id=user.organization_id,
        action="token.create",
        target=f"token:{token_id}",
        after={"user": user.email, "scopes": sorted(wanted), "expires_at": expires},
    )
    row = accounts.get_token(tx.connection, token_id)
    assert row is not None
    return plain, row


def revoke_token(tx: WriteTx, actor: Principal, token_id: int) -> None:
    token = accounts.get_token(tx.connection, token_id)
    user = accounts.get_user(tx.connection, token.user_id) if token else None
    if token is None or user is None:
        raise NotFoundError(f"no token {token_id}")
    if token.user_id != actor.user_id:
        try:
            check_manage_users(actor, user.organization_id)
        except (AuthenticationError, PermissionDeniedError):
            raise NotFoundError(f"no token {token_id}") from None
    accounts.revoke_token(tx, token_id)
    append_audit(
        tx,
        actor_id=actor.user_id,
        actor=actor.label,
        organization_id=user.organization_id,
        action="token.revoke",
        target=f"token:{token_id}",
        before={"revoked_at": None},
    )


def authenticate_token(connection: Connection, plain: str, now: datetime) -> Principal:
    failure = AuthenticationError("unknown, expired or revoked token")
    if not plain.startswith(TOKEN_PREFIX) or len(plain) > 100:
        raise failure
    token = accounts.find_token(connection, _hash(plain))
    if token is None or token.revoked_at is not None:
        raise failure
    if token.expires_at is not None and token.expires_at <= now:
        raise failure
    user = accounts.get_user(connection, token.user_id)
    if user is None or user.disabled_at is not None:
        raise failure
    return _principal(user, frozenset(Scope(s) for s in token.scopes))


def login(tx: WriteTx, *, email: str, password: str) -> tuple[str, str, Principal]:
    """A new server-side session: (session secret for the cookie, CSRF token, principal)."""
    user = accounts.user_by_email(tx.connection, email.strip().lower())
    if (
        user is None
        or user.disabled_at is not None
        or not verify_password(user.password_hash, password)
    ):
        raise AuthenticationError("wrong e-mail or password")
    secret, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    accounts.insert_session(
        tx,
        session_hash=_hash(secret),
        user_id=user.id,
        csrf_token=csrf,
        expires_at=tx.now + SESSION_LIFETIME,
    )
    append_audit(
        tx,
        actor_id=user.id,
        actor=f"user:{user.email}",
        organization_id=user.organization_id,
        action="session.login",
        target=f"user:{user.id}",
    )
    return secret, csrf, _principal(user, ROLE_SCOPES[Role(user.role)])


def authenticate_session(
    connection: Connection, secret: str, now: datetime
) -> tuple[Principal, str]:
    row = accounts.find_session(connection, _hash(secret))
    if row is None or row.ended_at is not None or row.expires_at <= now:
        raise AuthenticationError("session expired: sign in again")
    user = accounts.get_user(connection, row.user_id)
    if user is None or user.disabled_at is not None:
        raise AuthenticationError("session expired: sign in again")
    return _principal(user, ROLE_SCOPES[Role(user.role)]), str(row.csrf_token)


def logout(tx: WriteTx, secret: str) -> None:
    accounts.end_session(tx, _hash(secret))


def _signed_in(actor: Principal) -> None:
    if not actor.authenticated:
        raise AuthenticationError("sign in or send a bearer token for this")


def list_organizations(connection: Connection, actor: Principal) -> list[accounts.OrganizationRow]:
    """Every organization for the operator's members; one's own organization for the others."""
    _signed_in(actor)
    rows = accounts.list_organizations(connection)
    if actor.operator:
        return rows
    return [row for row in rows if row.id == actor.organization_id]


def visible_organization(
    connection: Connection, actor: Principal, slug: str
) -> accounts.OrganizationRow:
    """One organization; another tenant's answers exactly as a missing one."""
    _signed_in(actor)
    row = accounts.get_organization(connection, slug=slug)
    if row is None or not (actor.operator or row.id == actor.organization_id):
        raise NotFoundError(f"unknown organization {slug!r}")
    return row


def list_users(connection: Connection, actor: Principal) -> list[accounts.UserRow]:
    """The users an admin manages: all of them for operator admins, else their organization's."""
    if actor.organization_id is None:
        _signed_in(actor)
        raise PermissionDeniedError("managing users needs an organization")
    check_manage_users(actor, actor.organization_id)
    return accounts.list_users(connection, None if actor.operator else actor.organization_id)


def current_user(connection: Connection, actor: Principal) -> accounts.UserRow:
    _signed_in(actor)
    user = accounts.get_user(connection, actor.user_id) if actor.user_id is not None else None
    if user is None:
        raise NotFoundError("this identity is not a user of the database")
    return user


def list_tokens(
    connection: Connection, actor: Principal, *, user_id: int | None = None
) -> list[accounts.TokenRow]:
    """One's own tokens, or (admins) those of a user they manage; never the secrets."""
    _signed_in(actor)
    target = user_id if user_id is not None else actor.user_id
    if target is None:
        return []
    if target != actor.user_id:
        user = accounts.get_user(connection, target)
        if user is None:
            raise NotFoundError(f"no user {target}")
        try:
            check_manage_users(actor, user.organization_id)
        except PermissionDeniedError:
            raise NotFoundError(f"no user {target}") from None
    return accounts.list_tokens(connection, user_ids=[target])
