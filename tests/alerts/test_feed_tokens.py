"""Atom feed tokens managed through the API, over real HTTP on loopback: an admin issues one
(shown once), lists them (prefix and dates, never the token or its hash) and revokes one,
which stops opening the feed at once; every write is audited; other callers are refused.
The same through `autoatlas alerts feed-token` / `feed-tokens`."""

from __future__ import annotations

import hashlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from xml.etree import ElementTree as ET

import httpx
import pytest
import typer
import uvicorn
from alerts_helpers import org_id, queue_alerts
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from autoatlas.alerts.channels import atom, manage
from autoatlas.api import API_PREFIX, create_app
from autoatlas.atlas import Atlas
from autoatlas.auth import service
from autoatlas.auth.principal import ROLE_SCOPES, Role
from autoatlas.cli.commands import alerts as alerts_cli
from autoatlas.errors import NotFoundError
from autoatlas.store.ledger import list_audit

ATOM = "{http://www.w3.org/2005/Atom}"
FEED = "/alerts/feed-tokens"


def bearer_tokens(atlas: Atlas) -> dict[str, str]:
    """Bearer tokens of byd's admin (and a read-only one of the same admin), byd's viewer
    and geely's admin."""
    cli = atlas.cli_principal()
    found = {}
    with atlas.write() as tx:
        for slug in ("byd", "geely"):
            service.create_organization(tx, cli, slug=slug, name=slug.upper(), kind="enterprise")
        for who, org, role in (
            ("admin", "byd", Role.ADMIN),
            ("viewer", "byd", Role.VIEWER),
            ("geely", "geely", Role.ADMIN),
        ):
            user_id = service.create_user(
                tx, cli, email=f"{who}@{org}.example", name=who, organization=org, role=role
            )
            found[who], _ = service.issue_token(
                tx, cli, user_id=user_id, name="t", scopes=sorted(ROLE_SCOPES[role])
            )
            if who == "admin":
                found["admin_read_only"], _ = service.issue_token(
                    tx, cli, user_id=user_id, name="ro", scopes=["read"]
                )
    return found


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@contextmanager
def serving(atlas: Atlas) -> Iterator[httpx.Client]:
    app = create_app(atlas.settings, atlas=atlas)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
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
        with httpx.Client(base_url=f"http://127.0.0.1:{port}{API_PREFIX}", timeout=10) as http:
            yield http
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_an_admin_issues_lists_and_revokes_a_feed_token_over_http(atlas: Atlas) -> None:
    tokens = bearer_tokens(atlas)
    with atlas.write() as tx:
        channel, _ = manage.add_channel(
            tx, atlas.cli_principal("byd"), kind="email", target="ops@byd.example"
        )
    queue_alerts(atlas, organization_id=org_id(atlas, "byd"), channel_id=channel.id, count=2)
    with serving(atlas) as http:
        issued = http.post(FEED, headers=auth(tokens["admin"]))
        assert issued.status_code == 201, issued.text
        made = issued.json()
        plain = made["token"]
        assert plain.startswith("aaf_") and made["prefix"] == plain[:8]
        assert made["revoked_at"] is None
        assert made["feed_url"].endswith(f"{API_PREFIX}/feeds/{plain}.atom")

        opened = httpx.get(made["feed_url"])  # a feed reader: no bearer token
        assert opened.status_code == 200, opened.text
        titles = [e.findtext(f"{ATOM}title") for e in ET.fromstring(opened.content)]
        assert "[major] alert 1" in titles and "[major] alert 0" in titles

        spare = http.post(FEED, headers=auth(tokens["admin"])).json()
        listed = http.get(FEED, headers=auth(tokens["admin"]))
        assert listed.status_code == 200
        assert listed.json() == [
            {key: made[key] for key in ("id", "prefix", "created_at", "revoked_at")},
            {key: spare[key] for key in ("id", "prefix", "created_at", "revoked_at")},
        ]
        secret_hash = hashlib.sha256(plain.encode()).hexdigest()
        assert plain not in listed.text and secret_hash not in listed.text

        assert http.delete(f"{FEED}/{made['id']}", headers=auth(tokens["admin"])).status_code == 204
        closed = httpx.get(made["feed_url"])  # the very next request
        assert closed.status_code == 404
        assert closed.headers["content-type"] == "application/problem+json"
        assert httpx.get(spare["feed_url"]).status_code == 200  # the other token still opens

        after = {t["id"]: t for t in http.get(FEED, headers=auth(tokens["admin"])).json()}
        assert after[made["id"]]["revoked_at"] is not None
        assert after[spare["id"]]["revoked_at"] is None
        again = http.delete(f"{FEED}/{made['id']}", headers=auth(tokens["admin"]))
        assert again.status_code == 404

    with atlas.read() as connection:
        audit = list_audit(connection, organization_id=org_id(atlas, "byd"), limit=1000)
    writes = [(e.action, e.target) for e in audit if e.action.startswith("feed_token.")]
    assert writes == [
        ("feed_token.issue", f"feed_token:{made['id']}"),
        ("feed_token.issue", f"feed_token:{spare['id']}"),
        ("feed_token.revoke", f"feed_token:{made['id']}"),
    ]
    issuers = {e.actor for e in audit if e.action.startswith("feed_token.")}
    assert issuers == {"user:admin@byd.example"}


