"""Signed webhooks: HMAC-SHA256 over "<timestamp>.<body>", replay-protected by the timestamp.

Every request carries

- ``X-AutoAtlas-Timestamp``: seconds since the epoch when it was signed;
- ``X-AutoAtlas-Signature``: ``v1=`` and the hex HMAC-SHA256 of ``"<timestamp>.<body>"``
  under the channel's secret;
- ``Idempotency-Key``: the same for every attempt of one delivery, so a receiver sees each
  alert once even when a retry follows a response that was lost.

A receiver recomputes the signature (constant-time compare) and rejects a timestamp older
(or newer) than its tolerance, five minutes by default: `verify` does both.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

__all__ = [
    "IDEMPOTENCY_HEADER",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "TOLERANCE_SECONDS",
    "Connections",
    "Outcome",
    "post_webhook",
    "sign",
    "verify",
]

SIGNATURE_HEADER = "X-AutoAtlas-Signature"
TIMESTAMP_HEADER = "X-AutoAtlas-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"
TOLERANCE_SECONDS = 300


@dataclass(frozen=True, slots=True)
class Outcome:
    ok: bool
    detail: str  # "HTTP 200", "timed out after 5.0 s", "connection refused"...


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def verify(
    secret: str,
    body: bytes,
    *,
    timestamp: str | None,
    signature: str | None,
    now: float,
    tolerance: int = TOLERANCE_SECONDS,
) -> bool:
    """What a receiver does: a fresh timestamp and a matching signature, or refuse."""
    if not timestamp or not signature or not timestamp.isdigit():
        return False
    stamp = int(timestamp)
    if abs(now - stamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, stamp, body), signature)


Connections = dict[tuple[str, str, int | None], http.client.HTTPConnection]
_MAX_ANSWER = 65536  # bytes of an answer read; a longer one closes the connection


def _connection(
    parts: SplitResult, timeout: float, connections: Connections | None
) -> tuple[http.client.HTTPConnection, bool]:
    """A kept-alive connection to the receiver (reused: True), or a new one."""
    key = (parts.scheme, parts.hostname or "", parts.port)
    if connections is not None and key in connections:
        found = connections[key]
        found.timeout = timeout
        if found.sock is not None:
            found.sock.settimeout(timeout)
        return found, True
    connection_class = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    made = connection_class(parts.hostname or "", parts.port, timeout=timeout)
    if connections is not None:
        connections[key] = made
    return made, False


def post_webhook(
    url: str,
    body: bytes,
    *,
    secret: str,
    timestamp: int,
    idempotency_key: str,
    timeout: float,
    connections: Connections | None = None,
) -> Outcome:
    """POST one delivery; any 2xx is delivered, anything else (or no answer in time) is not.

    `connections` (one dict per sending thread) keeps connections alive between deliveries
    to the same receiver; a kept connection the receiver has closed meanwhile is replaced
    once (the idempotency key makes the repeat harmless).
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return Outcome(False, f"not an http(s) URL: {url}")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "AutoAtlas-Webhook/1",
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret, timestamp, body),
        IDEMPOTENCY_HEADER: idempotency_key,
    }
    key = (parts.scheme, parts.hostname, parts.port)
    for _ in range(2):
        connection, reused = _connection(parts, timeout, connections)
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            answer = response.read(_MAX_ANSWER + 1)
            status = response.status
            if response.will_close or len(answer) > _MAX_ANSWER or connections is None:
                connection.close()
                if connections is not None:
                    connections.pop(key, None)
            return Outcome(200 <= status < 300, f"HTTP {status}")
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
            _forget(connection, connections, key)
            if not reused:
                return Outcome(False, f"{type(exc).__name__}: {exc}")
        except TimeoutError:
            _forget(connection, connections, key)
            return Outcome(False, f"no answer within {timeout} s")
        except (OSError, http.client.HTTPException) as exc:
            _forget(connection, connections, key)
            return Outcome(False, f"{type(exc).__name__}: {exc}")
    return Outcome(False, "the receiver closed the connection")


def _forget(
    connection: http.client.HTTPConnection,
    connections: Connections | None,
    key: tuple[str, str, int | None],
) -> None:
    connection.close()
    if connections is not None:
        connections.pop(key, None)
