"""Who is asking: the principal every service call is made for."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

__all__ = ["ANONYMOUS", "Principal", "Role", "Scope", "role_at_least"]


class Role(StrEnum):
    VIEWER = "viewer"
    CONTRIBUTOR = "contributor"
    REVIEWER = "reviewer"
    ADMIN = "admin"


class Scope(StrEnum):
    """What a token may be used for; a web session carries every scope of its role."""

    READ = "read"
    CONTRIBUTE = "contribute"
    REVIEW = "review"
    ADMIN = "admin"


_RANK = {Role.VIEWER: 0, Role.CONTRIBUTOR: 1, Role.REVIEWER: 2, Role.ADMIN: 3}
ROLE_SCOPES = {
    Role.VIEWER: frozenset({Scope.READ}),
    Role.CONTRIBUTOR: frozenset({Scope.READ, Scope.CONTRIBUTE}),
    Role.REVIEWER: frozenset({Scope.READ, Scope.CONTRIBUTE, Scope.REVIEW}),
    Role.ADMIN: frozenset(Scope),
}


def role_at_least(role: Role | None, least: Role) -> bool:
    return role is not None and _RANK[role] >= _RANK[least]


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: int | None = None
    email: str | None = None
    organization_id: int | None = None
    organization: str | None = None
    operator: bool = False  # a member of the platform operator's organization
    role: Role | None = None
    scopes: frozenset[Scope] = field(default_factory=frozenset)
    label: str = "anonymous"  # for the audit log: "user:ana@example.org", "cli:root"

    @property
    def authenticated(self) -> bool:
        return self.user_id is not None or self.label.startswith("cli:")

    def may(self, scope: Scope, least: Role) -> bool:
        return scope in self.scopes and role_at_least(self.role, least)


ANONYMOUS = Principal()
