"""Who may call what: every route × every kind of caller, expected statuses written down.

Columns: anonymous; viewer, contributor, reviewer and admin of org A (acme); a reviewer and
an admin of the platform operator; the admin of org B (borg). Targets belong to org A.
Routes that change something get a fresh target for every cell, so cells are independent.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from api_world import (
    API,
    MFN,
    PASSWORD,
    World,
    acme_alert,
    acme_dead_letter,
    client_for,
    seed,
    submit,
)

from autoatlas.alerts import watchlists
from autoatlas.alerts.channels import atom, manage
from autoatlas.atlas import Atlas
from autoatlas.auth import service
from autoatlas.vehicles import service as vehicle_service
from autoatlas.vehicles.spec import VehicleSpec
from factories import SEAL

MODEL = {key: value for key, value in SEAL.items() if key != "id"}


def model_spec(slug: str) -> VehicleSpec:
    return VehicleSpec.model_validate({"id": slug, **MODEL})


CALLERS = [
    "anon",
    "viewer",
    "contributor",
    "reviewer",
    "admin",
    "op_reviewer",
    "op_admin",
    "b_admin",
]

MATRIX = """
route                                   anon viewer contrib reviewer admin op_rev op_admin b_admin
GET /markets                            200  200    200     200      200   200    200      200
GET /markets/DE                         200  200    200     200      200   200    200      200
GET /markets/DE/profile                 200  200    200     200      200   200    200      200
GET /markets/DE/history                 200  200    200     200      200   200    200      200
GET /compare                            200  200    200     200      200   200    200      200
GET /properties                         200  200    200     200      200   200    200      200
GET /properties/{id}                    200  200    200     200      200   200    200      200
GET /dimensions                         200  200    200     200      200   200    200      200
GET /facts                              200  200    200     200      200   200    200      200
GET /export                             200  200    200     200      200   200    200      200
GET /sources                            200  200    200     200      200   200    200      200
GET /coverage                           200  200    200     200      200   200    200      200
POST /change-sets                       401  403    201     201      201   201    201      201
GET /change-sets                        401  200    200     200      200   200    200      200
GET /change-sets?queue                  401  200    200     200      200   200    200      200
GET /change-sets/{public}               401  200    200     200      200   200    200      404
POST /change-sets/{public}/approve      401  403    403     403      403   200    200      404
POST /change-sets/{public}/reject       401  403    403     403      403   200    200      404
GET /change-sets/{private}              401  200    200     200      200   404    404      404
POST /change-sets/{private}/approve     401  403    403     200      200   404    404      404
POST /change-sets/{private}/reject      401  403    403     200      200   404    404      404
GET /organizations                      401  200    200     200      200   200    200      200
POST /organizations                     401  403    403     403      403   403    201      403
GET /organizations/acme                 401  200    200     200      200   200    200      404
GET /organizations/acme/credits         401  200    200     200      200   403    200      404
GET /users                              401  403    403     403      200   403    200      200
POST /users                             401  403    403     403      201   403    201      403
GET /users/me                           401  200    200     200      200   200    200      200
GET /tokens                             401  200    200     200      200   200    200      200
POST /tokens                            401  201    201     201      201   201    201      201
DELETE /tokens/{contributor's}          401  404    204     404      204   404    204      404
GET /audit                              401  403    403     403      200   403    200      200
POST /session                           200  200    200     200      200   200    200      200
DELETE /session                         204  204    204     204      204   204    204      204
GET /models                             401  200    200     200      200   200    200      200
POST /models                            401  403    201     201      201   201    201      201
GET /models/{acme's}                    401  200    200     200      200   404    404      404
PUT /models/{acme's}                    401  403    200     200      200   404    404      404
DELETE /models/{acme's}                 401  403    204     204      204   404    404      404
GET /models/{acme's}/assessment         401  200    200     200      200   404    404      404
GET /portfolio                          401  200    200     200      200   200    200      200
POST /portfolio                         401  403    201     201      201   404    404      404
DELETE /portfolio/{acme's}              401  403    204     204      204   404    404      404
POST /assessments                       401  200    200     200      200   200    200      200
GET /matrix                             401  200    200     200      200   200    200      200
GET /watchlists                         401  200    200     200      200   200    200      200
POST /watchlists                        401  201    201     201      201   201    201      201
DELETE /watchlists/{acme's}             401  204    204     204      204   404    404      404
GET /alerts                             401  200    200     200      200   200    200      200
POST /alerts/{acme's}/read              401  204    204     204      204   404    404      404
GET /feeds/{acme's}.atom                200  200    200     200      200   200    200      200
GET /alerts/feed-tokens                 401  403    403     403      200   403    200      200
POST /alerts/feed-tokens                401  403    403     403      201   403    201      201
DELETE /alerts/feed-tokens/{acme's}     401  403    403     403      204   403    404      404
GET /channels                           401  403    403     403      200   403    200      200
POST /channels                          401  403    403     403      201   403    201      201
DELETE /channels/{acme's}               401  403    403     403      204   403    404      404
GET /dead-letters                       401  403    403     403      200   403    200      200
GET /deliveries                         401  403    403     403      200   403    200      200
GET /deliveries?channel={acme's}        401  403    403     403      200   403    200      404
POST /dead-letters/{acme's}/replay      401  403    403     403      200   403    200      404
"""

Call = tuple[str, str, Any]  # method, path, JSON body
_unique = itertools.count(1)


def _expected() -> dict[str, dict[str, int]]:
    lines = [line.split() for line in MATRIX.strip().splitlines()[1:]]
    return {
        f"{row[0]} {row[1]}": dict(zip(CALLERS, map(int, row[2:]), strict=True)) for row in lines
    }


def _public_change_set(world: World) -> int:
    value = next(_unique)
    return submit(
        world, "contributor", {"market": "TH", "property": "climate.temp_min_c", "value": value}
    )


def _private_change_set(world: World) -> int:
    value = next(_unique)
    return submit(
        world,
        "contributor",
        {"market": "TH", "property": "climate.temp_min_c", "value": value, "visibility": "private"},
    )


def _contributor_token(world: World) -> int:
    with world.atlas.write() as tx:
        _, row = service.issue_token(
            tx,
            world.atlas.cli_principal(),
            user_id=world.user_ids["contributor"],
            name="spare",
            scopes=["read"],
        )
    return row.id


def _calls(world: World) -> dict[str, Callable[[], Call]]:
    public_id = _public_change_set(world)
    private_id = _private_change_set(world)

    def fresh(kind: Callable[[World], int], action: str) -> Callable[[], Call]:
        def make() -> Call:
            body = {"comment": "checked", "grade": 1} if action == "approve" else {"comment": "no"}
            return ("POST", f"/change-sets/{kind(world)}/{action}", body)

        return make

    def new_change_set() -> Call:
        fact = {
            "market": "FR",
            "property": "climate.temp_min_c",
            "value": next(_unique),
            "sources": ["src"],
        }
        from factories import SOURCE

        return (
            "POST",
            "/change-sets",
            {"title": "more", "bundle": {"sources": [SOURCE], "facts": [fact]}},
        )

    def new_org() -> Call:
        return (
            "POST",
            "/organizations",
            {"slug": f"org-{next(_unique)}", "name": "New", "kind": "research_institution"},
        )

    def new_user() -> Call:
        return (
            "POST",
            "/users",
            {
                "email": f"u{next(_unique)}@acme.example",
                "name": "U",
                "organization": "acme",
                "role": "viewer",
            },
        )

    def acme_model() -> str:
        slug = f"m{next(_unique)}"
        with world.atlas.write() as tx:
            vehicle_service.create_model(tx, world.principal("contributor"), model_spec(slug))
        return slug

    def acme_entry() -> int:
        slug = acme_model()
        with world.atlas.write() as tx:
            entry = vehicle_service.add_to_portfolio(
                tx,
                world.principal("contributor"),
                model=slug,
                market="TH",
                status="planned",
                valid_from=None,
                valid_to=None,
            )
        return entry.id

    def acme_watchlist() -> int:
        with world.atlas.write() as tx:
            row = watchlists.create_watchlist(
                tx,
                world.principal("viewer"),
                vocabulary=world.atlas.vocabulary,
                name="TH duties",
                markets=["TH"],
            )
        return row.id

    def acme_channel() -> int:
        with world.atlas.write() as tx:
            row, _ = manage.add_channel(
                tx, world.principal("admin"), kind="email", target="alerts@acme.example"
            )
        return row.id

    def acme_feed_token() -> int:
        with world.atlas.write() as tx:
            return atom.issue_feed_token(tx, world.principal("admin"))[1]

    with world.atlas.write() as tx:
        feed_token, _ = atom.issue_feed_token(tx, world.principal("admin"))
    standing = acme_model()
    standing_channel = acme_channel()
    return {
        "GET /watchlists": lambda: ("GET", "/watchlists", None),
        "POST /watchlists": lambda: (
            "POST",
            "/watchlists",
            {"name": "EU duties", "markets": ["EU"], "dimensions": ["trade"]},
        ),
        "DELETE /watchlists/{acme's}": lambda: ("DELETE", f"/watchlists/{acme_watchlist()}", None),
        "GET /alerts": lambda: ("GET", "/alerts?unread=true", None),
        "POST /alerts/{acme's}/read": lambda: ("POST", f"/alerts/{acme_alert(world)}/read", None),
        "GET /feeds/{acme's}.atom": lambda: ("GET", f"/feeds/{feed_token}.atom", None),
        "GET /alerts/feed-tokens": lambda: ("GET", "/alerts/feed-tokens", None),
        "POST /alerts/feed-tokens": lambda: ("POST", "/alerts/feed-tokens", None),
        "DELETE /alerts/feed-tokens/{acme's}": lambda: (
            "DELETE",
            f"/alerts/feed-tokens/{acme_feed_token()}",
            None,
        ),
        "GET /channels": lambda: ("GET", "/channels", None),
        "POST /channels": lambda: (
            "POST",
            "/channels",
            {"kind": "webhook", "target": "https://hooks.example/autoatlas"},
        ),
        "DELETE /channels/{acme's}": lambda: ("DELETE", f"/channels/{acme_channel()}", None),
        "GET /dead-letters": lambda: ("GET", "/dead-letters", None),
        "GET /deliveries": lambda: ("GET", "/deliveries?state=dead&limit=10", None),
        "GET /deliveries?channel={acme's}": lambda: (
            "GET",
            f"/deliveries?channel={standing_channel}",
            None,
        ),
        "POST /dead-letters/{acme's}/replay": lambda: (
            "POST",
            f"/dead-letters/{acme_dead_letter(world)}/replay",
            None,
        ),
        "GET /models": lambda: ("GET", "/models", None),
        "POST /models": lambda: (
            "POST",
            "/models",
            model_spec(f"n{next(_unique)}").model_dump(mode="json"),
        ),
        "GET /models/{acme's}": lambda: ("GET", f"/models/{standing}", None),
        "PUT /models/{acme's}": lambda: (
            "PUT",
            f"/models/{standing}",
            model_spec(standing).model_dump(mode="json"),
        ),
        "DELETE /models/{acme's}": lambda: ("DELETE", f"/models/{acme_model()}", None),
        "GET /models/{acme's}/assessment": lambda: (
            "GET",
            f"/models/{standing}/assessment?market=TH&on=2026-07-01",
            None,
        ),
        "GET /portfolio": lambda: ("GET", "/portfolio", None),
        "POST /portfolio": lambda: (
            "POST",
            "/portfolio",
            {"model": acme_model(), "market": "TH", "status": "planned"},
        ),
        "DELETE /portfolio/{acme's}": lambda: ("DELETE", f"/portfolio/{acme_entry()}", None),
        "POST /assessments": lambda: (
            "POST",
            "/assessments",
            {
                "spec": model_spec("adhoc").model_dump(mode="json"),
                "market": "TH",
                "on": "2026-07-01",
            },
        ),
        "GET /matrix": lambda: ("GET", "/matrix?market=TH&on=2026-07-01", None),
        "GET /markets": lambda: ("GET", "/markets?kind=bloc", None),
        "GET /markets/DE": lambda: ("GET", "/markets/DE", None),
        "GET /markets/DE/profile": lambda: ("GET", "/markets/DE/profile", None),
        "GET /markets/DE/history": lambda: ("GET", f"/markets/DE/history/{MFN}", None),
        "GET /compare": lambda: ("GET", "/compare?markets=DE,FR&dimension=roads", None),
        "GET /properties": lambda: ("GET", "/properties?dimension=roads", None),
        "GET /properties/{id}": lambda: ("GET", f"/properties/{MFN}", None),
        "GET /dimensions": lambda: ("GET", "/dimensions", None),
        "GET /facts": lambda: ("GET", "/facts?limit=5", None),
        "GET /export": lambda: ("GET", "/export?format=json&market=EU", None),
        "GET /sources": lambda: ("GET", "/sources", None),
        "GET /coverage": lambda: ("GET", "/coverage?markets=DE,TH", None),
        "POST /change-sets": new_change_set,
        "GET /change-sets": lambda: ("GET", "/change-sets", None),
        "GET /change-sets?queue": lambda: ("GET", "/change-sets?queue=true", None),
        "GET /change-sets/{public}": lambda: ("GET", f"/change-sets/{public_id}", None),
        "POST /change-sets/{public}/approve": fresh(_public_change_set, "approve"),
        "POST /change-sets/{public}/reject": fresh(_public_change_set, "reject"),
        "GET /change-sets/{private}": lambda: ("GET", f"/change-sets/{private_id}", None),
        "POST /change-sets/{private}/approve": fresh(_private_change_set, "approve"),
        "POST /change-sets/{private}/reject": fresh(_private_change_set, "reject"),
        "GET /organizations": lambda: ("GET", "/organizations", None),
        "POST /organizations": new_org,
        "GET /organizations/acme": lambda: ("GET", "/organizations/acme", None),
        "GET /organizations/acme/credits": lambda: ("GET", "/organizations/acme/credits", None),
        "GET /users": lambda: ("GET", "/users", None),
        "POST /users": new_user,
        "GET /users/me": lambda: ("GET", "/users/me", None),
        "GET /tokens": lambda: ("GET", "/tokens", None),
        "POST /tokens": lambda: ("POST", "/tokens", {"name": "mine", "scopes": ["read"]}),
        "DELETE /tokens/{contributor's}": lambda: (
            "DELETE",
            f"/tokens/{_contributor_token(world)}",
            None,
        ),
        "GET /audit": lambda: ("GET", "/audit", None),
        "POST /session": lambda: (
            "POST",
            "/session",
            {"email": "viewer@acme.example", "password": PASSWORD},
        ),
        "DELETE /session": lambda: ("DELETE", "/session", None),
    }


@pytest.fixture
def matrix_world(atlas: Atlas, tmp_path: Path) -> World:
    """The seeded world, with a password for the viewer (sessions)."""
    return seed(atlas, tmp_path, passwords=("viewer",))


def test_every_route_for_every_caller(matrix_world: World) -> None:
    world = matrix_world
    expected = _expected()
    calls = _calls(world)
    assert set(calls) == set(expected), "the table and the routes differ"
    differences = []
    for client in client_for(world.atlas, rate_limit_per_minute=0):
        for route, make in calls.items():
            for caller in CALLERS:
                method, path, body = make()
                headers = {} if caller == "anon" else world.headers(caller)
                client.cookies.clear()
                answer = client.request(method, API + path, json=body, headers=headers)
                if answer.status_code != expected[route][caller]:
                    differences.append(
                        f"{route} as {caller}: {answer.status_code} (expected "
                        f"{expected[route][caller]}) {answer.text[:120]}"
                    )
                if answer.status_code >= 400:
                    assert answer.headers["content-type"] == "application/problem+json"
    assert not differences, "\n".join(differences)


def test_the_table_covers_every_documented_operation(world: World) -> None:
    matrix_world = world
    for client in client_for(matrix_world.atlas):
        paths = client.app.openapi()["paths"]  # type: ignore[attr-defined]
    documented = {(m.upper(), p.removeprefix(API)) for p, item in paths.items() for m in item}
    covered = {(m, p) for m, p, _ in (make() for make in _calls(matrix_world).values())}
    templates = {(method, _template(path, paths)) for method, path in covered}
    assert documented <= templates, documented - templates


def _template(path: str, paths: dict[str, Any]) -> str:
    path = path.split("?")[0]
    parts = path.strip("/").split("/")
    for candidate in paths:
        template = candidate.removeprefix(API).strip("/").split("/")
        if len(template) == len(parts) and all(
            t == p or t.startswith("{") for t, p in zip(template, parts, strict=True)
        ):
            return "/" + "/".join(template)
    return path


def test_a_read_only_token_of_an_admin_cannot_write(world: World) -> None:
    matrix_world = world
    world = matrix_world
    with world.atlas.write() as tx:
        plain, _ = service.issue_token(
            tx,
            world.atlas.cli_principal(),
            user_id=world.user_ids["op_admin"],
            name="read only",
            scopes=["read"],
        )
    headers = {"Authorization": f"Bearer {plain}"}
    for client in client_for(world.atlas):
        assert client.get(f"{API}/markets/DE/profile", headers=headers).status_code == 200
        for method, path, body in [
            ("POST", "/organizations", {"slug": "ro-org", "name": "RO", "kind": "enterprise"}),
            (
                "POST",
                "/users",
                {"email": "ro@acme.example", "organization": "acme", "role": "viewer"},
            ),
            ("GET", "/audit", None),
            ("GET", "/users", None),
        ]:
            answer = client.request(method, API + path, json=body, headers=headers)
            assert answer.status_code == 403, (path, answer.text)
            assert "scope" in answer.json()["detail"]
        assert (
            client.get(f"{API}/organizations/ro-org", headers=world.headers("op_admin")).status_code
            == 404
        )


def test_bad_or_revoked_tokens_get_401(world: World) -> None:
    matrix_world = world
    world = matrix_world
    for client in client_for(world.atlas):
        for header in ["Bearer aa_nope", "Bearer ", "Basic abc", "Bearer " + "x" * 500]:
            answer = client.get(f"{API}/markets", headers={"Authorization": header})
            assert answer.status_code == 401, header
            assert answer.headers["www-authenticate"].startswith("Bearer")
        token_id = _contributor_token(world)
        assert (
            client.delete(f"{API}/tokens/{token_id}", headers=world.headers("admin")).status_code
            == 204
        )
        assert (
            client.delete(f"{API}/tokens/{token_id}", headers=world.headers("admin")).status_code
            == 204
        )
        mine = client.get(f"{API}/users/me", headers=world.headers("contributor"))
        assert mine.status_code == 200


def test_anonymous_reading_can_be_switched_off(world: World) -> None:
    matrix_world = world
    for client in client_for(matrix_world.atlas, anonymous_read=False):
        assert client.get(f"{API}/markets/DE/profile").status_code == 401
        assert (
            client.get(
                f"{API}/markets/DE/profile", headers=matrix_world.headers("viewer")
            ).status_code
            == 200
        )


def test_session_cookie_writes_need_the_csrf_token(matrix_world: World) -> None:
    for client in client_for(matrix_world.atlas):
        signed_in = client.post(
            f"{API}/session", json={"email": "viewer@acme.example", "password": PASSWORD}
        )
        assert signed_in.status_code == 200
        cookie = signed_in.headers["set-cookie"]
        assert "autoatlas_session=" in cookie and "HttpOnly" in cookie
        assert "samesite=lax" in cookie.lower()
        csrf = signed_in.json()["csrf_token"]
        assert client.get(f"{API}/users/me").json()["email"] == "viewer@acme.example"
        body = {"name": "from the browser", "scopes": ["read"]}
        refused = client.post(f"{API}/tokens", json=body)
        assert refused.status_code == 403
        assert "X-CSRF-Token" in refused.json()["detail"]
        wrong = client.post(f"{API}/tokens", json=body, headers={"X-CSRF-Token": "nope"})
        assert wrong.status_code == 403
        made = client.post(f"{API}/tokens", json=body, headers={"X-CSRF-Token": csrf})
        assert made.status_code == 201
        assert client.delete(f"{API}/session").status_code == 403
        assert client.delete(f"{API}/session", headers={"X-CSRF-Token": csrf}).status_code == 204
        client.cookies.set("autoatlas_session", cookie.split("=", 1)[1].split(";", 1)[0])
        assert client.get(f"{API}/users/me").status_code == 401
        wrong_password = client.post(
            f"{API}/session", json={"email": "viewer@acme.example", "password": "wrong-password"}
        )
        assert wrong_password.status_code == 401
