"""Alerts (issue 7): watchlists, the inbox, the Atom feed, delivery channels, their recent
deliveries, dead letters."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from autoatlas.alerts import watchlists
from autoatlas.alerts.channels import atom, inbox, manage
from autoatlas.api import render
from autoatlas.api.dependencies import AtlasDep, SignedInPrincipal, request_time
from autoatlas.api.problems import problems
from autoatlas.api.reading import Cursor, Limit
from autoatlas.api.schemas import MAX_ID

__all__ = [
    "AlertPage",
    "AlertPublic",
    "ChannelCreate",
    "ChannelCreated",
    "ChannelPublic",
    "DeliveryPublic",
    "FeedTokenCreated",
    "FeedTokenPublic",
    "RecentDeliveryPublic",
    "ReplayPublic",
    "WatchlistCreate",
    "WatchlistPublic",
    "router",
]

router = APIRouter(tags=["alerts"])
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
WRITE_PROBLEMS = problems(400, 401, 403, 404, 409, 413, 422)
ATOM_MEDIA_TYPE = "application/atom+xml"
Code = Annotated[str, StringConstraints(min_length=1, max_length=64)]
SeverityName = Literal["info", "minor", "major", "blocker"]
DeliveryState = Literal["pending", "retrying", "delivered", "dead"]  # manage.DELIVERY_STATES


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class _Public(BaseModel):
    model_config = ConfigDict(extra="ignore")


class WatchlistCreate(_Request):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    markets: Annotated[list[Code], Field(max_length=100)] = []
    dimensions: Annotated[list[Code], Field(max_length=20)] = []
    properties: Annotated[
        list[Annotated[str, StringConstraints(max_length=200)]], Field(max_length=200)
    ] = []
    qualifiers: Annotated[
        dict[Code, Annotated[str, StringConstraints(max_length=64)]], Field(max_length=20)
    ] = {}
    min_severity: SeverityName = "info"


class WatchlistPublic(_Public):
    id: int
    name: str
    markets: list[str]
    dimensions: list[str]
    properties: list[str]
    qualifiers: dict[str, str]
    min_severity: str
    created_at: str


class AlertPublic(_Public):
    id: int
    kind: str
    severity: str
    market: str
    property: str | None = None
    title: str
    detail: dict[str, Any]
    change_set_id: int | None = None
    created_at: str
    read: bool


class AlertPage(_Public):
    items: list[AlertPublic]
    next_cursor: str | None = None


class ChannelCreate(_Request):
    kind: Literal["webhook", "email"]
    target: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    cadence: Literal["immediate", "daily", "weekly"] = "immediate"
    min_severity: SeverityName = "info"


class ChannelPublic(_Public):
    id: int
    kind: str
    target: str
    cadence: str
    min_severity: str
    created_at: str


class ChannelCreated(ChannelPublic):
    secret: str | None = Field(
        default=None, description="A webhook's signing secret: shown this once, store it now."
    )


class DeliveryPublic(_Public):
    id: int
    channel_id: int
    alert_id: int | None = None
    idempotency_key: str
    state: str
    attempts: int
    next_attempt_at: str
    last_error: str | None = None
    created_at: str


class RecentDeliveryPublic(_Public):
    id: int
    channel_id: int
    channel_kind: str
    channel_target: str
    alert_id: int | None = Field(default=None, description="None: a digest.")
    alert_title: str | None = None
    state: DeliveryState = Field(
        description="pending: not tried yet; retrying: failed, tried again at next_attempt_at; "
        "delivered; dead: failed for its whole retry window (a dead letter)."
    )
    attempts: int
    next_attempt_at: str | None = Field(default=None, description="Only while pending/retrying.")
    last_error: str | None = None
    created_at: str
    delivered_at: str | None = None


class ReplayPublic(_Public):
    replayed: int


class FeedTokenPublic(_Public):
    id: int
    prefix: str = Field(description="The token's first characters, to tell tokens apart.")
    created_at: str
    revoked_at: str | None = None


class FeedTokenCreated(FeedTokenPublic):
    token: str = Field(description="The feed token: shown this once, put it in the feed URL.")
    feed_url: str = Field(description="The feed's URL, token included, for a feed reader.")


# -- watchlists -------------------------------------------------------------------------------
@router.get("/watchlists", response_model=list[WatchlistPublic], responses=problems(401, 403))
def list_watchlists(atlas: AtlasDep, principal: SignedInPrincipal) -> list[dict[str, Any]]:
    """Your organization's watchlists (any member)."""
    with atlas.read() as connection:
        rows = watchlists.list_watchlists(connection, principal)
    return [row.as_dict() for row in rows]


