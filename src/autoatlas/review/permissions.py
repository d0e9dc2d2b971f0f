"""One check per action, named after it (CKAN-style): every interface calls the same check.

A check raises AuthenticationError (no identity where one is needed: 401) or
PermissionDeniedError (an identity without the right: 403) and returns nothing otherwise.
Rules where DESIGN.md is silent are in docs/decisions.md ("Who may do what").
"""

from __future__ import annotations

from autoatlas.auth.principal import Principal, Role, Scope
from autoatlas.errors import AuthenticationError, NotFoundError, PermissionDeniedError
from autoatlas.store.changesets import ChangeSetRow

__all__ = [
    "check_bulk_load",
    "check_manage_models",
    "check_manage_organizations",
    "check_manage_users",
    "check_read",
    "check_read_audit",
    "check_review_change_set",
    "check_submit_change_set",
    "check_view_change_set",
    "check_view_credits",
    "check_view_models",
]


def _authenticated(principal: Principal) -> None:
    if not principal.authenticated:
        raise AuthenticationError("sign in or send a bearer token for this")


def _need(principal: Principal, scope: Scope, role: Role, what: str) -> None:
    _authenticated(principal)
    if scope not in principal.scopes:
        raise PermissionDeniedError(f"{what} needs a token with the {scope} scope")
    if not principal.may(scope, role):
        raise PermissionDeniedError(f"{what} needs the {role} role")


def check_read(principal: Principal, *, anonymous_read: bool) -> None:
    if not principal.authenticated:
        if anonymous_read:
            return
        raise AuthenticationError("anonymous reading is switched off: send a bearer token")
    if Scope.READ not in principal.scopes:
        raise PermissionDeniedError("reading needs a token with the read scope")


def check_submit_change_set(principal: Principal) -> None:
    _need(principal, Scope.CONTRIBUTE, Role.CONTRIBUTOR, "contributing")


def check_view_change_set(principal: Principal, change_set: ChangeSetRow) -> None:
    _authenticated(principal)
    if principal.organization_id == change_set.organization_id:
        return
    if principal.operator and principal.may(Scope.REVIEW, Role.REVIEWER) and not change_set.private:
        return
    # Same answer as a missing change set: its existence is not another tenant's business.
    raise NotFoundError(f"no change set {change_set.id}")


def check_review_change_set(principal: Principal, change_set: ChangeSetRow) -> None:
    _need(principal, Scope.REVIEW, Role.REVIEWER, "reviewing")
    check_view_change_set(principal, change_set)
    if principal.user_id is not None and principal.user_id == change_set.author_id:
        raise PermissionDeniedError("a change set is reviewed by someone other than its author")
    if change_set.private:
        if principal.organization_id != change_set.organization_id:
            raise PermissionDeniedError("private facts are reviewed inside their organization")
    elif not principal.operator:
        raise PermissionDeniedError(
            "public facts are reviewed by the platform operator's reviewers"
        )


def check_manage_users(principal: Principal, organization_id: int) -> None:
    _need(principal, Scope.ADMIN, Role.ADMIN, "managing users")
    if not principal.operator and principal.organization_id != organization_id:
        raise PermissionDeniedError("admins manage the users of their own organization")


def check_manage_organizations(principal: Principal) -> None:
    _need(principal, Scope.ADMIN, Role.ADMIN, "managing organizations")
    if not principal.operator:
        raise PermissionDeniedError("organizations are managed by the platform operator")


def check_read_audit(principal: Principal) -> None:
    _need(principal, Scope.ADMIN, Role.ADMIN, "reading the audit log")


def check_bulk_load(principal: Principal) -> None:
    check_manage_organizations(principal)


def check_view_credits(principal: Principal, organization_id: int) -> None:
    _authenticated(principal)
    if principal.organization_id == organization_id:
        return
    if principal.operator and principal.may(Scope.ADMIN, Role.ADMIN):
        return
    raise PermissionDeniedError("credits are visible to their organization and to admins")


# -- vehicle models and portfolios (issue 6) -------------------------------------------
# Models are private to their organization, the platform operator's staff included: the
# services look models up only inside the principal's organization (another organization's
# model reads as missing). These checks say who inside the organization may do what, and
# return the organization's id for the services to scope their queries by.


def _member(principal: Principal, what: str) -> int:
    _authenticated(principal)
    if principal.organization_id is None:
        raise PermissionDeniedError(f"{what} belongs to an organization: sign in as its member")
    return principal.organization_id


def check_view_models(principal: Principal) -> int:
    """Reading the organization's models, portfolio and assessments; returns its id."""
    organization_id = _member(principal, "a vehicle model")
    if Scope.READ not in principal.scopes:
        raise PermissionDeniedError("reading vehicle models needs a token with the read scope")
    return organization_id


def check_manage_models(principal: Principal) -> int:
    """Creating, changing, importing and deleting models and portfolio entries."""
    organization_id = _member(principal, "a vehicle model")
    _need(principal, Scope.CONTRIBUTE, Role.CONTRIBUTOR, "managing vehicle models")
    return organization_id
