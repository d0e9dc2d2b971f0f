"""The vehicle and assessment routes: models are
private to their organization, assessments come as JSON, HTML or PDF, the matrix ranks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from scenario_gbt_bev import FACTS, MODEL

from autoatlas.api import create_app
from autoatlas.atlas import Atlas
from autoatlas.auth import service
from autoatlas.auth.principal import ROLE_SCOPES, Role
from autoatlas.config import Settings

API = "/api/v1"


@pytest.fixture
def client(atlas: Atlas, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    root = atlas.cli_principal()
    headers = {}
    with atlas.write() as tx:
        for slug in ("acme", "borg"):
            service.create_organization(tx, root, slug=slug, name=slug, kind="enterprise")
        for org, role in (("acme", "contributor"), ("borg", "admin"), ("acme-view", "viewer")):
            slug = org.split("-")[0]
            user = service.create_user(
                tx, root, email=f"{role}@{slug}.example", name=role, organization=slug, role=role
            )
            token, _ = service.issue_token(
                tx, root, user_id=user, name="t", scopes=sorted(ROLE_SCOPES[Role(role)])
            )
            headers[org] = {"Authorization": f"Bearer {token}"}
    path = tmp_path / "facts.yaml"
    path.write_text(yaml.safe_dump(FACTS))
    atlas.import_files([path])
    app = create_app(Settings(database_url=atlas.settings.database_url), atlas=atlas)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client, headers


def test_models_are_private_and_assessed_in_every_format(
    client: tuple[TestClient, dict[str, dict[str, str]]],
) -> None:
    http, who = client
    created = http.post(f"{API}/models", json=MODEL, headers=who["acme"])
    assert created.status_code == 201, created.text
    bad = http.post(f"{API}/models", json={**MODEL, "seats": 0}, headers=who["acme"])
    assert bad.status_code == 422
    assert "seats" in bad.text
    assert http.post(f"{API}/models", json=MODEL, headers=who["acme-view"]).status_code == 403
    assert http.get(f"{API}/models", headers=who["acme-view"]).json()["items"][0]["slug"] == (
        "aa-gbt-sedan"
    )
    assert http.get(f"{API}/models", headers=who["borg"]).json() == {"items": []}
    assert http.get(f"{API}/models/aa-gbt-sedan", headers=who["borg"]).status_code == 404
    url = f"{API}/models/aa-gbt-sedan/assessment?market=TH&on=2026-07-01"
    data = http.get(url, headers=who["acme"]).json()
    assert data["landed_cost"]["total"] == "751140.00"
    steering = next(f for f in data["findings"] if f["rule"] == "roads.steering_side")
    described = steering["description"]  # what the rule checks, in both languages
    assert described["en"] and described["zh"] and described["zh"] != described["en"]
    html = http.get(url + "&format=html", headers=who["acme"])
    assert html.headers["content-type"].startswith("text/html")
    assert "registration of LHD cars is banned" in html.text
    pdf = http.get(url + "&format=pdf", headers=who["acme"])
    assert pdf.content.startswith(b"%PDF")
    variant = http.get(url + "&with=dc_connectors%2B%3DCCS2", headers=who["acme"]).json()
    # The DC blocker is gone: 2 blockers → 1 (with 1 major and 20 unknown),
    # 100 × 0.6² × 0.85 × 0.98²⁰ = 20.4 → 100 × 0.6 × 0.85 × 0.98²⁰ = 34.0.
    assert variant["variant"]["score"] == {"base": 20, "variant": 34}
    entry = http.post(
        f"{API}/portfolio", json={"model": "aa-gbt-sedan", "market": "TH"}, headers=who["acme"]
    )
    assert entry.status_code == 201, entry.text
    ranked = http.get(f"{API}/matrix?on=2026-07-01", headers=who["acme"]).json()["items"]
    assert [(r["model"], r["market"]) for r in ranked] == [("aa-gbt-sedan", "TH")]
    assert http.delete(f"{API}/models/aa-gbt-sedan", headers=who["borg"]).status_code == 404
    assert http.delete(f"{API}/models/aa-gbt-sedan", headers=who["acme"]).status_code == 204
