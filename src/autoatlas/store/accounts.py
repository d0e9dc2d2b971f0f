"""Organizations, users, API tokens and web sessions: their rows and look-ups."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from autoatlas.store.engine import WriteTx
from autoatlas.store.schema import api_token, organization, user_account, web_session

__all__ = [
    "OrganizationRow",
    "TokenRow",
    "UserRow",
    "end_session",
    "find_session",
    "find_token",
    "get_organization",
    "get_token",
    "get_user",
    "insert_session",
    "insert_token",
    "insert_user",
    "list_organizations",
    "list_tokens",
    "list_users",
    "revoke_token",
    "update_user",
    "user_by_email",
]


@dataclass(frozen=True, slots=True)
class OrganizationRow:
    id: int
    slug: str
    name: str
    kind: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class UserRow:
    id: int
    email: str
    name: str
    organization_id: int
    organization: str
    organization_kind: str
    role: str
    password_hash: str | None
    created_at: datetime
    disabled_at: datetime | None


@dataclass(frozen=True, slots=True)
class TokenRow:
    id: int
    user_id: int
    name: str
    prefix: str
    scopes: tuple[str, ...]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


def _organization(row: Any) -> OrganizationRow:
    return OrganizationRow(row.id, row.slug, row.name, row.kind, row.created_at)


def get_organization(
    connection: Connection, *, slug: str | None = None, id: int | None = None
) -> OrganizationRow | None:
    query = sa.select(organization)
    query = (
        query.where(organization.c.slug == slug)
        if slug is not None
        else query.where(organization.c.id == id)
    )
    row = connection.execute(query).first()
    return _organization(row) if row else None


def list_organizations(connection: Connection) -> list[OrganizationRow]:
    rows = connection.execute(sa.select(organization).order_by(organization.c.slug))
    return [_organization(row) for row in rows]


def _user_select() -> sa.Select[Any]:
    return sa.select(
        user_account,
        organization.c.slug.label("organization"),
        organization.c.kind.label("organization_kind"),
    ).join(organization, organization.c.id == user_account.c.organization_id)


def _user(row: Any) -> UserRow:
    return UserRow(
        row.id,
        row.email,
        row.name,
        row.organization_id,
        row.organization,
        row.organization_kind,
        row.role,
        row.password_hash,
        row.created_at,
        row.disabled_at,
    )


def get_user(connection: Connection, user_id: int) -> UserRow | None:
    row = connection.execute(_user_select().where(user_account.c.id == user_id)).first()
    return _user(row) if row else None


def user_by_email(connection: Connection, email: str) -> UserRow | None:
    row = connection.execute(_user_select().where(user_account.c.email == email)).first()
    return _user(row) if row else None


def list_users(connection: Connection, organization_id: int | None = None) -> list[UserRow]:
    query = _user_select().order_by(user_account.c.id)
    if organization_id is not None:
        query = query.where(user_account.c.organization_id == organization_id)
    return [_user(row) for row in connection.execute(query)]


def insert_user(
    tx: WriteTx,
    *,
    email: str,
    name: str,
    organization_id: int,
    role: str,
    password_hash: str | None,
) -> int:
    return int(
        tx.connection.execute(
            sa.insert(user_account)
            .values(
                email=email,
                name=name,
                organization_id=organization_id,
                role=role,
                password_hash=password_hash,
                created_at=tx.now,
            )
            .returning(user_account.c.id)
        ).scalar_one()
    )


def update_user(tx: WriteTx, user_id: int, **values: Any) -> None:
    tx.connection.execute(
        sa.update(user_account).where(user_account.c.id == user_id).values(**values)
    )


def _token(row: Any) -> TokenRow:
    return TokenRow(
        row.id,
        row.user_id,
        row.name,
        row.prefix,
        tuple(row.scopes.split(",")),
        row.created_at,
        row.expires_at,
        row.revoked_at,
    )


def insert_token(
    tx: WriteTx,
    *,
    user_id: int,
    name: str,
    prefix: str,
    token_hash: str,
    scopes: tuple[str, ...],
    expires_at: datetime | None,
) -> int:
    return int(
        tx.connection.execute(
            sa.insert(api_token)
            .values(
                user_id=user_id,
                name=name,
                prefix=prefix,
                token_hash=token_hash,
                scopes=",".join(scopes),
                created_at=tx.now,
                expires_at=expires_at,
            )
            .returning(api_token.c.id)
        ).scalar_one()
    )


def find_token(connection: Connection, token_hash: str) -> TokenRow | None:
    row = connection.execute(
        sa.select(api_token).where(api_token.c.token_hash == token_hash)
    ).first()
    return _token(row) if row else None


def list_tokens(connection: Connection, *, user_ids: list[int]) -> list[TokenRow]:
    rows = connection.execute(
        sa.select(api_token).where(api_token.c.user_id.in_(user_ids)).order_by(api_token.c.id)
    )
    return [_token(row) for row in rows]


def get_token(connection: Connection, token_id: int) -> TokenRow | None:
    row = connection.execute(sa.select(api_token).where(api_token.c.id == token_id)).first()
    return _token(row) if row else None


def revoke_token(tx: WriteTx, token_id: int) -> None:
    tx.connection.execute(
        sa.update(api_token)
        .where(api_token.c.id == token_id, api_token.c.revoked_at.is_(None))
        .values(revoked_at=tx.now)
    )


def insert_session(
    tx: WriteTx, *, session_hash: str, user_id: int, csrf_token: str, expires_at: datetime
) -> None:
    tx.connection.execute(
        sa.insert(web_session).values(
            session_hash=session_hash,
            user_id=user_id,
            csrf_token=csrf_token,
            created_at=tx.now,
            expires_at=expires_at,
        )
    )


def find_session(connection: Connection, session_hash: str) -> Any:
    return connection.execute(
        sa.select(web_session).where(web_session.c.session_hash == session_hash)
    ).first()


def end_session(tx: WriteTx, session_hash: str) -> None:
    tx.connection.execute(
        sa.update(web_session)
        .where(web_session.c.session_hash == session_hash, web_session.c.ended_at.is_(None))
        .values(ended_at=tx.now)
    )
