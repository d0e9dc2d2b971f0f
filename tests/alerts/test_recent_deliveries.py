"""Recent deliveries: admins follow how their channels' deliveries fare (pending, retrying with
the next attempt and the last error, delivered, dead), newest first, never another
organization's — over real HTTP on loopback (uvicorn), on SQLite and PostgreSQL."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, get_args

import httpx
import pytest
import sqlalchemy as sa
import uvicorn
from alerts_helpers import FakeClock, Receiver, fact, people, publish, receiving
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autoatlas.alerts.channels import manage
from autoatlas.alerts.worker import Worker, WorkerConfig
from autoatlas.api import create_app
from autoatlas.api.routers.alerts import DeliveryState
from autoatlas.atlas import Atlas
from autoatlas.auth import service
from autoatlas.config import Settings
from autoatlas.errors import NotFoundError, PermissionDeniedError, ValidationError
from autoatlas.store.schema import delivery

API = "/api/v1"
DUTY = "trade.import_duty.passenger_bev"
ADMINS = {"byd": "admin@byd.example", "geely": "admin@geely.example", "op": "admin@op.example"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(atlas: Atlas) -> Iterator[str]:
    """The API app served by uvicorn on loopback; yields its base URL."""
    settings = Settings(database_url=atlas.settings.database_url, rate_limit_per_minute=0)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, atlas=atlas),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="off",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def admin_tokens(atlas: Atlas) -> dict[str, str]:
    """A bearer token with the admin scope for the admins of byd, geely and the operator."""
    cli, tokens = atlas.cli_principal(), {}
    with atlas.write() as tx:
        for org, email in ADMINS.items():
            slug = "autoatlas" if org == "op" else org
            user_id = service.create_user(
                tx, cli, email=email, name=email, organization=slug, role="admin"
            )
            tokens[org], _ = service.issue_token(
                tx, cli, user_id=user_id, name="t", scopes=["read", "admin"]
            )
    return tokens


def make_worker(atlas: Atlas, clock: FakeClock) -> Worker:
    config = WorkerConfig(timeout=0.5, poll=0.02)
    return Worker(atlas.engine, vocabulary=atlas.vocabulary, clock=clock, config=config)


def test_the_api_states_match_the_service() -> None:
    assert get_args(DeliveryState) == manage.DELIVERY_STATES


def test_a_failing_webhook_shows_retrying_with_its_error_then_dead_and_no_one_else_sees_it(
    atlas: Atlas,
) -> None:
    who = people(atlas)
    tokens = admin_tokens(atlas)
    clock = FakeClock()
    with (
        receiving(Receiver(mode="fail")) as failing,
        receiving(Receiver()) as healthy,
        serving(atlas) as base,
        httpx.Client(base_url=base + API, timeout=10) as http,
    ):

        def get(org: str, query: str = "") -> httpx.Response:
            headers = {"Authorization": f"Bearer {tokens[org]}"}
            return http.get(f"/deliveries{query}", headers=headers)

        channel: dict[str, int] = {}
        for org, url in (("byd", failing.url), ("geely", healthy.url)):
            headers = {"Authorization": f"Bearer {tokens[org]}"}
            made = http.post("/channels", json={"kind": "webhook", "target": url}, headers=headers)
            assert made.status_code == 201, made.text
            channel[org] = made.json()["id"]
            watch = {"name": "Thailand", "markets": ["TH"]}
            assert http.post("/watchlists", json=watch, headers=headers).status_code == 201
        assert get("byd").json() == []

        publish(atlas, who, fact("TH", DUTY, 40, unit="percent"))
        publish(atlas, who, fact("TH", DUTY, 55, unit="percent"))
        runner = make_worker(atlas, clock)
        runner.run_once()

        mine = get("byd")
        assert mine.status_code == 200, mine.text
        rows = mine.json()
        assert [r["id"] for r in rows] == sorted((r["id"] for r in rows), reverse=True)
        assert len(rows) == 2 and all(r["channel_id"] == channel["byd"] for r in rows)
        newest = rows[0]
        assert newest["state"] == "retrying" and newest["attempts"] == 1
        assert newest["last_error"] == "HTTP 500"
        next_attempt = datetime.fromisoformat(newest["next_attempt_at"])
        assert clock.now() + timedelta(seconds=20) <= next_attempt  # 30 s, jitter ±20 %
        assert next_attempt <= clock.now() + timedelta(seconds=40)
        assert newest["channel_kind"] == "webhook" and newest["channel_target"] == failing.url
        assert newest["alert_title"] and "TH" in newest["alert_title"]
        assert newest["delivered_at"] is None

        theirs = get("geely").json()  # geely's receiver is healthy
        assert [r["state"] for r in theirs] == ["delivered", "delivered"]
        assert all(r["next_attempt_at"] is None and r["delivered_at"] for r in theirs)
        assert not {r["id"] for r in theirs} & {r["id"] for r in rows}  # tenant isolation
        assert {r["channel_id"] for r in theirs} == {channel["geely"]}
        assert get("byd", f"?channel={channel['geely']}").status_code == 404
        assert get("geely", f"?channel={channel['byd']}").status_code == 404
        everyone = get("op").json()  # the operator's admins see everyone's
        assert {r["id"] for r in everyone} == {r["id"] for r in rows + theirs}

        assert [r["id"] for r in get("byd", "?limit=1").json()] == [newest["id"]]
        assert len(get("byd", "?state=retrying").json()) == 2
        assert get("byd", "?state=delivered").json() == []
        assert get("byd", f"?channel={channel['byd']}&state=retrying").json() == rows
        for bad in ("?state=lost", "?limit=0", "?limit=501", "?channel=0"):
            refused = get("byd", bad)
            assert refused.status_code == 422, bad
            assert refused.headers["content-type"] == "application/problem+json"

        # A day of retries on the injected clock: the failing webhook becomes a dead letter.
        for _ in range(40):
            if all(r["state"] == "dead" for r in get("byd").json()):
                break
            clock.advance(timedelta(hours=7))
            runner.deliver()
        runner.close()
        dead = get("byd").json()
        assert [r["state"] for r in dead] == ["dead", "dead"]
        assert all(r["attempts"] >= 5 and r["last_error"] == "HTTP 500" for r in dead)
        assert all(r["next_attempt_at"] is None for r in dead)
        assert get("byd", "?state=dead").json() == dead
        assert get("byd", "?state=retrying").json() == []
        listed = http.get("/dead-letters", headers={"Authorization": f"Bearer {tokens['byd']}"})
        assert {r["id"] for r in listed.json()} == {r["id"] for r in dead}
        assert [r["state"] for r in get("geely").json()] == ["delivered", "delivered"]


def test_the_service_checks_who_asks_and_what(atlas: Atlas) -> None:
    who = people(atlas)
    with atlas.read() as connection:
        with pytest.raises(PermissionDeniedError, match="admins"):
            manage.recent_deliveries(connection, who["c@byd.example"])
        with pytest.raises(ValidationError, match="state: one of pending, retrying"):
            manage.recent_deliveries(connection, who["admin@byd"], state="lost")
        with pytest.raises(ValidationError, match="limit: between 1 and 500"):
            manage.recent_deliveries(connection, who["admin@byd"], limit=0)
        with pytest.raises(NotFoundError, match="no channel 999"):
            manage.recent_deliveries(connection, who["admin@byd"], channel_id=999)


ROWS = st.lists(
    st.tuples(st.sampled_from(["pending", "delivered", "dead"]), st.integers(0, 3)), max_size=12
)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=ROWS)
def test_the_states_split_the_queue_newest_first(atlas: Atlas, rows: list[Any]) -> None:
    """Whatever the queue holds, the four states split it without overlap or gap, a queued
    row that was tried is retrying, and every answer is newest first."""
    admin = atlas.cli_principal()  # each example gets a channel of its own
    with atlas.write() as tx:
        channel, _ = manage.add_channel(tx, admin, kind="email", target="a@op.example")
        for number, (state, attempts) in enumerate(rows):
            tx.connection.execute(
                sa.insert(delivery).values(
                    channel_id=channel.id,
                    idempotency_key=f"h-{channel.id}-{number}",
                    payload="{}",
                    state=state,
                    attempts=attempts,
                    next_attempt_at=tx.now,
                    window_start=tx.now,
                    created_at=tx.now,
                )
            )
    with atlas.read() as connection:
        found = manage.recent_deliveries(connection, admin, channel_id=channel.id, limit=500)
        ids = [r.id for r in found]
        assert ids == sorted(ids, reverse=True) and len(ids) == len(rows)
        oldest_first = zip(reversed(found), rows, strict=True)
        assert [r.state for r, _ in oldest_first] == [
            "retrying" if state == "pending" and attempts else state for state, attempts in rows
        ]
        split: list[int] = []
        for state in manage.DELIVERY_STATES:
            part = manage.recent_deliveries(
                connection, admin, channel_id=channel.id, state=state, limit=500
            )
            assert all(r.state == state for r in part)
            assert [r.id for r in part] == sorted((r.id for r in part), reverse=True)
            split += [r.id for r in part]
        assert sorted(split) == sorted(ids)
