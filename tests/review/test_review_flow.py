"""Contribution review as a service: submit, approve, reject, events, credits, audit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from autoatlas.atlas import Atlas
from autoatlas.auth import service
from autoatlas.auth.principal import Principal
from autoatlas.errors import BundleError, NotFoundError, PermissionDeniedError, ValidationError
from autoatlas.review import changesets
from autoatlas.store.changesets import get_change_set, list_events
from autoatlas.store.ledger import credit_balance, list_audit
from factories import SOURCE

DUTY = "trade.import_duty.passenger_bev"


def people(atlas: Atlas) -> dict[str, Principal]:
    """An enterprise with a contributor and a reviewer, and the operator's reviewer."""
    cli = atlas.cli_principal()
    with atlas.write() as tx:
        service.create_organization(tx, cli, slug="byd", name="BYD", kind="enterprise")
        for email, org, role in (
            ("c@byd.example", "byd", "contributor"),
            ("r@byd.example", "byd", "reviewer"),
            ("r@op.example", "autoatlas", "reviewer"),
            ("r2@op.example", "autoatlas", "reviewer"),
        ):
            service.create_user(tx, cli, email=email, name=email, organization=org, role=role)
    found = {}
    with atlas.write() as tx:
        for email in ("c@byd.example", "r@byd.example", "r@op.example", "r2@op.example"):
            user_id = tx.connection.execute(
                sa.text("SELECT id FROM user_account WHERE email = :e"), {"e": email}
            ).scalar_one()
            scopes = ["read", "contribute"] + (["review"] if email.startswith("r") else [])
            plain, _ = service.issue_token(tx, cli, user_id=user_id, name="t", scopes=scopes)
            found[email] = plain
    now = datetime.now(UTC).replace(tzinfo=None)
    with atlas.read() as connection:
        return {
            email: service.authenticate_token(connection, plain, now)
            for email, plain in found.items()
        }


def contribution(value: float = 40, **extra: object) -> dict:
    fact = {
        "market": "TH",
        "property": DUTY,
        "value": value,
        "unit": "percent",
        "valid_from": "2026-01-01",
        "sources": ["src"],
        **extra,
    }
    return {"sources": [SOURCE], "facts": [fact]}


def submit(atlas: Atlas, who: Principal, bundle: dict | None = None) -> int:
    with atlas.write() as tx:
        row = changesets.submit(
            tx, who, bundle=bundle or contribution(), title="TH duty", vocabulary=atlas.vocabulary
        )
    assert row.state == "submitted" and row.summary["added"] == 1
    return row.id


def duties(atlas: Atlas, viewer: str | None = None) -> list[object]:
    return [
        f.value
        for f in atlas.profile("TH", as_of=date(2026, 6, 1), viewer=viewer)
        if f.property == DUTY
    ]


def test_approval_publishes_with_events_credits_and_audit(atlas: Atlas) -> None:
    who = people(atlas)
    change_set_id = submit(atlas, who["c@byd.example"])
    assert duties(atlas) == []
    with atlas.write() as tx:
        approved = changesets.approve(
            tx,
            who["r@op.example"],
            change_set_id,
            comment="ok",
            grade=5,
            vocabulary=atlas.vocabulary,
        )
    assert approved.state == "approved" and approved.grade == 5
    assert duties(atlas) == [40]
    with atlas.read() as connection:
        events = list_events(connection)
        org = who["c@byd.example"].organization_id
        assert org is not None
        assert credit_balance(connection, org) == 5
        actions = [entry.action for entry in list_audit(connection, organization_id=org)]
    assert [(e.kind, e.market, e.property, e.change_set_id) for e in events] == [
        ("added", "TH", DUTY, change_set_id)
    ]
    assert actions[-2:] == ["change_set.submit", "change_set.approve"]


def test_the_author_cannot_approve_and_others_may_not_see(atlas: Atlas) -> None:
    who = people(atlas)
    change_set_id = submit(atlas, who["r@op.example"])
    with atlas.write() as tx, pytest.raises(PermissionDeniedError, match="other than its author"):
        changesets.approve(
            tx,
            who["r@op.example"],
            change_set_id,
            comment=None,
            grade=0,
            vocabulary=atlas.vocabulary,
        )
    with atlas.read() as connection, pytest.raises(NotFoundError):
        changesets.visible_change_set(connection, who["c@byd.example"], change_set_id)
    with atlas.write() as tx:
        changesets.approve(
            tx,
            who["r2@op.example"],
            change_set_id,
            comment=None,
            grade=0,
            vocabulary=atlas.vocabulary,
        )
    assert duties(atlas) == [40]


def test_public_facts_need_an_operator_reviewer(atlas: Atlas) -> None:
    who = people(atlas)
    change_set_id = submit(atlas, who["c@byd.example"])
    with atlas.write() as tx, pytest.raises(PermissionDeniedError, match="operator"):
        changesets.approve(
            tx,
            who["r@byd.example"],
            change_set_id,
            comment=None,
            grade=0,
            vocabulary=atlas.vocabulary,
        )