@router.post(
    "/watchlists", status_code=201, response_model=WatchlistPublic, responses=WRITE_PROBLEMS
)
def create_watchlist(
    atlas: AtlasDep, principal: SignedInPrincipal, body: WatchlistCreate
) -> dict[str, Any]:
    """Which changes and deadlines concern your organization (see docs/alerts.md)."""
    with atlas.write() as tx:
        row = watchlists.create_watchlist(
            tx,
            principal,
            vocabulary=atlas.vocabulary,
            name=body.name,
            markets=body.markets,
            dimensions=body.dimensions,
            properties=body.properties,
            qualifiers=body.qualifiers,
            min_severity=body.min_severity,
        )
    return row.as_dict()


@router.delete(
    "/watchlists/{id}",
    status_code=204,
    response_class=Response,
    responses=problems(401, 403, 404, 422),
)
def remove_watchlist(atlas: AtlasDep, principal: SignedInPrincipal, id: Id) -> Response:
    """Another organization's watchlist answers 404."""
    with atlas.write() as tx:
        watchlists.remove_watchlist(tx, principal, id)
    return Response(status_code=204)


# -- the inbox --------------------------------------------------------------------------------
@router.get("/alerts", response_model=AlertPage, responses=problems(401, 403, 422))
def list_alerts(
    atlas: AtlasDep,
    principal: SignedInPrincipal,
    unread: Annotated[bool, Query(description="Only alerts not yet marked read.")] = False,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> dict[str, Any]:
    """Your organization's inbox, newest first."""
    before = render.decode_cursor(cursor) or None
    with atlas.read() as connection:
        rows = inbox.inbox(
            connection, principal, unread_only=unread, before_id=before, limit=limit + 1
        )
    page, more = rows[:limit], len(rows) > limit
    return {
        "items": [row.as_dict() for row in page],
        "next_cursor": render.encode_cursor(page[-1].id) if more else None,
    }


@router.post(
    "/alerts/{id}/read",
    status_code=204,
    response_class=Response,
    responses=problems(401, 403, 404, 422),
)
def mark_read(atlas: AtlasDep, principal: SignedInPrincipal, id: Id) -> Response:
    """Mark one of your organization's alerts read (another organization's answers 404)."""
    with atlas.write() as tx:
        inbox.mark_alert(tx, principal, id)
    return Response(status_code=204)


# -- the Atom feed ----------------------------------------------------------------------------
@router.get(
    "/feeds/{token}.atom",
    response_class=Response,
    responses={
        200: {
            "description": "The organization's alerts as an Atom feed (RFC 4287).",
            "content": {ATOM_MEDIA_TYPE: {"schema": {"type": "string"}}},
        },
        **problems(404, 422),
    },
)
def feed(
    atlas: AtlasDep,
    request: Request,
    token: Annotated[str, Path(min_length=1, max_length=200, description="The feed token.")],
) -> Response:
    """No bearer token: the secret feed token in the URL opens it; unknown or revoked: 404."""
    with atlas.read() as connection:
        document = atom.feed_for_token(connection, token, feed_url=str(request.url))
    return Response(content=document, media_type=ATOM_MEDIA_TYPE)


@router.get(
    "/alerts/feed-tokens", response_model=list[FeedTokenPublic], responses=problems(401, 403)
)
def list_feed_tokens(atlas: AtlasDep, principal: SignedInPrincipal) -> list[dict[str, Any]]:
    """Admins: your organization's feed tokens, live and revoked (never the tokens)."""
    with atlas.read() as connection:
        rows = atom.list_feed_tokens(connection, principal)
    return [row.as_dict() for row in rows]


@router.post(
    "/alerts/feed-tokens",
    status_code=201,
    response_model=FeedTokenCreated,
    responses=problems(401, 403),
)
def issue_feed_token(
    atlas: AtlasDep, request: Request, principal: SignedInPrincipal
) -> dict[str, Any]:
    """Admins: a new token for your organization's Atom feed, in this answer only."""
    with atlas.write() as tx:
        plain, token_id = atom.issue_feed_token(tx, principal)
        row = atom.get_feed_token(tx.connection, principal, token_id)
    return {
        **row.as_dict(),
        "token": plain,
        "feed_url": str(request.url_for("feed", token=plain)),
    }


@router.delete(
    "/alerts/feed-tokens/{id}",
    status_code=204,
    response_class=Response,
    responses=problems(401, 403, 404, 422),
)
def revoke_feed_token(atlas: AtlasDep, principal: SignedInPrincipal, id: Id) -> Response:
    """Admins: revoke a feed token; its feed answers 404 from now on. Another
    organization's token, or one revoked already, answers 404."""
    with atlas.write() as tx:
        atom.revoke_feed_token(tx, principal, id)
    return Response(status_code=204)


# -- channels and dead letters (admins) -------------------------------------------------------
@router.get("/channels", response_model=list[ChannelPublic], responses=problems(401, 403))
def list_channels(atlas: AtlasDep, principal: SignedInPrincipal) -> list[dict[str, Any]]:
    """Admins: your organization's active webhook and e-mail channels (never the secrets)."""
    with atlas.read() as connection:
        rows = manage.list_channels(connection, principal)
    return [row.as_dict() for row in rows]


@router.post("/channels", status_code=201, response_model=ChannelCreated, responses=WRITE_PROBLEMS)
def add_channel(
    atlas: AtlasDep, principal: SignedInPrincipal, body: ChannelCreate
) -> dict[str, Any]:
    """Admins: a webhook URL (its signing secret is in this answer only) or an e-mail address."""
    with atlas.write() as tx:
        row, secret = manage.add_channel(
            tx,
            principal,
            kind=body.kind,
            target=body.target,
            cadence=body.cadence,
            min_severity=body.min_severity,
        )
    return {**row.as_dict(), "secret": secret}


@router.delete(
    "/channels/{id}",
    status_code=204,
    response_class=Response,
    responses=problems(401, 403, 404, 422),
)
def remove_channel(atlas: AtlasDep, principal: SignedInPrincipal, id: Id) -> Response:
    with atlas.write() as tx:
        manage.remove_channel(tx, principal, id)
    return Response(status_code=204)


@router.get("/dead-letters", response_model=list[DeliveryPublic], responses=problems(401, 403))
def dead_letters(atlas: AtlasDep, principal: SignedInPrincipal) -> list[dict[str, Any]]:
    """Admins: deliveries that failed for their whole retry window (operator admins: all)."""
    with atlas.read() as connection:
        rows = manage.dead_letters(connection, principal)
    return [row.as_dict() for row in rows]


@router.get(
    "/deliveries", response_model=list[RecentDeliveryPublic], responses=problems(401, 403, 404, 422)
)
def recent_deliveries(
    atlas: AtlasDep,
    principal: SignedInPrincipal,
    channel: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Only this channel's deliveries.")
    ] = None,
    state: Annotated[
        DeliveryState | None, Query(description="Only deliveries in this state.")
    ] = None,
    limit: Annotated[
        int, Query(ge=1, le=manage.MAX_RECENT, description="How many, newest first.")
    ] = 50,
) -> list[dict[str, Any]]:
    """Admins: your channels' deliveries, newest first, and how each fares (operator admins:
    everyone's). Another organization's channel answers 404."""
    with atlas.read() as connection:
        rows = manage.recent_deliveries(
            connection, principal, limit=limit, channel_id=channel, state=state
        )
    return [row.as_dict() for row in rows]


@router.post("/dead-letters/{id}/replay", response_model=ReplayPublic, responses=WRITE_PROBLEMS)
def replay(
    atlas: AtlasDep, request: Request, principal: SignedInPrincipal, id: Id
) -> dict[str, Any]:
    """Admins: queue a dead letter again, with a fresh window and the same idempotency key."""
    with atlas.write() as tx:
        manage.replay_dead_letter(tx, principal, now=request_time(request), delivery_id=id)
    return {"replayed": 1}
