"""A web app over a seeded database: users with passwords in three organizations, a few facts
(a duty rising in steps, a note holding a script tag), and helpers to sign in and post forms."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.testclient import TestClient

from autoatlas.api import create_app
from autoatlas.atlas import Atlas
from autoatlas.auth import service
from autoatlas.config import Settings
from autoatlas.web import STATIC_DIR
from autoatlas.web.routes import router
from factories import bundle

PASSWORD = "correct horse battery"
SCRIPT_NOTE = "<script>alert('x')</script> tariff & more"
USERS = {
    "contributor": ("acme", "contributor"),
    "reviewer": ("autoatlas", "reviewer"),
    "admin": ("acme", "admin"),
}
FACTS = [
    {
        "market": "BR",
        "property": "trade.import_duty.passenger_bev",
        "value": 10,
        "valid_from": "2024-01-01",
        "valid_to": "2024-07-01",
    },
    {
        "market": "BR",
        "property": "trade.import_duty.passenger_bev",
        "value": 18,
        "valid_from": "2024-07-01",
        "valid_to": "2025-07-01",
    },
    {
        "market": "BR",
        "property": "trade.import_duty.passenger_bev",
        "value": 35,
        "valid_from": "2025-07-01",
    },
    {
        "market": "EU",
        "property": "trade.additional_duty.passenger_bev",
        "value": 17.0,
        "valid_from": "2024-10-30",
        "qualifiers": {"origin": "CN", "maker": "BYD"},
    },
    {"market": "DE", "property": "roads.driving_side", "value": "right"},
    {"market": "FR", "property": "roads.driving_side", "value": "right"},
    {"market": "TH", "property": "roads.driving_side", "value": "left", "note": SCRIPT_NOTE},
    {"market": "DE", "property": "charging.dc_connector", "value": ["CCS2"]},
    {"market": "TH", "property": "charging.dc_connector", "value": ["CCS2", "CHAdeMO"]},
]


@dataclass
class WebWorld:
    atlas: Atlas
    app: FastAPI
    user_ids: dict[str, int] = field(default_factory=dict)


def web_app(atlas: Atlas) -> FastAPI:
    """The app as `autoatlas serve` builds it: the API plus the web router and static files."""
    app = create_app(
        Settings(database_url=atlas.settings.database_url, rate_limit_per_minute=0), atlas=atlas
    )
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app


def add_users(atlas: Atlas) -> dict[str, int]:
    root = atlas.cli_principal()
    ids = {}
    with atlas.write() as tx:
        service.create_organization(tx, root, slug="acme", name="Acme Motors", kind="enterprise")
        for name, (org, role) in USERS.items():
            ids[name] = service.create_user(
                tx,
                root,
                email=f"{name}@{org}.example",
                name=name,
                organization=org,
                role=role,
                password=PASSWORD,
            )
    return ids


def seed(atlas: Atlas, tmp_path: Path, facts: list[dict[str, Any]] | None = None) -> WebWorld:
    ids = add_users(atlas)
    path = tmp_path / "web.yaml"
    path.write_text(yaml.safe_dump(bundle(*(facts or FACTS)), sort_keys=False))
    atlas.import_files([path])
    return WebWorld(atlas, web_app(atlas), ids)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(client: TestClient, who: str) -> None:
    org = USERS[who][0]
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login",
        data={"csrf_token": token, "email": f"{who}@{org}.example", "password": PASSWORD},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
