"""The profile route's body: from the cache when it holds the day's span, else computed.

The cached part is everything but `as_of` (which the route writes in front): the market,
`known_at`, the dimension and the facts, as JSON bytes in the response schema's shape.
`cached_profile` does no query and no encoding, so it runs on the event loop;
`build_profile` runs in the thread pool.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

import orjson
from fastapi import Request

from autoatlas.api import render
from autoatlas.api.etag import Versions, read_versions
from autoatlas.api.profile_cache import ProfileCache, span_index
from autoatlas.atlas import Atlas
from autoatlas.auth.principal import ANONYMOUS, Principal
from autoatlas.store.queries import markets_with_facts

__all__ = [
    "ProfileAsk",
    "build_profile",
    "cached_profile",
    "profile_builds",
    "profile_cache",
    "warm_profiles",
]

# Profiles computed at once. Building one is mostly Python (rows to facts to JSON): more
# threads than cores only share the GIL, and starve the event loop that serves cached
# answers; two keep both cores busy while SQLite works outside the GIL.
BUILDS_AT_ONCE = 2
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ProfileAsk:
    code: str
    day: date
    known_at: datetime | None
    dimension: str | None
    principal: Principal
    versions: Versions

    @property
    def market_key(self) -> tuple[Any, ...]:
        """What the breakpoints depend on."""
        return (self.code, self.principal.organization_id, self.versions, self.known_at)

    def body_key(self, breakpoints: tuple[date, ...]) -> tuple[Any, ...]:
        return (*self.market_key, self.dimension, span_index(breakpoints, self.day))


def profile_cache(request: Request) -> ProfileCache:
    cache: ProfileCache = request.app.state.profile_cache
    return cache


def profile_builds(request: Request) -> asyncio.Semaphore:
    state = request.app.state
    builds: asyncio.Semaphore | None = getattr(state, "profile_builds", None)
    if builds is None:  # made on first use, inside the running event loop
        builds = state.profile_builds = asyncio.Semaphore(BUILDS_AT_ONCE)
    return builds


def cached_profile(request: Request, atlas: Atlas, ask: ProfileAsk) -> bytes | None:
    cache = profile_cache(request)
    if not cache.enabled:
        return None
    breakpoints = cache.breakpoints(ask.market_key)
    if breakpoints is None:
        return None
    return cache.get(ask.body_key(breakpoints))


def build_profile(cache: ProfileCache, atlas: Atlas, ask: ProfileAsk) -> bytes:
    """Compute the body (market, known_at, dimension, facts), and keep it for its span.

    It is kept under the versions read with the facts, not the request's: a write between
    the two then files it under the newer versions, where it belongs.
    """
    known = cache.breakpoints(ask.market_key) if cache.enabled else None
    snapshot = atlas.profile_snapshot(
        ask.code,
        as_of=ask.day,
        known_at=render.known_at_utc(ask.known_at),
        dimension=ask.dimension,
        viewer=render.viewer(ask.principal),
        with_breakpoints=cache.enabled and known is None,
    )
    body = b"".join(
        [
            b'"market":',
            orjson.dumps(render.market(snapshot.market)),
            b',"known_at":',
            orjson.dumps(render.iso(ask.known_at)),
            b',"dimension":',
            orjson.dumps(ask.dimension),
            b',"facts":',
            orjson.dumps([render.fact(fact) for fact in snapshot.facts]),
            b"}",
        ]
    )  # without the opening "{": the route writes it with as_of
    if cache.enabled:
        breakpoints = snapshot.breakpoints
        if breakpoints is None and snapshot.versions == ask.versions:
            breakpoints = known
        if breakpoints is not None:  # else a write came in between: not worth a second query
            filed = replace(ask, versions=snapshot.versions)
            cache.keep_breakpoints(filed.market_key, breakpoints)
            cache.put(filed.body_key(breakpoints), body)
    return body


def warm_profiles(cache: ProfileCache, atlas: Atlas, day: date) -> int:
    """Compute the public profile of every market that holds facts, as of `day`, into the
    cache: the answers a freshly started server is asked for most (today's, anonymous).
    Returns how many were built; stops quietly at the first error (it is only a warm-up)."""
    if not cache.enabled:
        return 0
    with atlas.read() as connection:
        codes = markets_with_facts(connection)
    # One read of the versions: build_profile files each answer under the versions it read
    # with its facts, so a write during the warm-up cannot file a stale one.
    versions = read_versions(atlas, ANONYMOUS)
    built = 0
    for code in codes:
        try:
            build_profile(cache, atlas, ProfileAsk(code, day, None, None, ANONYMOUS, versions))
        except Exception:  # a warm-up must never take the server down
            log.warning("profile warm-up stopped at %s", code, exc_info=True)
            return built
        built += 1
    return built
