"""A seeded world for API tests: organizations, users of every role, tokens and facts.

Org A (`acme`) and org B (`borg`) are enterprises; `autoatlas` is the platform operator.
Every user gets a bearer token with all the scopes of its role.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from fastapi.testclient import TestClient

from autoatlas.api import create_app
from autoatlas.atlas import Atlas
from autoatlas.auth import service
from autoatlas.auth.principal import ROLE_SCOPES, Principal, Role
from autoatlas.config import Settings
from autoatlas.review import changesets
from autoatlas.store import accounts
from factories import bundle

API = "/api/v1"
MFN = "trade.import_duty.passenger_bev"
CVD = "trade.additional_duty.passenger_bev"
PASSWORD = "correct horse battery"
_causes = itertools.count(1)

USERS = {
    # name: (organization, role)
    "viewer": ("acme", "viewer"),
    "contributor": ("acme", "contributor"),
    "reviewer": ("acme", "reviewer"),
    "admin": ("acme", "admin"),
    "op_reviewer": ("autoatlas", "reviewer"),
    "op_reviewer2": ("autoatlas", "reviewer"),
    "op_admin": ("autoatlas", "admin"),
    "b_admin": ("borg", "admin"),
    "b_contributor": ("borg", "contributor"),
}

PUBLIC_FACTS = [
    {"market": "EU", "property": MFN, "value": 10, "valid_from": "1990-01-01"},
    {
        "market": "EU",
        "property": CVD,
        "value": 17.0,
        "valid_from": "2024-10-30",
        "qualifiers": {"origin": "CN", "maker": "BYD"},
    },
    {"market": "DE", "property": "roads.driving_side", "value": "right"},
    {"market": "FR", "property": "roads.driving_side", "value": "right"},
    {"market": "GB", "property": "roads.driving_side", "value": "left"},
    {"market": "TH", "property": "roads.driving_side", "value": "left"},
    {"market": "TH", "property": MFN, "value": 80, "valid_from": "2010-01-01"},
]


@dataclass
class World:
    atlas: Atlas
    tokens: dict[str, str] = field(default_factory=dict)
    user_ids: dict[str, int] = field(default_factory=dict)
    org_ids: dict[str, int] = field(default_factory=dict)

    def headers(self, who: str | None) -> dict[str, str]:
        return {} if who is None else {"Authorization": f"Bearer {self.tokens[who]}"}

    def principal(self, who: str) -> Principal:
        """The principal a token of `who` authenticates as (for set-up through services)."""
        with self.atlas.read() as connection:
            return service.authenticate_token(
                connection, self.tokens[who], datetime.now(UTC).replace(tzinfo=None)
            )


def seed(atlas: Atlas, tmp_path: Path, *, passwords: tuple[str, ...] = ()) -> World:
    """Organizations, users with tokens, and the public facts; returns the world."""
    world = World(atlas)
    root = atlas.cli_principal()
    with atlas.write() as tx:
        for slug in ("acme", "borg"):
            world.org_ids[slug] = service.create_organization(
                tx, root, slug=slug, name=slug.title() + " Motors", kind="enterprise"
            )
        operator = accounts.get_organization(tx.connection, slug="autoatlas")
        assert operator is not None
        world.org_ids["autoatlas"] = operator.id
        for name, (org, role) in USERS.items():
            user_id = service.create_user(
                tx,
                root,
                email=f"{name}@{org}.example",
                name=name,
                organization=org,
                role=role,
                password=PASSWORD if name in passwords else None,
            )
            world.user_ids[name] = user_id
            plain, _ = service.issue_token(
                tx,
                root,
                user_id=user_id,
                name=f"{name} token",
                scopes=sorted(ROLE_SCOPES[Role(role)]),
            )
            world.tokens[name] = plain
    path = tmp_path / "public.yaml"
    path.write_text(yaml.safe_dump(bundle(*PUBLIC_FACTS), sort_keys=False))
    atlas.import_files([path])
    return world


def submit(world: World, who: str, *facts: dict[str, Any], title: str = "a contribution") -> int:
    """A change set submitted through the service (fast set-up for tests of other routes)."""
    with world.atlas.write() as tx:
        principal = _principal(world, tx.connection, who)
        row = changesets.submit(
            tx, principal, bundle=bundle(*facts), title=title, vocabulary=world.atlas.vocabulary
        )
    return row.id


def approve(world: World, who: str, change_set_id: int, grade: int = 0) -> None:
    with world.atlas.write() as tx:
        principal = _principal(world, tx.connection, who)
        changesets.approve(
            tx,
            principal,
            change_set_id,
            comment="ok",
            grade=grade,
            vocabulary=world.atlas.vocabulary,
        )


def _principal(world: World, connection: Any, who: str) -> Any:
    from datetime import UTC, datetime

    now = datetime.now(UTC).replace(tzinfo=None)
    return service.authenticate_token(connection, world.tokens[who], now)


def client_for(atlas: Atlas, **settings: Any) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=atlas.settings.database_url, **settings), atlas=atlas)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def acme_alert(world: World, title: str = "A change on TH") -> int:
    """An alert in acme's inbox, written straight to the store (set-up for route tests)."""
    from autoatlas.store import alerts as alert_store

    cause = f"test:{next(_causes)}"
    with world.atlas.write() as tx:
        alert_id = alert_store.insert_alert(
            tx,
            organization_id=world.org_ids["acme"],
            cause=cause,
            kind="change",
            severity="major",
            rank=1,
            market="TH",
            property=MFN,
            title=title,
            detail={"changes": ["80 -> 90"]},
            change_set_id=None,
        )
    assert alert_id is not None
    return alert_id


def acme_dead_letter(world: World) -> int:
    """A delivery of acme's that failed for its whole window (state dead)."""
    import sqlalchemy as sa

    from autoatlas.alerts.channels import manage
    from autoatlas.store import alerts as alert_store
    from autoatlas.store.schema import delivery

    alert_id = acme_alert(world)
    key = f"dead-{alert_id}"
    now = datetime.now(UTC).replace(tzinfo=None)
    with world.atlas.write() as tx:
        channel, _ = manage.add_channel(
            tx,
            _principal(world, tx.connection, "admin"),
            kind="webhook",
            target="http://127.0.0.1:9/hook",
        )
        alert_store.enqueue_delivery(
            tx,
            channel_id=channel.id,
            alert_id=alert_id,
            idempotency_key=key,
            payload={"alert": {"id": alert_id}},
            now=now,
        )
        found = tx.connection.execute(
            sa.update(delivery)
            .where(delivery.c.idempotency_key == key)
            .values(state="dead", attempts=14)
            .returning(delivery.c.id)
        ).scalar()
    assert found is not None
    return int(found)
