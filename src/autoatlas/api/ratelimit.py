"""Rate limits: an in-memory token bucket per bearer credential and per client address.

One bucket set per process: behind a load balancer each process counts its own share, which
is the documented trade-off (docs/api.md). Buckets refill continuously at
`rate_limit_per_minute / 60` a second and hold at most `rate_limit_per_minute` requests.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from autoatlas.api.problems import problem_response

__all__ = ["RateLimitMiddleware", "TokenBuckets"]

SESSION_COOKIE = "autoatlas_session"


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    """Token buckets by key; thread-safe. `take` returns 0 when allowed, else seconds to wait."""

    def __init__(
        self,
        per_minute: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 50_000,
    ) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def _refilled(self, key: str, now: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._prune(now)
            bucket = self._buckets[key] = _Bucket(self.capacity, now)
        else:
            bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
        return bucket

    def _prune(self, now: float) -> None:
        full = [
            key
            for key, bucket in self._buckets.items()
            if bucket.tokens + (now - bucket.updated) * self.rate >= self.capacity
        ]
        for key in full or list(self._buckets)[: self.max_keys // 2]:
            del self._buckets[key]

    def take(self, *keys: str) -> int:
        """Take one token from every key's bucket, or none if any bucket is empty."""
        with self._lock:
            now = self.clock()
            buckets = [self._refilled(key, now) for key in keys]
            short = [b for b in buckets if b.tokens < 1.0]
            if short:
                wait = max((1.0 - b.tokens) / self.rate for b in short)
                return max(1, math.ceil(wait))
            for bucket in buckets:
                bucket.tokens -= 1.0
            return 0


def _credential(scope: Scope) -> str | None:
    headers = dict(scope.get("headers") or [])
    authorization = headers.get(b"authorization", b"")
    if authorization[:7].lower() == b"bearer ":
        return "token:" + hashlib.sha256(authorization[7:].strip()).hexdigest()[:32]
    cookie = headers.get(b"cookie", b"")
    marker = SESSION_COOKIE.encode() + b"="
    if marker in cookie:
        value = cookie.split(marker, 1)[1].split(b";", 1)[0]
        return "session:" + hashlib.sha256(value).hexdigest()[:32]
    return None


class RateLimitMiddleware:
    """429 problem with Retry-After once a credential's or an address's bucket is empty."""

    def __init__(self, app: ASGIApp, *, per_minute: int) -> None:
        self.app = app
        self.buckets = TokenBuckets(per_minute) if per_minute > 0 else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.buckets is None:
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        keys = [f"address:{client[0] if client else 'unknown'}"]
        credential = _credential(scope)
        if credential is not None:
            keys.append(credential)
        wait = self.buckets.take(*keys)
        if wait:
            response = problem_response(
                scope.get("path", ""),
                429,
                f"too many requests: try again in {wait} second(s)",
                code="rate-limited",
                headers={"Retry-After": str(wait)},
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
