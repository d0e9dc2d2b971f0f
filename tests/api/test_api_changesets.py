"""Contributions over HTTP: submit, queue, review by someone else, publish atomically."""

from __future__ import annotations

from typing import Any

import pytest
from api_world import API, MFN, World, client_for
from fastapi.testclient import TestClient

from autoatlas.review import changesets as changeset_service
from autoatlas.review import publish
from autoatlas.store.changesets import list_events
from factories import bundle


def _submit(client: TestClient, world: World, who: str, *facts: dict[str, Any]) -> dict[str, Any]:
    answer = client.post(
        f"{API}/change-sets",
        json={"title": "Thai duty cut", "bundle": bundle(*facts)},
        headers=world.headers(who),
    )
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


DUTY_CUT = {"market": "TH", "property": MFN, "value": 40, "valid_from": "2024-01-01"}


def _duty(client: TestClient, as_of: str = "2025-01-01") -> list[object]:
    facts = client.get(f"{API}/markets/TH/profile", params={"as_of": as_of}).json()["facts"]
    return [f["value"] for f in facts if f["property"] == MFN]


def test_submit_queue_approve_publishes_with_events_and_credits(
    client: TestClient, world: World
) -> None:
    created = _submit(client, world, "op_reviewer", DUTY_CUT)
    assert created["state"] == "submitted"
    assert created["summary"]["added"] == 1
    assert _duty(client) == [80]  # nothing published yet
    queue = client.get(
        f"{API}/change-sets", params={"queue": "true"}, headers=world.headers("op_reviewer2")
    ).json()["items"]
    assert created["id"] in [c["id"] for c in queue]

    own = client.post(
        f"{API}/change-sets/{created['id']}/approve",
        json={"grade": 5},
        headers=world.headers("op_reviewer"),
    )
    assert own.status_code == 403
    assert "other than its author" in own.json()["detail"]

    approved = client.post(
        f"{API}/change-sets/{created['id']}/approve",
        json={"comment": "checked against the gazette", "grade": 5},
        headers=world.headers("op_reviewer2"),
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["state"] == "approved"
    assert approved.json()["review_comment"] == "checked against the gazette"
    assert _duty(client) == [40]
    assert _duty(client, "2023-06-01") == [80]

    with world.atlas.read() as connection:
        events = [e for e in list_events(connection) if e.change_set_id == created["id"]]
    assert [e.id for e in events] == sorted(e.id for e in events)
    kinds = [e.kind for e in events]
    assert kinds[0] == "superseded" and kinds[-1] == "added"
    assert {e.market for e in events} == {"TH"}

    credits = client.get(
        f"{API}/organizations/autoatlas/credits", headers=world.headers("op_admin")
    ).json()
    assert credits["balance"] == 5
    assert credits["entries"][-1]["change_set_id"] == created["id"]

    again = client.post(
        f"{API}/change-sets/{created['id']}/approve", json={}, headers=world.headers("op_admin")
    )
    assert again.status_code == 409


def test_contributor_change_set_earns_its_org_credits(client: TestClient, world: World) -> None:
    created = _submit(client, world, "contributor", DUTY_CUT)
    answer = client.post(
        f"{API}/change-sets/{created['id']}/approve",
        json={"grade": 3},
        headers=world.headers("op_reviewer"),
    )
    assert answer.status_code == 200
    credits = client.get(f"{API}/organizations/acme/credits", headers=world.headers("viewer"))
    assert credits.json()["balance"] == 3
    audit = client.get(f"{API}/audit", headers=world.headers("admin")).json()["items"]
    actions = [entry["action"] for entry in audit]
    assert actions.index("change_set.submit") < actions.index("change_set.approve")


def test_reject_with_a_comment(client: TestClient, world: World) -> None:
    created = _submit(client, world, "contributor", DUTY_CUT)
    empty = client.post(
        f"{API}/change-sets/{created['id']}/reject",
        json={"comment": ""},
        headers=world.headers("op_reviewer"),
    )
    assert empty.status_code == 422
    rejected = client.post(
        f"{API}/change-sets/{created['id']}/reject",
        json={"comment": "source is a draft, not the gazette"},
        headers=world.headers("op_reviewer"),
    )
    assert rejected.status_code == 200
    body = rejected.json()
    assert (body["state"], body["review_comment"]) == (
        "rejected",
        "source is a draft, not the gazette",
    )
    seen = client.get(f"{API}/change-sets/{created['id']}", headers=world.headers("contributor"))
    assert seen.json()["state"] == "rejected"
    assert _duty(client) == [80]
    late = client.post(
        f"{API}/change-sets/{created['id']}/approve", json={}, headers=world.headers("op_reviewer")
    )
    assert late.status_code == 409


def test_a_bad_bundle_is_refused_with_where(client: TestClient, world: World) -> None:
    answer = client.post(
        f"{API}/change-sets",
        json={
            "title": "typo",
            "bundle": bundle({"market": "TH", "property": "roads.drving_side", "value": "left"}),
        },
        headers=world.headers("contributor"),
    )
    assert answer.status_code == 422
    problem = answer.json()
    assert answer.headers["content-type"] == "application/problem+json"
    assert problem["errors"], problem
    assert any("drving" in (e["message"] + str(e["field"])) for e in problem["errors"])
    assert (
        client.get(f"{API}/change-sets", headers=world.headers("contributor")).json()["items"] == []
    )


def test_approval_failing_half_way_changes_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_publish = publish.publish_plan

    def publish_then_fail(*args: Any, **kwargs: Any) -> int:
        real_publish(*args, **kwargs)  # the facts and events are written...
        raise RuntimeError("disk full")  # ...and then the approval fails

    for client in client_for(world.atlas):
        created = _submit(client, world, "contributor", DUTY_CUT)
        etag = client.get(f"{API}/markets/TH/profile").headers["etag"]
        monkeypatch.setattr(changeset_service, "publish_plan", publish_then_fail)
        failed = client.post(
            f"{API}/change-sets/{created['id']}/approve",
            json={"grade": 9},
            headers=world.headers("op_reviewer"),
        )
        monkeypatch.undo()
        assert failed.status_code == 500
        assert failed.headers["content-type"] == "application/problem+json"
        assert "disk full" not in failed.text and "Traceback" not in failed.text
        assert _duty(client) == [80]
        assert client.get(f"{API}/markets/TH/profile").headers["etag"] == etag
        state = client.get(
            f"{API}/change-sets/{created['id']}", headers=world.headers("contributor")
        )
        assert state.json()["state"] == "submitted"
        with world.atlas.read() as connection:
            assert not [e for e in list_events(connection) if e.change_set_id == created["id"]]
        credits = client.get(f"{API}/organizations/acme/credits", headers=world.headers("admin"))
        assert credits.json()["balance"] == 0
        retry = client.post(
            f"{API}/change-sets/{created['id']}/approve",
            json={"grade": 1},
            headers=world.headers("op_reviewer"),
        )
        assert retry.status_code == 200
        assert _duty(client) == [40]
