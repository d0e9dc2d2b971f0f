"""The API over real HTTP on loopback (uvicorn in a thread): ETags, rate limits, metering,
streamed bodies."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import uvicorn
from api_world import API, World, approve, submit

from autoatlas.api import create_app
from autoatlas.config import Settings

Serve = Callable[..., Any]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _serving(world: World, **settings: Any) -> Iterator[httpx.Client]:
    app = create_app(
        Settings(database_url=world.atlas.settings.database_url, **settings), atlas=world.atlas
    )
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}{API}", timeout=10) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def serve(world: World) -> Serve:
    return lambda **settings: _serving(world, **settings)


def test_profile_and_304_over_http(serve: Serve) -> None:
    with serve() as http:
        first = http.get("/markets/DE/profile", params={"as_of": "2025-01-01"})
        assert first.status_code == 200
        assert first.headers["content-type"] == "application/json"
        assert any(f.get("inherited_from") == "EU" for f in first.json()["facts"])
        etag = first.headers["etag"]
        second = http.get(
            "/markets/DE/profile", params={"as_of": "2025-01-01"}, headers={"If-None-Match": etag}
        )
        assert second.status_code == 304
        assert second.content == b""
        openapi = http.get("/openapi.json").json()
        assert "/api/v1/markets/{code}/profile" in openapi["paths"]
        assert http.get("/docs").status_code == 200


def test_rate_limit_answers_429_with_retry_after(serve: Serve, world: World) -> None:
    with serve(rate_limit_per_minute=5) as http:
        answers = [http.get("/dimensions").status_code for _ in range(5)]
        assert answers == [200] * 5
        limited = http.get("/dimensions")
        assert limited.status_code == 429
        assert limited.headers["content-type"] == "application/problem+json"
        assert int(limited.headers["retry-after"]) >= 1
        # the address's bucket is empty whatever token is sent
        assert http.get("/dimensions", headers=world.headers("viewer")).status_code == 429


def test_metering_spends_credits_and_refuses_without(serve: Serve, world: World) -> None:
    with serve(metering=True, metering_cost=2) as http:
        assert http.get("/markets/TH").status_code == 200  # not metered
        anonymous = http.get("/markets/TH/profile")
        assert anonymous.status_code == 401
        broke = http.get("/markets/TH/profile", headers=world.headers("viewer"))
        assert broke.status_code == 402
        assert broke.headers["content-type"] == "application/problem+json"
        assert http.get("/export", headers=world.headers("viewer")).status_code == 402
        # acme earns 3 credits with an approved contribution
        change = submit(
            world, "contributor", {"market": "TH", "property": "climate.temp_min_c", "value": 19}
        )
        approve(world, "op_reviewer", change, grade=3)
        paid = http.get("/markets/TH/profile", headers=world.headers("viewer"))
        assert paid.status_code == 200
        etag = paid.headers["etag"]
        free = http.get(
            "/markets/TH/profile", headers={**world.headers("viewer"), "If-None-Match": etag}
        )
        assert free.status_code == 304  # nothing sent, nothing spent
        assert http.get("/facts", headers=world.headers("viewer")).status_code == 402
        credits = http.get("/organizations/acme/credits", headers=world.headers("viewer")).json()
        assert credits["balance"] == 1
        assert [e["delta"] for e in credits["entries"]] == [3, -2]


def test_streamed_oversized_body_over_http(serve: Serve, world: World) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"title": "big", "bundle": {"pad": "'
        for _ in range(100):
            yield b"x" * 1000
        yield b'"}}'

    with serve(max_body_bytes=10_000) as http:
        answer = http.post(
            "/change-sets",
            content=chunks(),
            headers={**world.headers("contributor"), "Content-Type": "application/json"},
        )
        assert answer.status_code == 413
        assert answer.json()["status"] == 413
