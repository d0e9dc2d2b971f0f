"""The alert routes: watchlists, the inbox, the Atom feed by token, channels, dead letters."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from api_world import API, MFN, World, acme_alert, acme_dead_letter, submit
from fastapi.testclient import TestClient

from autoatlas.alerts.channels import atom
from autoatlas.alerts.worker import Worker, WorkerConfig

ATOM = "{http://www.w3.org/2005/Atom}"


def run_worker(world: World) -> None:
    config = WorkerConfig(timeout=2.0, poll=0.05)
    Worker(world.atlas.engine, vocabulary=world.atlas.vocabulary, config=config).run_once()


def feed_token(world: World) -> tuple[str, int]:
    with world.atlas.write() as tx:
        return atom.issue_feed_token(tx, world.principal("admin"))


def test_a_watchlist_added_through_the_api_gets_an_alert_and_it_can_be_read(
    world: World, client: TestClient
) -> None:
    run_worker(world)  # the events of the seed's import pass before the watchlist exists
    made = client.post(
        f"{API}/watchlists",
        json={"name": "Thai duties", "markets": ["th"], "dimensions": ["trade"]},
        headers=world.headers("viewer"),
    )
    assert made.status_code == 201, made.text
    assert made.json()["markets"] == ["TH"]
    listed = client.get(f"{API}/watchlists", headers=world.headers("contributor")).json()
    assert [w["id"] for w in listed] == [made.json()["id"]]

    change_set = submit(
        world, "contributor", {"market": "TH", "property": MFN, "value": 40}, title="TH cuts"
    )
    approved = client.post(
        f"{API}/change-sets/{change_set}/approve",
        json={"comment": "checked", "grade": 1},
        headers=world.headers("op_reviewer"),
    )
    assert approved.status_code == 200, approved.text
    run_worker(world)

    inbox = client.get(f"{API}/alerts?unread=true", headers=world.headers("viewer"))
    assert inbox.status_code == 200, inbox.text
    items = inbox.json()["items"]
    assert len(items) == 1
    alert = items[0]
    assert alert["market"] == "TH" and alert["change_set_id"] == change_set
    assert alert["read"] is False
    assert client.get(f"{API}/alerts", headers=world.headers("b_admin")).json()["items"] == []

    read = client.post(f"{API}/alerts/{alert['id']}/read", headers=world.headers("viewer"))
    assert read.status_code == 204
    assert client.get(f"{API}/alerts?unread=true", headers=world.headers("viewer")).json() == {
        "items": [],
        "next_cursor": None,
    }
    everything = client.get(f"{API}/alerts", headers=world.headers("viewer")).json()["items"]
    assert [a["read"] for a in everything] == [True]
    other = client.post(f"{API}/alerts/{alert['id']}/read", headers=world.headers("b_admin"))
    assert other.status_code == 404
    assert other.headers["content-type"] == "application/problem+json"


def test_the_inbox_pages_newest_first(world: World, client: TestClient) -> None:
    ids = [acme_alert(world, title=f"alert {n}") for n in range(5)]
    seen: list[int] = []
    cursor = None
    while True:
        query = f"?limit=2&cursor={cursor}" if cursor else "?limit=2"
        page = client.get(f"{API}/alerts{query}", headers=world.headers("viewer")).json()
        seen += [a["id"] for a in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(ids, reverse=True)


def test_the_atom_feed_opens_by_its_token_until_revoked(world: World, client: TestClient) -> None:
    acme_alert(world, title="Duty up in TH")
    plain, token_id = feed_token(world)
    answer = client.get(f"{API}/feeds/{plain}.atom")  # no bearer token
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(answer.content)
    assert feed.tag == f"{ATOM}feed"
    titles = [e.findtext(f"{ATOM}title") for e in feed.findall(f"{ATOM}entry")]
    assert titles == ["[major] Duty up in TH"]

    unknown = client.get(f"{API}/feeds/aaf_not-a-token.atom")
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"

    with world.atlas.write() as tx:
        atom.revoke_feed_token(tx, world.principal("admin"), token_id)
    revoked = client.get(f"{API}/feeds/{plain}.atom")
    assert revoked.status_code == 404
    assert revoked.headers["content-type"] == "application/problem+json"
    assert revoked.json()["detail"] == unknown.json()["detail"]  # no oracle


def test_another_organization_cannot_see_or_delete_a_watchlist(
    world: World, client: TestClient
) -> None:
    made = client.post(
        f"{API}/watchlists", json={"name": "EU", "markets": ["EU"]}, headers=world.headers("admin")
    ).json()
    assert client.get(f"{API}/watchlists", headers=world.headers("b_admin")).json() == []
    refused = client.delete(f"{API}/watchlists/{made['id']}", headers=world.headers("b_admin"))
    assert refused.status_code == 404
    assert refused.headers["content-type"] == "application/problem+json"
    still = client.get(f"{API}/watchlists", headers=world.headers("viewer")).json()
    assert [w["id"] for w in still] == [made["id"]]
    gone = client.delete(f"{API}/watchlists/{made['id']}", headers=world.headers("viewer"))
    assert gone.status_code == 204
    assert client.get(f"{API}/watchlists", headers=world.headers("viewer")).json() == []


def test_bad_watchlists_are_refused_with_the_field(world: World, client: TestClient) -> None:
    for body in [
        {"name": "x", "markets": ["ZZ"]},
        {"name": "x", "dimensions": ["nope"]},
        {"name": "x", "qualifiers": {"colour": "red"}},
        {"name": "x", "min_severity": "huge"},
        {"name": ""},
    ]:
        answer = client.post(f"{API}/watchlists", json=body, headers=world.headers("viewer"))
        assert answer.status_code == 422, (body, answer.text)


def test_channels_show_the_webhook_secret_once(world: World, client: TestClient) -> None:
    made = client.post(
        f"{API}/channels",
        json={"kind": "webhook", "target": "https://hooks.example/aa"},
        headers=world.headers("admin"),
    )
    assert made.status_code == 201, made.text
    assert len(made.json()["secret"]) == 64
    mail = client.post(
        f"{API}/channels",
        json={"kind": "email", "target": "ops@acme.example", "cadence": "daily"},
        headers=world.headers("admin"),
    )
    assert mail.status_code == 201 and mail.json()["secret"] is None
    listed = client.get(f"{API}/channels", headers=world.headers("admin")).json()
    assert [c["kind"] for c in listed] == ["webhook", "email"]
    assert all("secret" not in c for c in listed)
    bad = client.post(
        f"{API}/channels",
        json={"kind": "webhook", "target": "ftp://x", "cadence": "immediate"},
        headers=world.headers("admin"),
    )
    assert bad.status_code == 422
    gone = client.delete(f"{API}/channels/{made.json()['id']}", headers=world.headers("admin"))
    assert gone.status_code == 204
    again = client.delete(f"{API}/channels/{made.json()['id']}", headers=world.headers("admin"))
    assert again.status_code == 404


def test_dead_letters_are_listed_and_replayed_once(world: World, client: TestClient) -> None:
    dead = acme_dead_letter(world)
    listed = client.get(f"{API}/dead-letters", headers=world.headers("admin")).json()
    assert [d["id"] for d in listed] == [dead]
    assert client.get(f"{API}/dead-letters", headers=world.headers("b_admin")).json() == []
    replayed = client.post(f"{API}/dead-letters/{dead}/replay", headers=world.headers("admin"))
    assert replayed.status_code == 200 and replayed.json() == {"replayed": 1}
    assert client.get(f"{API}/dead-letters", headers=world.headers("admin")).json() == []
    again = client.post(f"{API}/dead-letters/{dead}/replay", headers=world.headers("admin"))
    assert again.status_code == 404
