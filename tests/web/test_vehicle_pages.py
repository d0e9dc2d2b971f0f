"""The vehicle pages over HTTP: models (create by paste or upload, errors with field and line,
replace, delete), the portfolio, the assessment (findings by severity in the page's language,
cited facts linked to the market page, the waterfall, reports, a variant) and the matrix —
private to the organization, signed in, every POST with its CSRF token."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from web_world import WebWorld, csrf_of, seed, sign_in

from autoatlas.atlas import Atlas
from autoatlas.rules.engine import describe

MODEL: dict[str, Any] = {
    "id": "aa-gbt",
    "name": "AA GB/T Sedan",
    "maker": "BYD",
    "origin": "CN",
    "powertrain": "BEV",
    "body_type": "sedan",
    "seats": 5,
    "battery_kwh": 60.5,
    "dc_connectors": ["GB/T"],
    "ac_connectors": ["GB/T"],
    "steering": "LHD",
    "length_mm": 4700,
    "width_mm": 1880,
    "height_mm": 1500,
    "kerb_mass_kg": 1800,
    "ground_clearance_mm": 140,
    "operating_temp_min_c": -30,
    "operating_temp_max_c": 55,
    "price": {"amount": "20000", "currency": "USD"},
    "price_basis": "CIF",
}
# Thailand as a test writes it (not the starter data): no FTA fact, so the MFN duty applies.
FACTS = [
    {"market": "TH", "property": "trade.currency", "value": "THB"},
    {"market": "TH", "property": "trade.exchange_rate.usd", "value": 32.5},
    {"market": "TH", "property": "trade.import_duty.passenger_bev", "value": 80, "unit": "percent"},
    {"market": "TH", "property": "trade.excise.passenger_rate", "value": 8, "unit": "percent"},
    {"market": "TH", "property": "trade.vat.rate", "value": 7, "unit": "percent"},
    {"market": "TH", "property": "roads.driving_side", "value": "left"},
    {"market": "TH", "property": "regulation.lhd_registration", "value": "banned"},
    {"market": "TH", "property": "charging.dc_connector", "value": ["CCS2", "CHAdeMO"]},
    {"market": "TH", "property": "charging.ac_connector", "value": ["Type2"]},
    {"market": "GB", "property": "roads.driving_side", "value": "left"},
]
# By hand: 20,000 USD x 32.5 = 650,000 THB customs value; duty 80 % = 520,000; excise 8 % of
# 1,170,000 = 93,600; VAT 7 % of 1,263,600 = 88,452; customer price 1,352,052.00 THB.
TOTAL = "1352052.00"


@pytest.fixture
def world(atlas: Atlas, tmp_path: Path) -> WebWorld:
    return seed(atlas, tmp_path, FACTS)


@pytest.fixture
def member(world: WebWorld) -> Iterator[TestClient]:
    with TestClient(world.app) as client:
        sign_in(client, "contributor")
        yield client


def _create(client: TestClient, spec: dict[str, Any] | str = MODEL) -> Any:
    token = csrf_of(client.get("/models/new").text)
    text = spec if isinstance(spec, str) else yaml.safe_dump(spec, sort_keys=False)
    return client.post("/models", data={"csrf_token": token, "spec": text}, follow_redirects=False)


def test_vehicle_pages_need_sign_in(world: WebWorld) -> None:
    with TestClient(world.app) as anonymous:
        for path in ("/models", "/models/new", "/portfolio", "/assessment", "/matrix"):
            response = anonymous.get(path, follow_redirects=False)
            assert response.status_code == 303, path
            assert response.headers["location"] == f"/login?next={path}"
        assert anonymous.get("/models?format=json").status_code == 401
        assert 'href="/models"' not in anonymous.get("/?lang=en").text  # no nav link


def test_create_view_replace_and_delete_a_model(member: TestClient) -> None:
    created = _create(member)
    assert created.status_code == 303, created.text
    assert created.headers["location"] == "/models/aa-gbt"
    english = member.get("/models/aa-gbt?lang=en").text
    assert "AA GB/T Sedan" in english and "Ground clearance (mm)" in english
    assert 'href="/models"' in english  # the navigation shows the vehicle pages
    chinese = member.get("/models/aa-gbt?lang=zh").text
    assert "最小离地间隙" in chinese and '<html lang="zh-Hans">' in chinese
    twin = member.get("/models/aa-gbt?format=json").json()
    assert twin["model"]["spec"]["seats"] == 5
    exported = member.get("/models/aa-gbt/export")
    assert yaml.safe_load(exported.text)["models"][0]["dc_connectors"] == ["GB/T"]
    listing = member.get("/models?format=json").json()
    assert [m["slug"] for m in listing["models"]] == ["aa-gbt"]

    form = member.get("/models/aa-gbt/edit")
    assert "seats: 5" in form.text  # the form holds the current spec
    replaced = member.post(
        "/models/aa-gbt",
        data={"csrf_token": csrf_of(form.text), "spec": yaml.safe_dump({**MODEL, "seats": 7})},
        follow_redirects=False,
    )
    assert replaced.status_code == 303
    assert member.get("/models/aa-gbt?format=json").json()["model"]["spec"]["seats"] == 7

    page = member.get("/models/aa-gbt")
    deleted = member.post(
        "/models/aa-gbt/delete", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False
    )
    assert deleted.status_code == 303
    assert member.get("/models/aa-gbt").status_code == 404
    assert member.get("/models?format=json").json()["models"] == []


def test_invalid_spec_names_field_and_line_and_saves_nothing(member: TestClient) -> None:
    text = yaml.safe_dump({**MODEL, "seats": 0}, sort_keys=False)
    line = text.splitlines().index("seats: 0") + 1
    refused = _create(member, text)
    assert refused.status_code == 422
    data = member.get("/models?format=json").json()
    assert data["models"] == []
    page = refused.text
    assert f"line {line}" in page and "<code>seats</code>" in page
    assert "seats: 0" in page  # the text is kept in the form to be fixed
    broken = _create(member, "id: x\nname: [unclosed\nmaker: y\n")
    assert broken.status_code == 422 and "line 3" in broken.text


def test_uploaded_json_file_is_validated_like_the_api(member: TestClient) -> None:
    token = csrf_of(member.get("/models/new").text)
    bad = json.dumps(
        {"models": [MODEL, {**MODEL, "id": "two", "price": {"amount": "1"}}]}, indent=2
    )
    line = bad.splitlines().index('        "amount": "1"') + 1
    refused = member.post(
        "/models",
        data={"csrf_token": token},
        files={"file": ("fleet.json", bad.encode(), "application/json")},
    )
    assert refused.status_code == 422
    assert "models[1].price.currency" in refused.text and "fleet.json" in refused.text
    assert f"line {line - 1}" in refused.text  # the mapping that lacks the currency
    assert member.get("/models?format=json").json()["models"] == []  # all or nothing
    good = json.dumps({"models": [MODEL, {**MODEL, "id": "two"}]})
    created = member.post(
        "/models",
        data={"csrf_token": token},
        files={"file": ("fleet.json", good.encode(), "application/json")},
        follow_redirects=False,
    )
    assert created.headers["location"] == "/models"
    assert len(member.get("/models?format=json").json()["models"]) == 2
    again = _create(member)
    assert again.status_code == 409 and "exist" in again.text  # a conflict, shown in the form


def test_models_are_private_to_the_organization(world: WebWorld, member: TestClient) -> None:
    assert _create(member).status_code == 303
    with TestClient(world.app) as other:
        sign_in(other, "reviewer")  # the operator's organization, not acme
        assert other.get("/models?format=json").json()["models"] == []
        assert other.get("/models/aa-gbt").status_code == 404
        assert other.get("/assessment?model=aa-gbt&market=TH").status_code == 404
        token = csrf_of(other.get("/models").text)
        refused = other.post("/models/aa-gbt/delete", data={"csrf_token": token})
        assert refused.status_code == 404
    assert member.get("/models/aa-gbt").status_code == 200


def test_every_post_needs_its_csrf_token(member: TestClient) -> None:
    assert _create(member).status_code == 303
    for path in ("/models", "/models/aa-gbt", "/models/aa-gbt/delete", "/portfolio"):
        assert member.post(path, data={"spec": "x", "model": "aa-gbt"}).status_code == 403, path
    assert member.get("/models/aa-gbt").status_code == 200


def test_portfolio_add_and_remove(member: TestClient) -> None:
    assert _create(member).status_code == 303
    page = member.get("/portfolio?model=aa-gbt")
    token = csrf_of(page.text)
    entry = {"csrf_token": token, "model": "aa-gbt", "market": "th", "status": "sold"}
    added = member.post("/portfolio", data={**entry, "valid_from": "2026-01-01"})
    assert added.status_code == 200  # followed to the portfolio page
    data = member.get("/portfolio?format=json").json()
    assert [(e["model"], e["market"], e["status"], e["valid_from"]) for e in data["entries"]] == [
        ("aa-gbt", "TH", "sold", "2026-01-01")
    ]
    assert "/assessment?model=aa-gbt&amp;market=TH&amp;on=2026-01-01" in added.text
    unknown = member.post("/portfolio", data={**entry, "market": "QQ"})
    assert unknown.status_code == 422 and "QQ" in unknown.text
    backwards = member.post(
        "/portfolio", data={**entry, "valid_from": "2026-02-01", "valid_to": "2026-01-01"}
    )
    assert backwards.status_code == 422 and "valid_to" in backwards.text
    assert len(member.get("/portfolio?format=json").json()["entries"]) == 1
    entry_id = data["entries"][0]["id"]
    removed = member.post(f"/portfolio/{entry_id}/remove", data={"csrf_token": token})
    assert removed.status_code == 200
    assert member.get("/portfolio?format=json").json()["entries"] == []
    huge = member.post("/portfolio/99999999999999999/remove", data={"csrf_token": token})
    assert huge.status_code == 422  # refused before it reaches the database


def test_assessment_page_explains_findings_cost_and_score(member: TestClient) -> None:
    assert _create(member).status_code == 303
    url = "/assessment?model=aa-gbt&market=TH&on=2026-07-01"
    data = member.get(url + "&format=json").json()
    a = data["assessment"]
    assert a["landed_cost"]["total"] == TOTAL
    severities = [g["severity"] for g in a["groups"]]
    assert severities == sorted(severities, key=["blocker", "major", "minor", "info"].index)
    blockers = {f["rule"]: f for f in a["groups"][0]["findings"] if f["status"] == "fail"}
    assert a["groups"][0]["severity"] == "blocker" and blockers
    points = sum(p["points"] for p in a["penalties"])
    assert a["score"] == max(0, 100 - points)
    cited = [c for f in blockers.values() for c in f["facts"]]
    assert any(c["href"] == "/markets/TH?as_of=2026-07-01#charging.dc_connector" for c in cited)

    english = member.get(url + "&lang=en").text
    assert "<svg" in english and "Import duty (MFN)" in english and "1352052.00" in english
    assert 'href="/markets/TH?as_of=2026-07-01#regulation.lhd_registration"' in english
    assert "https://example.org/reg/1-2024" in english  # each cited fact's source
    assert 'id="fit-score">' + str(a["score"]) in english
    chinese = member.get(url + "&lang=zh").text
    assert "阻断" in chinese and "进口关税（最惠国）" in chinese
    message = blockers[next(iter(blockers))]
    zh = member.get(url + "&lang=zh&format=json").json()["assessment"]["groups"][0]
    assert zh["findings"][0]["message"] != message["message"]  # the Chinese message

    # Each finding and each penalty names its rule's description in the page's language,
    # and the report links hand the page's language on.
    assert "Steering position against the driving side" in english
    assert "方向盘位置（左舵/右舵）是否符合行车方向" in chinese and "完税价格" in chinese
    assert "/assessment/report.pdf?model=aa-gbt&amp;market=TH&amp;on=2026-07-01&amp;lang=zh" in (
        chinese
    )
    first = zh["findings"][0]
    assert first["description"] == describe(first["rule"], "zh") != describe(first["rule"], "en")

    report = member.get("/assessment/report.html?model=aa-gbt&market=TH&on=2026-07-01&lang=en")
    assert report.headers["content-type"].startswith("text/html") and "1,352,052" in report.text
    report_zh = member.get("/assessment/report.html?model=aa-gbt&market=TH&on=2026-07-01&lang=zh")
    assert '<html lang="zh-Hans">' in report_zh.text and "泰国" in report_zh.text
    assert "终端售价" in report_zh.text and "发现项" in report_zh.text
    pdf = member.get("/assessment/report.pdf?model=aa-gbt&market=TH&on=2026-07-01")
    assert pdf.content.startswith(b"%PDF")
    assert "aa-gbt-TH-2026-07-01.pdf" in pdf.headers["content-disposition"]


def test_variant_shows_what_a_ccs2_port_changes(member: TestClient) -> None:
    assert _create(member).status_code == 303
    base = member.get("/assessment?model=aa-gbt&market=TH&on=2026-07-01&format=json").json()
    url = "/assessment?model=aa-gbt&market=TH&on=2026-07-01&with=dc_connectors%2B%3DCCS2"
    variant = member.get(url + "&format=json").json()["assessment"]["variant"]
    assert variant["changes"] == ["dc_connectors+=CCS2"]
    assert variant["score"]["base"] == base["assessment"]["score"]
    assert variant["score_change"] >= 0
    assert any(f["rule"].startswith("charging.dc") for f in variant["resolved"])
    assert "dc_connectors+=CCS2" in member.get(url + "&lang=en").text
    bad = member.get("/assessment?model=aa-gbt&market=TH&with=wings%3D2&lang=en")
    assert bad.status_code == 422 and "wings" in bad.text


def test_matrix_ranks_and_links_each_cell(member: TestClient) -> None:
    assert _create(member).status_code == 303
    assert _create(member, {**MODEL, "id": "aa-rhd", "steering": "RHD"}).status_code == 303
    empty = member.get("/matrix?on=2026-07-01&format=json").json()
    assert empty["rows"] == []  # no portfolio entry yet
    data = member.get("/matrix?on=2026-07-01&markets=TH,GB&format=json").json()
    assert {(r["model"], r["market"]) for r in data["rows"]} == {
        (m, c) for m in ("aa-gbt", "aa-rhd") for c in ("TH", "GB")
    }
    scores = [r["score"] for r in data["rows"]]
    assert scores == sorted(scores, reverse=True)
    assert data["grid"]["models"][0][0] == "aa-rhd"  # a RHD car fits left-hand traffic better
    page = member.get("/matrix?on=2026-07-01&markets=TH,GB&lang=en").text
    assert 'href="/assessment?model=aa-rhd&amp;market=TH&amp;on=2026-07-01"' in page
    assert data["rows"][0]["colour"] in page


def test_matrix_without_models_says_what_to_do(member: TestClient) -> None:
    page = member.get("/matrix?lang=en")
    assert page.status_code == 200 and "no vehicle model to assess" in page.text
