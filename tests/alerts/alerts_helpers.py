"""Shared by the alerts tests: organizations and people, publishing, a fake clock, and a
real HTTP receiver on loopback that can be healthy, down, slow, failing or late."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from autoatlas.alerts import portfolio
from autoatlas.alerts.channels.webhook import verify
from autoatlas.alerts.portfolio import AssessmentChange, PortfolioPair
from autoatlas.atlas import Atlas
from autoatlas.auth import service
from autoatlas.auth.principal import Principal
from autoatlas.review import changesets
from autoatlas.store import alerts as store
from autoatlas.store.alerts import EventRow
from factories import SEAL, SOURCE

SPEC: dict[str, Any] = SEAL
# A Japanese petrol car: what a BEV duty, an incentive or a Chinese-origin rule never reaches.
ICE_SPEC: dict[str, Any] = {
    **SEAL,
    "id": "corolla",
    "maker": "Toyota",
    "origin": "JP",
    "powertrain": "ICE",
    "battery_kwh": None,
    "dc_connectors": [],
    "ac_connectors": [],
}


def people(atlas: Atlas) -> dict[str, Principal]:
    """Two enterprises (byd, geely), each with a contributor and a reviewer, an operator
    reviewer; principals by e-mail, plus the CLI admin of each enterprise ("admin@<org>")."""
    cli = atlas.cli_principal()
    plain: dict[str, str] = {}
    with atlas.write() as tx:
        for slug in ("byd", "geely"):
            service.create_organization(tx, cli, slug=slug, name=slug.upper(), kind="enterprise")
        for email, org, role in (
            ("c@byd.example", "byd", "contributor"),
            ("r@byd.example", "byd", "reviewer"),
            ("r@op.example", "autoatlas", "reviewer"),
        ):
            user_id = service.create_user(
                tx, cli, email=email, name=email, organization=org, role=role
            )
            scopes = ["read", "contribute"] + (["review"] if email.startswith("r") else [])
            plain[email], _ = service.issue_token(tx, cli, user_id=user_id, name="t", scopes=scopes)
    now = datetime.now(UTC).replace(tzinfo=None)
    with atlas.read() as connection:
        found = {e: service.authenticate_token(connection, p, now) for e, p in plain.items()}
    for slug in ("byd", "geely"):
        found[f"admin@{slug}"] = atlas.cli_principal(slug)
    return found


def fact(market: str, prop: str, value: Any, **extra: Any) -> dict[str, Any]:
    return {"market": market, "property": prop, "value": value, "sources": ["src"], **extra}


def publish(
    atlas: Atlas,
    who: dict[str, Principal],
    *facts: dict[str, Any],
    private: bool = False,
) -> int:
    """Submit a contribution by byd's contributor and approve it (operator, or byd's reviewer
    for private facts); returns the change set id."""
    bundle = {"sources": [SOURCE], "facts": list(facts)}
    with atlas.write() as tx:
        row = changesets.submit(
            tx, who["c@byd.example"], bundle=bundle, title="test", vocabulary=atlas.vocabulary
        )
    reviewer = who["r@byd.example" if private else "r@op.example"]
    with atlas.write() as tx:
        changesets.approve(tx, reviewer, row.id, comment=None, grade=0, vocabulary=atlas.vocabulary)
    return row.id


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.moment = start or datetime.now(UTC).replace(tzinfo=None, microsecond=0)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self.moment

    def advance(self, by: timedelta) -> None:
        with self._lock:
            self.moment += by

    def set(self, moment: datetime) -> None:
        with self._lock:
            self.moment = max(self.moment, moment)


@dataclass
class Received:
    key: str
    body: bytes
    signed: bool
    started: float
    ended: float = 0.0


@dataclass
class Receiver:
    """An HTTP receiver on 127.0.0.1. mode: ok, fail (500), slow (sleeps `delay` then 200),
    late (the first answer of each key comes after `delay`, later ones at once)."""

    mode: str = "ok"
    delay: float = 0.0
    secret: str = ""
    check_time: bool = False
    requests: list[Received] = field(default_factory=list)
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def keys(self) -> list[str]:
        with self.lock:
            return [r.key for r in self.requests]

    @property
    def unique(self) -> set[str]:
        """What a receiver that deduplicates by Idempotency-Key has seen."""
        return set(self.keys)


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            key = self.headers.get("Idempotency-Key", "")
            signed = verify(
                receiver.secret,
                body,
                timestamp=self.headers.get("X-AutoAtlas-Timestamp"),
                signature=self.headers.get("X-AutoAtlas-Signature"),
                now=time.time()
                if receiver.check_time
                else float(self.headers.get("X-AutoAtlas-Timestamp") or 0),
            )
            item = Received(key, body, signed, time.monotonic())
            with receiver.lock:
                seen_before = any(r.key == key for r in receiver.requests)
                receiver.requests.append(item)
            mode = receiver.mode
            if (
                mode == "slow"
                or (mode == "late" and not seen_before)
                or (mode == "ok" and receiver.delay)
            ):
                time.sleep(receiver.delay)
            status = 500 if mode == "fail" else 200
            try:
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
            except OSError:
                pass
            item.ended = time.monotonic()

    return Handler


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # a real receiver's backlog, not 5
    daemon_threads = True


@contextmanager
def receiving(receiver: Receiver) -> Iterator[Receiver]:
    server = _Server(("127.0.0.1", 0), _handler(receiver))
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


def down_url() -> str:
    """A loopback URL where nothing listens."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


def queue_alerts(
    atlas: Atlas,
    *,
    organization_id: int,
    channel_id: int,
    count: int,
    now: datetime | None = None,
) -> list[str]:
    """Put `count` alerts and their deliveries straight into the queue; returns the keys."""
    keys = []
    with atlas.write() as tx:
        for number in range(count):
            alert_id = store.insert_alert(
                tx,
                organization_id=organization_id,
                cause=f"test:{channel_id}:{number}",
                kind="change",
                severity="major",
                rank=1,
                market="TH",
                property="trade.vat.rate",
                title=f"alert {number}",
                detail={},
                change_set_id=None,
            )
            assert alert_id is not None
            key = f"alert-{alert_id}-channel-{channel_id}"
            store.enqueue_delivery(
                tx,
                channel_id=channel_id,
                alert_id=alert_id,
                idempotency_key=key,
                payload={"type": "alert", "alert": {"id": alert_id}},
                now=now or tx.now,
            )
            keys.append(key)
    return keys


def org_id(atlas: Atlas, slug: str) -> int:
    with atlas.read() as connection:
        return int(
            connection.execute(
                sa.text("SELECT id FROM organization WHERE slug = :s"), {"s": slug}
            ).scalar_one()
        )


def change_set_events(connection: Connection, change_set: int) -> list[EventRow]:
    """The change events of one published change set."""
    return [
        e for e in store.change_events_after(connection, 0, 10_000) if e.change_set_id == change_set
    ]


def reassess_change_set(
    atlas: Atlas, pairs: list[PortfolioPair], change_set: int, on: date
) -> list[tuple[PortfolioPair, AssessmentChange]]:
    """The portfolio alerts of one published change set, as the worker plans them."""
    with atlas.read() as connection:
        events = change_set_events(connection, change_set)
        holdings = portfolio.Holdings.of(connection, pairs, on)
        return portfolio.reassess(
            connection, holdings, events, published_at=events[0].created_at, on=on
        )
