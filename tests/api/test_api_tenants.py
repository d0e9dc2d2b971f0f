"""Tenant isolation: org A's private facts, change sets and audit entries never show in org
B's answers, exports, ETags or error messages."""

from __future__ import annotations

from api_world import API, World, approve, submit
from fastapi.testclient import TestClient

from factories import SOURCE

SECRET = "ACME-SECRET"
PRIVATE_SOURCE = {
    **SOURCE,
    "id": "own",
    "title": f"{SECRET} internal study",
    "url": "https://acme.example/study",
}


def _private_fact(world: World) -> int:
    """Org A publishes a private fact citing a private-only source, and leaves one pending."""
    with world.atlas.write() as tx:
        from api_world import _principal

        from autoatlas.review import changesets

        principal = _principal(world, tx.connection, "contributor")
        row = changesets.submit(
            tx,
            principal,
            bundle={
                "sources": [PRIVATE_SOURCE],
                "facts": [
                    {
                        "market": "TH",
                        "property": "roads.speed_unit",
                        "value": "mph",
                        "visibility": "private",
                        "sources": ["own"],
                        "note": f"{SECRET} note",
                    }
                ],
            },
            title=f"{SECRET} published",
            vocabulary=world.atlas.vocabulary,
        )
    approve(world, "reviewer", row.id)
    return submit(
        world,
        "contributor",
        {
            "market": "TH",
            "property": "climate.temp_min_c",
            "value": 3,
            "visibility": "private",
            "note": f"{SECRET} pending",
        },
        title=f"{SECRET} pending",
    )


B_READS = [
    "/markets/TH/profile",
    "/markets/TH/history/roads.speed_unit",
    "/compare?markets=TH,DE&dimension=roads",
    "/facts?limit=1000",
    "/facts?market=TH&q.origin=CN",
    "/sources?limit=1000",
    "/coverage?markets=TH",
    "/export?format=yaml",
    "/export?format=json",
    "/export?format=csv",
    "/change-sets",
    "/change-sets?queue=true",
    "/audit?limit=1000",
    "/organizations",
    "/users",
    "/tokens",
]


def test_private_data_never_reaches_another_tenant(client: TestClient, world: World) -> None:
    callers = ["b_admin", "b_contributor", None, "op_reviewer"]
    before = {
        (who, path): client.get(API + path, headers=world.headers(who))
        for who in callers
        for path in B_READS[:5]
    }
    _private_fact(world)
    for who in callers:
        for path in B_READS:
            answer = client.get(API + path, headers=world.headers(who))
            assert SECRET not in answer.text, (who, path)
            assert "acme.example/study" not in answer.text, (who, path)
            earlier = before.get((who, path))
            if earlier is not None and answer.status_code == 200:
                assert answer.headers["etag"] == earlier.headers["etag"], (who, path)
    # A itself sees its own
    own = client.get(f"{API}/markets/TH/profile", headers=world.headers("viewer")).text
    assert SECRET in own


def test_another_tenants_change_set_answers_like_a_missing_one(
    client: TestClient, world: World
) -> None:
    pending = _private_fact(world)
    missing = 2_000_000
    for action, body in [("", None), ("/approve", {"comment": "x"}), ("/reject", {"comment": "x"})]:
        method = "GET" if not action else "POST"
        theirs = client.request(
            method,
            f"{API}/change-sets/{pending}{action}",
            json=body,
            headers=world.headers("b_admin"),
        )
        nothing = client.request(
            method,
            f"{API}/change-sets/{missing}{action}",
            json=body,
            headers=world.headers("b_admin"),
        )
        assert theirs.status_code == nothing.status_code == 404
        assert theirs.json()["detail"] == f"no change set {pending}"
        assert nothing.json()["detail"] == f"no change set {missing}"
        assert SECRET not in theirs.text
    credits = client.get(f"{API}/organizations/acme/credits", headers=world.headers("b_admin"))
    no_org = client.get(f"{API}/organizations/nobody/credits", headers=world.headers("b_admin"))
    assert credits.status_code == no_org.status_code == 404
    assert credits.json()["title"] == no_org.json()["title"]
    assert (
        client.get(f"{API}/organizations/acme", headers=world.headers("b_admin")).status_code == 404
    )
    audit = client.get(f"{API}/audit?limit=1000", headers=world.headers("b_admin")).json()
    assert audit["items"]
    assert {entry["organization_id"] for entry in audit["items"]} == {world.org_ids["borg"]}
    a_audit = client.get(f"{API}/audit?limit=1000", headers=world.headers("admin")).text
    assert SECRET in a_audit


def test_private_facts_and_change_sets_are_visible_to_their_own_org(
    client: TestClient, world: World
) -> None:
    pending = _private_fact(world)
    mine = client.get(f"{API}/change-sets", headers=world.headers("viewer")).json()["items"]
    assert pending in [c["id"] for c in mine]
    facts = client.get(
        f"{API}/facts", params={"market": "TH"}, headers=world.headers("admin")
    ).json()["items"]
    assert "private" in {f["visibility"] for f in facts}
    sources = client.get(f"{API}/sources", headers=world.headers("admin")).json()["items"]
    assert f"{SECRET} internal study" in {s["title"] for s in sources}
