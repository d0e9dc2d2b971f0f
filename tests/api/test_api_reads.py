"""Reads over HTTP: profiles with inheritance, both times, history, compare, pagination,
export formats and ETags."""

from __future__ import annotations

import csv
import io
import json
import time
from datetime import UTC, datetime
from pathlib import Path

import yaml
from api_world import API, CVD, MFN, World, approve, submit
from fastapi.testclient import TestClient

from factories import bundle

COUNTRIES = ["AT", "BE", "BG", "CY", "CZ", "DK", "EE", "ES", "FI", "GR", "HR", "HU", "IE"]


def by_property(facts: list[dict]) -> dict[str, list[dict]]:  # type: ignore[type-arg]
    found: dict[str, list[dict]] = {}  # type: ignore[type-arg]
    for fact in facts:
        found.setdefault(fact["property"], []).append(fact)
    return found


def import_facts(world: World, tmp_path: Path, *facts: dict, name: str = "more.yaml") -> None:  # type: ignore[type-arg]
    path = tmp_path / name
    path.write_text(yaml.safe_dump(bundle(*facts), sort_keys=False))
    world.atlas.import_files([path])


def test_profile_marks_inherited_facts(client: TestClient) -> None:
    answer = client.get(f"{API}/markets/de/profile", params={"as_of": "2025-01-01"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["market"]["code"] == "DE"
    facts = by_property(body["facts"])
    assert [(f["value"], f["inherited_from"]) for f in facts[MFN]] == [(10, "EU")]
    assert facts[CVD][0]["qualifiers"] == {"maker": "BYD", "origin": "CN"}
    assert facts["roads.driving_side"][0]["inherited_from"] is None
    assert facts["roads.driving_side"][0]["sources"][0]["title"] == "Test regulation 1/2024"
    roads = client.get(f"{API}/markets/DE/profile", params={"dimension": "roads"}).json()
    assert {f["property"] for f in roads["facts"]} == {"roads.driving_side"}


def test_profile_as_of_and_known_at(client: TestClient, world: World, tmp_path: Path) -> None:
    before = datetime.now(UTC).replace(tzinfo=None).isoformat()
    time.sleep(0.01)
    import_facts(
        world,
        tmp_path,
        {
            "market": "TH",
            "property": MFN,
            "value": 80,
            "valid_from": "2010-01-01",
            "valid_to": "2025-01-01",
        },
        {"market": "TH", "property": MFN, "value": 60, "valid_from": "2025-01-01"},
    )

    def duty(**params: str) -> list[object]:
        answer = client.get(f"{API}/markets/TH/profile", params=params)
        assert answer.status_code == 200, answer.text
        return [f["value"] for f in answer.json()["facts"] if f["property"] == MFN]

    assert duty(as_of="2024-06-01") == [80]
    assert duty(as_of="2025-06-01") == [60]
    assert duty(as_of="2025-06-01", known_at=before) == [80]
    assert duty(as_of="2009-01-01") == []

    history = client.get(f"{API}/markets/TH/history/{MFN}").json()["facts"]
    assert [(f["value"], f["valid_from"], f["superseded_at"] is None) for f in history] == [
        (80, "2010-01-01", False),
        (80, "2010-01-01", True),
        (60, "2025-01-01", True),
    ]


def test_history_filters_by_qualifiers(client: TestClient) -> None:
    url = f"{API}/markets/EU/history/{CVD}"
    assert len(client.get(url).json()["facts"]) == 1
    assert (
        len(client.get(url, params={"qualifier": ["origin:CN", "maker:BYD"]}).json()["facts"]) == 1
    )
    assert client.get(url, params={"qualifier": "origin:CN"}).json()["facts"] == []
    bad = client.get(url, params={"qualifier": "origin"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "qualifier"
    assert client.get(f"{API}/markets/EU/history/no.such").status_code == 422
    assert client.get(f"{API}/markets/XX/history/{CVD}").status_code == 404


def test_compare_markets_side_by_side(client: TestClient) -> None:
    answer = client.get(f"{API}/compare", params={"markets": "DE,GB", "dimension": "roads"})
    assert answer.status_code == 200
    body = answer.json()
    assert "roads.driving_side" in body["properties"]
    sides = {code: [f["value"] for f in facts] for code, facts in body["markets"].items()}
    assert sides == {"DE": ["right"], "GB": ["left"]}
    both = client.get(f"{API}/compare", params={"markets": "DE,FR", "properties": MFN}).json()
    assert [f["inherited_from"] for f in both["markets"]["FR"]] == ["EU"]
    assert client.get(f"{API}/compare", params={"markets": "DE"}).status_code == 422


def test_fact_cursors_walk_every_page_once(
    client: TestClient, world: World, tmp_path: Path
) -> None:
    import_facts(
        world,
        tmp_path,
        *(
            {"market": code, "property": "roads.driving_side", "value": "right"}
            for code in COUNTRIES
        ),
    )
    everything = client.get(f"{API}/facts", params={"limit": 1000}).json()
    assert everything["next_cursor"] is None
    expected = [f["id"] for f in everything["items"]]
    assert len(expected) == 7 + len(COUNTRIES)
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, object] = {"limit": 4}
        if cursor:
            params["cursor"] = cursor
        page = client.get(f"{API}/facts", params=params).json()
        seen += [f["id"] for f in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == expected  # in order, no duplicates, no gaps
    assert pages == -(-len(expected) // 4)
    filtered = client.get(
        f"{API}/facts", params={"market": ["DE", "GB"], "property": "roads.driving_side"}
    ).json()["items"]
    assert sorted(f["market"] for f in filtered) == ["DE", "GB"]
    by_q = client.get(f"{API}/facts", params={"q.origin": "CN"}).json()["items"]
    assert [f["property"] for f in by_q] == [CVD]
    by_qualifier = client.get(f"{API}/facts", params={"qualifier": "maker:BYD"}).json()["items"]
    assert by_qualifier == by_q
    assert (
        client.get(f"{API}/facts", params={"dimension": "trade"})
        .json()["items"][0]["property"]
        .startswith("trade.")
    )


def test_export_formats_and_content_types(client: TestClient) -> None:
    params = {"market": "EU"}
    as_yaml = client.get(f"{API}/export", params={**params, "format": "yaml"})
    assert as_yaml.headers["content-type"].startswith("application/yaml")
    assert {f["property"] for f in yaml.safe_load(as_yaml.text)["facts"]} == {MFN, CVD}
    as_json = client.get(f"{API}/export", params={**params, "format": "json"})
    assert as_json.headers["content-type"].startswith("application/json")
    from_json, from_yaml = json.loads(as_json.text), yaml.safe_load(as_yaml.text)
    assert [s["id"] for s in from_json["sources"]] == [s["id"] for s in from_yaml["sources"]]
    assert [f["value"] for f in from_json["facts"]] == [f["value"] for f in from_yaml["facts"]]
    as_csv = client.get(f"{API}/export", params={**params, "format": "csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert sorted(row["property"] for row in rows) == sorted([MFN, CVD])
    assert client.get(f"{API}/export", params={"format": "xml"}).status_code == 422


def test_etag_gives_304_without_a_body(client: TestClient, world: World, tmp_path: Path) -> None:
    url = f"{API}/markets/DE/profile"
    first = client.get(url)
    etag = first.headers["etag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    # other query, other tag
    assert client.get(url, params={"dimension": "roads"}).headers["etag"] != etag
    for path in ("/facts", f"/markets/DE/history/{MFN}", "/compare?markets=DE,FR&dimension=trade"):
        tagged = client.get(API + path)
        assert tagged.status_code == 200
        assert (
            client.get(API + path, headers={"If-None-Match": tagged.headers["etag"]}).status_code
            == 304
        )
    import_facts(world, tmp_path, {"market": "DE", "property": "roads.speed_unit", "value": "km/h"})
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag


def test_304_path_reads_no_facts(client: TestClient, world: World) -> None:
    url = f"{API}/markets/DE/profile"
    etag = client.get(url).headers["etag"]
    statements: list[str] = []

    from sqlalchemy import event

    engine = world.atlas.engine

    def record(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert statements, "the ETag is computed from the database"
    assert not [s for s in statements if "FROM fact" in s], statements
    assert len(statements) <= 4


def test_private_writes_of_one_org_keep_the_other_orgs_etags(
    client: TestClient, world: World
) -> None:
    url = f"{API}/markets/TH/profile"
    tag_a = client.get(url, headers=world.headers("viewer")).headers["etag"]
    tag_b = client.get(url, headers=world.headers("b_admin")).headers["etag"]
    tag_anon = client.get(url).headers["etag"]
    change = submit(
        world,
        "b_contributor",
        {"market": "TH", "property": "roads.speed_unit", "value": "km/h", "visibility": "private"},
    )
    approve(world, "b_admin", change)
    assert client.get(url, headers=world.headers("viewer")).headers["etag"] == tag_a
    assert client.get(url).headers["etag"] == tag_anon
    seen_by_b = client.get(url, headers=world.headers("b_admin"))
    assert seen_by_b.headers["etag"] != tag_b
    assert "roads.speed_unit" in {f["property"] for f in seen_by_b.json()["facts"]}
    seen_by_a = client.get(url, headers=world.headers("viewer")).json()
    assert "roads.speed_unit" not in {f["property"] for f in seen_by_a["facts"]}