def test_only_the_organizations_admins_see_or_revoke_its_tokens(atlas: Atlas) -> None:
    tokens = bearer_tokens(atlas)
    with serving(atlas) as http:
        made = http.post(FEED, headers=auth(tokens["admin"])).json()
        assert http.get(FEED, headers=auth(tokens["geely"])).json() == []
        foreign = http.delete(f"{FEED}/{made['id']}", headers=auth(tokens["geely"]))
        assert foreign.status_code == 404  # another organization's token does not exist for it
        assert http.get(FEED, headers=auth(tokens["viewer"])).status_code == 403
        read_only = http.post(FEED, headers=auth(tokens["admin_read_only"]))
        assert read_only.status_code == 403  # the admin role, but not the token's admin scope
        assert http.post(FEED, headers=auth(tokens["viewer"])).status_code == 403
        assert http.get(FEED).status_code == 401
        assert httpx.get(made["feed_url"]).status_code == 200  # nothing of that changed it
        unknown = http.delete(f"{FEED}/999999", headers=auth(tokens["admin"]))
        assert unknown.status_code == 404
        assert http.delete(f"{FEED}/0", headers=auth(tokens["admin"])).status_code == 422


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.lists(st.one_of(st.just("issue"), st.integers(0, 5)), min_size=1, max_size=8))
def test_a_token_opens_the_feed_exactly_while_it_is_not_revoked(
    atlas: Atlas, steps: list[str | int]
) -> None:
    """Any sequence of issues and revocations (an integer revokes the n-th token issued in
    this sequence, again or not): each token opens the feed iff it was not revoked, and the
    list says the same. The database carries over between examples, so only this example's
    tokens are checked."""
    admin = atlas.cli_principal("autoatlas")
    issued: list[tuple[str, int]] = []
    revoked: set[int] = set()
    for step in steps:
        if step == "issue":
            with atlas.write() as tx:
                issued.append(atom.issue_feed_token(tx, admin))
        elif isinstance(step, int) and step < len(issued):
            token_id = issued[step][1]
            if token_id in revoked:
                with pytest.raises(NotFoundError), atlas.write() as tx:
                    atom.revoke_feed_token(tx, admin, token_id)
            else:
                with atlas.write() as tx:
                    atom.revoke_feed_token(tx, admin, token_id)
                revoked.add(token_id)
    with atlas.read() as connection:
        listed = {row.id: row for row in atom.list_feed_tokens(connection, admin)}
        for plain, token_id in issued:
            assert (listed[token_id].revoked_at is not None) == (token_id in revoked)
            if token_id in revoked:
                with pytest.raises(NotFoundError):
                    atom.feed_for_token(connection, plain, feed_url="http://x/")
            else:
                assert "<feed" in atom.feed_for_token(connection, plain, feed_url="http://x/")


def test_the_cli_issues_lists_and_revokes_feed_tokens(
    atlas: Atlas, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTOATLAS_DATABASE_URL", database_url)
    app = typer.Typer()
    app.add_typer(alerts_cli.alerts_app, name="alerts")  # as cli/main.py registers it
    runner = CliRunner()

    def invoke(*args: str) -> str:
        result = runner.invoke(app, ["alerts", *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    printed = invoke("feed-token", "--org", "autoatlas")
    plain = printed.split()[-1]
    assert plain.startswith("aaf_")
    listed = json.loads(invoke("feed-tokens", "--org", "autoatlas", "--json"))
    assert [(t["prefix"], t["revoked_at"]) for t in listed] == [(plain[:8], None)]
    assert plain not in invoke("feed-tokens", "--org", "autoatlas")
    invoke("feed-token", "--org", "autoatlas", "--revoke", str(listed[0]["id"]))
    (revoked,) = json.loads(invoke("feed-tokens", "--org", "autoatlas", "--json"))
    assert revoked["revoked_at"] is not None
    with atlas.read() as connection, pytest.raises(NotFoundError):
        atom.feed_for_token(connection, plain, feed_url="http://x/")
