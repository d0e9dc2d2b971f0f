"""`autoatlas org`, `user`, `token` and `audit`: the first admin and the rest of them.

Whoever runs the CLI holds the database, so it acts as an operator administrator; every
write is audited with the operating-system user as actor ("cli:<user>").
"""

from __future__ import annotations

import getpass
import os
from typing import Annotated

import typer
from rich.table import Table

from autoatlas.auth import service
from autoatlas.cli.context import atlas
from autoatlas.cli.output import console, print_json
from autoatlas.errors import NotFoundError, ValidationError
from autoatlas.store import accounts
from autoatlas.store.ledger import list_audit

__all__ = ["audit", "org_app", "token_app", "user_app"]

org_app = typer.Typer(
    help="Organizations: enterprises, research institutions, government "
    "departments and the platform operator.",
    no_args_is_help=True,
)
user_app = typer.Typer(
    help="Users and their roles (viewer, contributor, reviewer, admin).", no_args_is_help=True
)
token_app = typer.Typer(
    help="API tokens: random, shown once, stored as a hash, scoped, expirable and revocable.",
    no_args_is_help=True,
)

Json = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@org_app.command("add")
def org_add(
    slug: Annotated[str, typer.Argument(help="Short id: lower-case letters, digits, hyphens.")],
    name: Annotated[str, typer.Option(help="Full name.")],
    kind: Annotated[
        str,
        typer.Option(help="enterprise, research_institution, government_department or operator."),
    ] = "enterprise",
) -> None:
    """Create an organization.

    Example: `autoatlas org add byd --name "BYD Auto" --kind enterprise`
    """
    service_atlas = atlas()
    actor = service_atlas.cli_principal()
    with service_atlas.write() as tx:
        org_id = service.create_organization(tx, actor, slug=slug, name=name, kind=kind)
    console.print(f"Organization {slug} created (id {org_id})")


@org_app.command("list")
def org_list(json: Json = False) -> None:
    """List organizations.

    Example: `autoatlas org list --json`
    """
    with atlas().read() as connection:
        rows = accounts.list_organizations(connection)
    if json:
        print_json([{"id": r.id, "slug": r.slug, "name": r.name, "kind": r.kind} for r in rows])
        return
    table = Table("slug", "name", "kind", header_style="bold")
    for row in rows:
        table.add_row(row.slug, row.name, row.kind)
    console.print(table)


def _password(prompt: bool) -> str | None:
    from_env = os.environ.get("AUTOATLAS_PASSWORD")
    if from_env:
        return from_env
    if not prompt:
        return None
    return getpass.getpass("Password (10 characters or more): ")


@user_app.command("add")
def user_add(
    email: Annotated[str, typer.Argument(help="E-mail address, the login name.")],
    org: Annotated[str, typer.Option("--org", help="Organization slug.")],
    role: Annotated[str, typer.Option(help="viewer, contributor, reviewer or admin.")] = "viewer",
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    password: Annotated[
        bool,
        typer.Option("--password", help="Ask for a web password (or read AUTOATLAS_PASSWORD)."),
    ] = False,
) -> None:
    """Create a user.

    Example: `autoatlas user add ana@operator.example --org autoatlas --role admin --password`
    """
    service_atlas = atlas()
    actor = service_atlas.cli_principal()
    secret = _password(password)
    with service_atlas.write() as tx:
        user_id = service.create_user(
            tx, actor, email=email, name=name, organization=org, role=role, password=secret
        )
    console.print(f"User {email} created (id {user_id}, {role} of {org})")


@user_app.command("list")
def user_list(
    org: Annotated[str | None, typer.Option("--org", help="Only this organization.")] = None,
    json: Json = False,
) -> None:
    """List users.

    Example: `autoatlas user list --org autoatlas`
    """
    with atlas().read() as connection:
        org_id = None
        if org is not None:
            found = accounts.get_organization(connection, slug=org)
            if found is None:
                raise NotFoundError(f"unknown organization {org!r}")
            org_id = found.id
        rows = accounts.list_users(connection, org_id)
    if json:
        print_json(
            [
                {
                    "id": r.id,
                    "email": r.email,
                    "name": r.name,
                    "organization": r.organization,
                    "role": r.role,
                    "disabled": r.disabled_at is not None,
                }
                for r in rows
            ]
        )
        return
    table = Table("id", "email", "organization", "role", header_style="bold")
    for row in rows:
        table.add_row(str(row.id), row.email, row.organization, row.role)
    console.print(table)


