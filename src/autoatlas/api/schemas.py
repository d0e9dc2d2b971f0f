"""Request and response models: a Create (request) and Public (response) family per resource.

Request models are strict (no extra fields, no coercion: `false` is not 0) and bound every
text and number, so bad input is refused at the door with the field named.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

__all__ = [
    "MAX_ID",
    "ApproveCreate",
    "AuditEntryPublic",
    "AuditPage",
    "ChangeSetCreate",
    "ChangeSetPage",
    "ChangeSetPublic",
    "ComparePublic",
    "CoveragePublic",
    "CreditEntryPublic",
    "CreditsPublic",
    "DimensionPublic",
    "FactPage",
    "FactPublic",
    "HistoryPublic",
    "LabelPublic",
    "MarketPage",
    "MarketPublic",
    "OrganizationCreate",
    "OrganizationPublic",
    "ProfilePublic",
    "PropertyPublic",
    "RejectCreate",
    "SessionCreate",
    "SessionPublic",
    "SourcePage",
    "SourcePublic",
    "TokenCreate",
    "TokenCreated",
    "TokenPublic",
    "UserCreate",
    "UserPublic",
]

MAX_ID = 2**31 - 1
Text200 = Annotated[str, StringConstraints(max_length=200)]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class _Public(BaseModel):
    model_config = ConfigDict(extra="ignore")


# -- reads ------------------------------------------------------------------------------
class MarketPublic(_Public):
    code: str
    kind: str
    name_en: str
    name_zh: str
    parent: str | None = None


class MarketPage(_Public):
    items: list[MarketPublic]
    next_cursor: str | None = None


class SourcePublic(_Public):
    kind: str
    title: str
    publisher: str | None = None
    url: str | None = None
    published: str | None = None
    accessed: str | None = None
    language: str | None = None
    quote: str | None = None
    locator: str | None = None


class CitedSourcePublic(SourcePublic):
    id: int


class SourcePage(_Public):
    items: list[CitedSourcePublic]
    next_cursor: str | None = None


class FactPublic(_Public):
    id: int
    market: str
    property: str
    value: Any
    unit: str | None = None
    qualifiers: dict[str, str]
    valid_from: str | None = None
    valid_to: str | None = None
    confidence: str
    visibility: str
    organization: str
    recorded_at: str
    superseded_at: str | None = None
    checked: str | None = None
    note: str | None = None
    sources: list[SourcePublic]
    inherited_from: str | None = Field(
        None, description="The bloc or country this market inherits the fact from (via EU)."
    )


class FactPage(_Public):
    items: list[FactPublic]
    next_cursor: str | None = Field(
        None, description="Pass as `cursor` for the next page; null on the last page."
    )


class ProfilePublic(_Public):
    market: MarketPublic
    as_of: str
    known_at: str | None = None
    dimension: str | None = None
    facts: list[FactPublic]


class HistoryPublic(_Public):
    market: str
    property: str
    facts: list[FactPublic]


class ComparePublic(_Public):
    as_of: str
    known_at: str | None = None
    properties: list[str]
    markets: dict[str, list[FactPublic]]


class LabelPublic(_Public):
    en: str
    zh: str


class PropertyPublic(_Public):
    id: str
    dimension: str
    datatype: str
    unit: str | None = None
    qualifiers: list[str]
    values: list[str] | None = None
    label: LabelPublic
    description: LabelPublic


class DimensionPublic(_Public):
    id: str
    label: LabelPublic
    description: LabelPublic
    properties: int


class CoverageMarket(_Public):
    counts: dict[str, int]
    stale_share: float


class CoveragePublic(_Public):
    as_of: str
    dimensions: list[str]
    properties_per_dimension: dict[str, int]
    markets: dict[str, CoverageMarket]


# -- change sets --------------------------------------------------------------------------
class ChangeSetCreate(_Request):
    title: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    bundle: dict[str, Any] = Field(
        description="A fact bundle (sources and facts), the same shape as an import file."
    )


class ApproveCreate(_Request):
    comment: Annotated[str, StringConstraints(max_length=2000)] | None = None
    grade: Annotated[int, Field(ge=0, le=100)] = 0


class RejectCreate(_Request):
    comment: Annotated[str, StringConstraints(min_length=1, max_length=2000)]


class ChangeSetPublic(_Public):
    id: int
    organization_id: int
    author: str
    kind: str
    title: str
    state: str
    private: bool
    summary: dict[str, Any]
    submitted_at: str
    reviewer_id: int | None = None
    reviewed_at: str | None = None
    review_comment: str | None = None
    grade: int | None = None
    bundle: Any = None


class ChangeSetPage(_Public):
    items: list[ChangeSetPublic]
    next_cursor: str | None = None


# -- organizations, users, tokens ---------------------------------------------------------
OrganizationKind = Literal[
    "enterprise", "research_institution", "government_department", "operator"
]
RoleName = Literal["viewer", "contributor", "reviewer", "admin"]
ScopeName = Literal["read", "contribute", "review", "admin"]


class OrganizationCreate(_Request):
    slug: Annotated[str, StringConstraints(min_length=2, max_length=63)]
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    kind: OrganizationKind


class OrganizationPublic(_Public):
    id: int
    slug: str
    name: str
    kind: str
    created_at: str


class CreditEntryPublic(_Public):
    id: int
    at: str
    delta: int
    reason: str
    change_set_id: int | None = None


class CreditsPublic(_Public):
    organization: str
    balance: int
    entries: list[CreditEntryPublic]
    next_cursor: str | None = None


class UserCreate(_Request):
    email: Annotated[str, StringConstraints(min_length=3, max_length=254)]
    name: Text200 = ""
    organization: Annotated[str, StringConstraints(min_length=1, max_length=63)]
    role: RoleName
    password: Annotated[str, StringConstraints(min_length=10, max_length=200)] | None = None


class UserPublic(_Public):
    id: int
    email: str
    name: str
    organization: str
    role: str
    created_at: str
    disabled_at: str | None = None


class TokenCreate(_Request):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    scopes: Annotated[list[ScopeName], Field(min_length=1, max_length=4)]
    expires_in_days: Annotated[int, Field(ge=1, le=3650)] | None = 90
    user_id: Annotated[int, Field(ge=1, le=MAX_ID)] | None = None


class TokenPublic(_Public):
    id: int
    user_id: int
    name: str
    prefix: str
    scopes: list[str]
    created_at: str
    expires_at: str | None = None
    revoked_at: str | None = None


class TokenCreated(TokenPublic):
    token: str = Field(description="The token itself: shown this once, store it now.")


class AuditEntryPublic(_Public):
    id: int
    at: str
    actor_id: int | None = None
    actor: str
    organization_id: int | None = None
    action: str
    target: str
    before: Any = None
    after: Any = None


class AuditPage(_Public):
    items: list[AuditEntryPublic]
    next_cursor: str | None = None


class SessionCreate(_Request):
    email: Annotated[str, StringConstraints(min_length=1, max_length=254)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class SessionPublic(_Public):
    csrf_token: str = Field(description="Send as X-CSRF-Token on every non-GET request.")
    user: UserPublic
