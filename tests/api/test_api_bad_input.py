"""Bad input: oversized and malformed bodies, wrong types, and hostile text in every field.

Every refusal is a problem document and stores nothing; text that is legitimately free-form
(titles, names, comments, notes) is stored as inert text and comes back unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from api_world import API, World, client_for
from fastapi.testclient import TestClient

from factories import SOURCE, bundle

PAYLOADS = [
    "'; DROP TABLE fact; --",
    '" OR 1=1 --',
    "Robert'); DELETE FROM user_account;--",
    "<script>alert('x')</script>",
    "<img src=x onerror=alert(1)>",
    "{{7*7}} ${7*7} %s %n \\x00",
]


@pytest.fixture
def small(world: World) -> Iterator[TestClient]:
    yield from client_for(world.atlas, max_body_bytes=4096, rate_limit_per_minute=0)


def _problem(answer: Any, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = answer.json()
    assert {"type", "title", "status", "detail", "instance"} <= set(body)
    assert body["status"] == status
    return body


def _counts(client: TestClient, world: World) -> tuple[int, int, int, int]:
    admin = world.headers("op_admin")
    return (
        len(client.get(f"{API}/facts?limit=1000").json()["items"]),
        len(client.get(f"{API}/change-sets", headers=admin).json()["items"]),
        len(client.get(f"{API}/users", headers=admin).json()),
        len(client.get(f"{API}/organizations", headers=admin).json()),
    )


def test_oversized_bodies_get_413(small: TestClient, world: World) -> None:
    big = {"title": "big", "bundle": {"sources": [], "facts": [], "pad": "x" * 5000}}
    headers = world.headers("contributor")
    _problem(small.post(f"{API}/change-sets", json=big, headers=headers), 413)

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
        yield b'{"title": "big", "bundle": {"pad": "'
        for _ in range(10):
            yield b"x" * 1000
        yield b'"}}'

    streamed = small.post(
        f"{API}/change-sets",
        content=chunks(),
        headers={**headers, "Content-Type": "application/json"},
    )
    _problem(streamed, 413)
    assert _counts(small, world)[1] == 1  # only the seed's bulk load


def test_malformed_json_gets_400(client: TestClient, world: World) -> None:
    for text in ['{"title": "x", "bundle": {', "not json", '{"title": "x",}']:
        answer = client.post(
            f"{API}/change-sets",
            content=text,
            headers={**world.headers("contributor"), "Content-Type": "application/json"},
        )
        assert _problem(answer, 400)["code"] == "malformed-json"


WRONG_TYPES = [
    ("/change-sets/1/approve", {"grade": "5"}, "body.grade"),
    ("/change-sets/1/approve", {"grade": False}, "body.grade"),
    ("/change-sets/1/approve", {"grade": 1.5}, "body.grade"),
    ("/change-sets/1/approve", {"grade": 101}, "body.grade"),
    ("/change-sets", {"title": 5, "bundle": {}}, "body.title"),
    ("/change-sets", {"title": "t", "bundle": []}, "body.bundle"),
    ("/change-sets", {"title": "t", "bundle": {}, "extra": 1}, "body.extra"),
    ("/tokens", {"name": "t", "scopes": ["root"]}, "body.scopes.0"),
    (
        "/tokens",
        {"name": "t", "scopes": ["read"], "expires_in_days": "9"},
        "body.expires_in_days",
    ),
    ("/users", {"email": "a@b.cd", "organization": "acme", "role": "god"}, "body.role"),
    ("/organizations", {"slug": "x" * 100, "name": "n", "kind": "enterprise"}, "body.slug"),
]


def test_wrong_types_get_422_naming_the_field(client: TestClient, world: World) -> None:
    for path, body, field in WRONG_TYPES:
        answer = client.post(API + path, json=body, headers=world.headers("op_admin"))
        problem = _problem(answer, 422)
        assert field in [issue["field"] for issue in problem["errors"]], (path, body)


BAD_PARAMETERS = [
    "/facts?limit=0",
    "/facts?limit=1001",
    "/facts?limit=abc",
    "/facts?cursor=%%%",
    "/facts?as_of=2024-13-01",
    "/facts?known_at=yesterday",
    "/change-sets/99999999999999999999",
    "/change-sets/0",
    "/markets/DE/profile?as_of=0000-01-01",
    "/compare?markets=DE",
    "/properties?dimension=nope",
]


def test_bad_parameters_get_422(client: TestClient, world: World) -> None:
    for path in BAD_PARAMETERS:
        _problem(client.get(API + path, headers=world.headers("op_admin")), 422)


def test_unknown_routes_and_methods(client: TestClient) -> None:
    _problem(client.get(f"{API}/nowhere"), 404)
    _problem(client.get("/nowhere"), 404)
    _problem(client.put(f"{API}/markets"), 405)
    _problem(client.get(f"{API}/markets/ZZ"), 404)


def test_hostile_text_is_refused_or_kept_as_inert_text(client: TestClient, world: World) -> None:
    for number, payload in enumerate(PAYLOADS):
        _hostile(client, world, payload, number)


def _hostile(client: TestClient, world: World, payload: str, number: int) -> None:
    before = _counts(client, world)
    admin, contributor = world.headers("op_admin"), world.headers("contributor")

    # Fields with a grammar refuse it and store nothing.
    refused = [
        (
            "/change-sets",
            contributor,
            {
                "title": "t",
                "bundle": bundle(
                    {"market": payload, "property": "roads.driving_side", "value": "left"}
                ),
            },
        ),
        (
            "/change-sets",
            contributor,
            {
                "title": "t",
                "bundle": bundle({"market": "TH", "property": payload, "value": "left"}),
            },
        ),
        (
            "/change-sets",
            contributor,
            {
                "title": "t",
                "bundle": bundle(
                    {"market": "TH", "property": "roads.driving_side", "value": payload}
                ),
            },
        ),
        ("/organizations", admin, {"slug": payload, "name": "n", "kind": "enterprise"}),
        ("/users", admin, {"email": payload, "organization": "acme", "role": "viewer"}),
        ("/users", admin, {"email": "x@acme.example", "organization": payload, "role": "viewer"}),
        ("/session", {}, {"email": payload, "password": payload}),
    ]
    for path, headers, body in refused:
        answer = client.post(API + path, json=body, headers=headers)
        assert 400 <= answer.status_code < 500, (path, answer.status_code)
        assert answer.headers["content-type"] == "application/problem+json"
    assert _counts(client, world) == before

    # Free-text fields keep it verbatim, as JSON text.
    fact = {
        "market": "TH",
        "property": "climate.temp_min_c",
        "value": 21.5 + number,
        "note": payload,
        "sources": ["own"],
    }
    source = {**SOURCE, "id": "own", "title": payload, "quote": payload}
    created = client.post(
        f"{API}/change-sets",
        json={"title": payload, "bundle": {"sources": [source], "facts": [fact]}},
        headers=contributor,
    )
    assert created.status_code == 201, created.text
    assert created.headers["content-type"] == "application/json"
    assert created.json()["title"] == payload
    approved = client.post(
        f"{API}/change-sets/{created.json()['id']}/approve",
        json={"comment": payload},
        headers=world.headers("op_reviewer"),
    )
    assert approved.json()["review_comment"] == payload
    profile = client.get(f"{API}/markets/TH/profile").json()["facts"]
    stored = next(f for f in profile if f["property"] == "climate.temp_min_c")
    assert stored["note"] == payload
    assert stored["sources"][0]["title"] == payload
    assert stored["sources"][0]["quote"] == payload
    org = client.post(
        f"{API}/organizations",
        json={"slug": f"hostile-{number}", "name": payload, "kind": "enterprise"},
        headers=admin,
    )
    assert org.status_code == 201 and org.json()["name"] == payload
    user = client.post(
        f"{API}/users",
        json={
            "email": f"hostile{number}@acme.example",
            "name": payload,
            "organization": "acme",
            "role": "viewer",
        },
        headers=admin,
    )
    assert user.status_code == 201 and user.json()["name"] == payload.strip()
    token = client.post(f"{API}/tokens", json={"name": payload, "scopes": ["read"]}, headers=admin)
    assert token.status_code == 201 and token.json()["name"] == payload.strip()[:200]
    after = _counts(client, world)
    assert (after[2], after[3]) == (before[2] + 1, before[3] + 1)  # one user, one org more