@token_app.command("create")
def token_create(
    email: Annotated[str, typer.Argument(help="The user the token acts for.")],
    name: Annotated[str, typer.Option(help="What the token is for.")] = "cli",
    scope: Annotated[
        list[str] | None,
        typer.Option("--scope", help="read, contribute, review, admin (repeatable; default read)."),
    ] = None,
    days: Annotated[int, typer.Option(help="Days until it expires.")] = 90,
    json: Json = False,
) -> None:
    """Create an API token and print it once.

    Example: `autoatlas token create ana@operator.example --scope read --scope admin`
    """
    service_atlas = atlas()
    actor = service_atlas.cli_principal()
    with service_atlas.write() as tx:
        user = accounts.user_by_email(tx.connection, email.strip().lower())
        if user is None:
            raise NotFoundError(f"no user {email!r}")
        plain, row = service.issue_token(
            tx, actor, user_id=user.id, name=name, scopes=scope or ["read"], expires_in_days=days
        )
    if json:
        print_json(
            {"id": row.id, "token": plain, "scopes": list(row.scopes), "expires_at": row.expires_at}
        )
        return
    console.print(f"Token {row.id} for {email} ({', '.join(row.scopes)}), shown once:")
    console.print(plain, markup=False, highlight=False)


@token_app.command("list")
def token_list(
    email: Annotated[str, typer.Argument(help="Whose tokens.")],
    json: Json = False,
) -> None:
    """List a user's tokens (never their secrets).

    Example: `autoatlas token list ana@operator.example`
    """
    with atlas().read() as connection:
        user = accounts.user_by_email(connection, email.strip().lower())
        if user is None:
            raise NotFoundError(f"no user {email!r}")
        rows = accounts.list_tokens(connection, user_ids=[user.id])
    data = [
        {
            "id": r.id,
            "name": r.name,
            "prefix": r.prefix,
            "scopes": list(r.scopes),
            "expires_at": r.expires_at,
            "revoked_at": r.revoked_at,
        }
        for r in rows
    ]
    if json:
        print_json(data)
        return
    table = Table("id", "name", "prefix", "scopes", "expires", "revoked", header_style="bold")
    for r in rows:
        table.add_row(
            str(r.id),
            r.name,
            r.prefix + "…",
            ",".join(r.scopes),
            str(r.expires_at or ""),
            str(r.revoked_at or ""),
        )
    console.print(table)


@token_app.command("revoke")
def token_revoke(token_id: Annotated[int, typer.Argument(help="Token id.")]) -> None:
    """Revoke a token at once.

    Example: `autoatlas token revoke 3`
    """
    service_atlas = atlas()
    actor = service_atlas.cli_principal()
    with service_atlas.write() as tx:
        service.revoke_token(tx, actor, token_id)
    console.print(f"Token {token_id} revoked")


def audit(
    org: Annotated[str | None, typer.Option("--org", help="Only this organization.")] = None,
    after: Annotated[int, typer.Option(help="Only entries after this id.")] = 0,
    limit: Annotated[int, typer.Option(help="At most this many entries.")] = 100,
    json: Json = False,
) -> None:
    """Read the audit log: who did what, when, with before and after.

    Example: `autoatlas audit --org byd --json`
    """
    if not 1 <= limit <= 10_000:
        raise ValidationError("--limit: between 1 and 10000")
    with atlas().read() as connection:
        org_id = None
        if org is not None:
            found = accounts.get_organization(connection, slug=org)
            if found is None:
                raise NotFoundError(f"unknown organization {org!r}")
            org_id = found.id
        entries = list_audit(connection, organization_id=org_id, after_id=after, limit=limit)
    if json:
        print_json([entry.as_dict() for entry in entries])
        return
    table = Table("id", "at", "actor", "action", "target", header_style="bold")
    for entry in entries:
        table.add_row(
            str(entry.id),
            entry.at.isoformat(sep=" ", timespec="seconds"),
            entry.actor,
            entry.action,
            entry.target,
        )
    console.print(table)