def test_private_facts_are_reviewed_inside_their_organization(atlas: Atlas) -> None:
    who = people(atlas)
    change_set_id = submit(atlas, who["c@byd.example"], contribution(55, visibility="private"))
    with atlas.write() as tx, pytest.raises(NotFoundError):
        changesets.approve(
            tx,
            who["r@op.example"],
            change_set_id,
            comment=None,
            grade=0,
            vocabulary=atlas.vocabulary,
        )
    with atlas.write() as tx:
        changesets.approve(
            tx,
            who["r@byd.example"],
            change_set_id,
            comment=None,
            grade=0,
            vocabulary=atlas.vocabulary,
        )
    assert duties(atlas) == []
    assert duties(atlas, viewer="byd") == [55]


def test_rejection_needs_a_reason_and_publishes_nothing(atlas: Atlas) -> None:
    who = people(atlas)
    change_set_id = submit(atlas, who["c@byd.example"])
    with atlas.write() as tx, pytest.raises(ValidationError, match="say why"):
        changesets.reject(tx, who["r@op.example"], change_set_id, comment="  ")
    with atlas.write() as tx:
        rejected = changesets.reject(tx, who["r@op.example"], change_set_id, comment="no source")
    assert rejected.state == "rejected" and rejected.review_comment == "no source"
    assert duties(atlas) == []
    with atlas.read() as connection:
        assert list_events(connection) == []


def test_an_invalid_contribution_is_refused_whole(atlas: Atlas) -> None:
    who = people(atlas)
    bad = contribution()
    bad["facts"].append({"market": "XX", "property": DUTY, "value": 1, "sources": ["src"]})
    with atlas.write() as tx, pytest.raises(BundleError) as caught:
        changesets.submit(
            tx, who["c@byd.example"], bundle=bad, title="bad", vocabulary=atlas.vocabulary
        )
    assert caught.value.issues[0].field == "facts[1].market"
    with atlas.read() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM change_set")).scalar() == 0


def test_viewers_cannot_contribute(atlas: Atlas) -> None:
    with atlas.write() as tx:
        service.create_user(
            tx,
            atlas.cli_principal(),
            email="v@op.example",
            name="v",
            organization="autoatlas",
            role="viewer",
        )
    viewer = Principal(user_id=99, organization_id=1, role=None, label="user:v")
    with atlas.write() as tx, pytest.raises(PermissionDeniedError):
        changesets.submit(tx, viewer, bundle=contribution(), title="t", vocabulary=atlas.vocabulary)


KILLED_APPROVAL = textwrap.dedent(
    """
    import sys, time
    from datetime import UTC, datetime
    from pathlib import Path
    from autoatlas.atlas import Atlas
    from autoatlas.config import Settings
    from autoatlas.review import changesets, publish
    from autoatlas.auth import service
    import sqlalchemy as sa

    url, change_set_id, marker = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    atlas = Atlas(Settings(database_url=url))
    real = publish.insert_events

    def stall(tx, events):
        real(tx, events)          # the facts and events are written, not yet committed
        marker.write_text("written")
        time.sleep(60)            # the test kills us here

    publish.insert_events = stall
    with atlas.read() as connection:
        user_id = connection.execute(
            sa.text("SELECT id FROM user_account WHERE email = 'r@op.example'")).scalar_one()
    with atlas.write() as tx:
        plain, _ = service.issue_token(tx, atlas.cli_principal(), user_id=user_id, name="k",
                                       scopes=["read", "review"])
    now = datetime.now(UTC).replace(tzinfo=None)
    with atlas.read() as connection:
        reviewer = service.authenticate_token(connection, plain, now)
    with atlas.write() as tx:
        changesets.approve(tx, reviewer, change_set_id, comment=None, grade=1,
                           vocabulary=atlas.vocabulary)
    """
)


def test_an_approval_killed_half_way_leaves_the_data_as_it_was(
    atlas: Atlas, database_url: str, tmp_path: Path
) -> None:
    who = people(atlas)
    change_set_id = submit(atlas, who["c@byd.example"])
    atlas.engine.dispose()
    marker = tmp_path / "marker"
    script = tmp_path / "approve.py"
    script.write_text(KILLED_APPROVAL)
    child = subprocess.Popen(
        [sys.executable, str(script), database_url, str(change_set_id), str(marker)]
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert child.poll() is None, "the approval ended before it was killed"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    assert duties(atlas) == []
    with atlas.read() as connection:
        row = get_change_set(connection, change_set_id)
        assert row is not None and row.state == "submitted"
        assert list_events(connection) == []
        org = who["c@byd.example"].organization_id
        assert org is not None and credit_balance(connection, org) == 0
