"""Every page renders in English and Chinese from the same data as its JSON twin; unknown
markets answer a helpful 404; user text is escaped; every POST needs its CSRF token."""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from web_world import SCRIPT_NOTE, WebWorld, csrf_of, seed, sign_in

from autoatlas.atlas import Atlas
from autoatlas.config import Settings

PAGES = [
    "/",
    "/markets/TH",
    "/markets/BR?as_of=2024-03-01",
    "/markets/BR/history/trade.import_duty.passenger_bev",
    "/map?property=roads.driving_side",
    "/map?property=charging.dc_connector",
    "/compare?markets=DE,FR,TH&dimension=roads",
    "/search?q=germany",
    "/login",
]


@pytest.fixture
def world(atlas: Atlas, tmp_path: Path) -> WebWorld:
    return seed(atlas, tmp_path)


@pytest.fixture(scope="module")
def shared(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebWorld]:
    """One seeded SQLite database for the tests that only read (writes use `world`)."""
    folder = tmp_path_factory.mktemp("web-pages")
    shutil.copyfile(sqlite_template, folder / "atlas.db")
    atlas = Atlas(Settings(database_url=f"sqlite:///{folder / 'atlas.db'}"))
    yield seed(atlas, folder)
    atlas.engine.dispose()


@pytest.fixture
def client(shared: WebWorld) -> Iterator[TestClient]:
    with TestClient(shared.app, raise_server_exceptions=True) as client:
        yield client


@pytest.mark.parametrize("path", PAGES)
def test_page_renders_in_english_and_chinese(client: TestClient, path: str) -> None:
    sep = "&" if "?" in path else "?"
    english = client.get(f"{path}{sep}lang=en")
    assert english.status_code == 200
    assert '<html lang="en">' in english.text
    assert "Search" in english.text
    assert 'rel="alternate"' in english.headers["link"]
    chinese = client.get(f"{path}{sep}lang=zh")
    assert chinese.status_code == 200
    assert '<html lang="zh-Hans">' in chinese.text
    assert "搜索" in chinese.text
    twin = client.get(f"{path}{sep}format=json")
    assert twin.headers["content-type"] == "application/json"


def test_language_switch_is_remembered(client: TestClient) -> None:
    client.get("/?lang=zh")
    assert "行驶方向" in client.get("/markets/TH").text  # the vocabulary label in Chinese
    assert "泰国" in client.get("/markets/TH").text  # market names in both languages
    assert "Thailand" in client.get("/markets/TH").text


def test_market_page_shows_value_inheritance_and_as_of(client: TestClient) -> None:
    today = client.get("/markets/BR?lang=en").text
    assert "35 %" in today
    older = client.get("/markets/BR?as_of=2024-03-01&lang=en").text
    assert "10 %" in older and "35 %" not in older
    germany = client.get("/markets/DE?lang=en").text
    assert "via EU" in germany


def test_json_twin_is_the_page_data(client: TestClient) -> None:
    data = client.get("/markets/BR?as_of=2024-03-01&format=json").json()
    assert data["market"]["code"] == "BR"
    assert data["as_of"] == "2024-03-01"
    values = [f["value"] for g in data["dimensions"] for f in g["facts"]]
    assert 10 in values
    accept = client.get("/markets/BR", headers={"Accept": "application/json"})
    assert accept.json()["market"]["name_zh"] == "巴西"


def test_downloads_hold_what_the_page_shows(client: TestClient) -> None:
    csv = client.get("/markets/BR?format=csv")
    assert csv.headers["content-type"].startswith("text/csv")
    assert "trade.import_duty.passenger_bev" in csv.text
    yaml_text = client.get("/markets/BR?format=yaml").text
    assert "facts:" in yaml_text and "sources:" in yaml_text


def test_history_chart_shows_steps(client: TestClient) -> None:
    page = client.get("/markets/BR/history/trade.import_duty.passenger_bev?lang=en").text
    assert "<svg" in page and page.count('stroke="#2f4b7c"') == 3  # three steps


def test_compare_highlights_differences(client: TestClient) -> None:
    page = client.get("/compare?markets=DE,FR,TH&dimension=roads&lang=en").text
    assert 'class="differs"' in page  # TH drives on the left


def test_search_finds_in_both_languages(client: TestClient) -> None:
    assert "/markets/DE" in client.get("/search?q=德国").text
    data = client.get("/search?q=driving&format=json").json()
    assert data["total"] >= 1
    assert data["facets"]["dimension"][0]["id"] == "roads"


def test_unknown_market_is_a_helpful_404(client: TestClient) -> None:
    response = client.get("/markets/germany?lang=en")
    assert response.status_code == 404
    assert 'href="/markets/DE"' in response.text
    assert client.get("/markets/ZZ?format=json").json()["error"]["status"] == 404


def test_note_with_script_is_shown_as_text(client: TestClient) -> None:
    page = client.get("/markets/TH?lang=en").text
    assert SCRIPT_NOTE not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; tariff &amp; more" in page


def test_post_without_csrf_token_is_refused(world: WebWorld) -> None:
    client = TestClient(world.app)
    client.get("/login")
    refused = client.post(
        "/login", data={"email": "contributor@acme.example", "password": "x" * 20}
    )
    assert refused.status_code == 403
    sign_in(client, "contributor")
    assert client.post("/contribute", data={"market": "TH"}).status_code == 403
    wrong = client.post("/logout", data={"csrf_token": "not-the-token"})
    assert wrong.status_code == 403


def test_contribute_review_approve(world: WebWorld) -> None:
    with TestClient(world.app) as author:
        sign_in(author, "contributor")
        form = author.get("/contribute")
        response = author.post(
            "/contribute",
            data={
                "csrf_token": csrf_of(form.text),
                "title": "Thai DC connectors",
                "market": "TH",
                "property": "charging.dc_connector",
                "value": "CCS2, CHAdeMO, GB/T",
                "note": "<b>bold</b>",
                "source_kind": "news",
                "source_title": "A report",
                "source_url": "https://example.org/report",
            },
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        location = response.headers["location"]
    with TestClient(world.app) as reviewer:
        sign_in(reviewer, "reviewer")
        queue = reviewer.get("/review?lang=en").text
        assert "Thai DC connectors" in queue
        page = reviewer.get(location + "?lang=en").text
        assert "Now" in page and "Proposed" in page and "&lt;b&gt;bold" in page
        approved = reviewer.post(
            location + "/approve", data={"csrf_token": csrf_of(page), "comment": "ok"}
        )
        assert approved.status_code == 200
        assert "GB/T" in reviewer.get("/markets/TH?lang=en").text


def test_settings_and_tokens(world: WebWorld) -> None:
    with TestClient(world.app) as client:
        sign_in(client, "admin")
        page = client.get("/settings?lang=en")
        assert "Acme Motors" in page.text
        created = client.post(
            "/settings/tokens", data={"csrf_token": csrf_of(page.text), "name": "ci"}
        )
        assert 'id="new-token">aa_' in created.text
        assert client.post("/logout", data={"csrf_token": csrf_of(created.text)}).status_code == 200
        assert "Sign in" in client.get("/?lang=en").text


def test_anonymous_contribute_leads_to_sign_in(client: TestClient) -> None:
    response = client.get("/contribute", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_unknown_market_suggests_by_name(client: TestClient) -> None:
    response = client.get("/markets/thai?lang=en")
    assert response.status_code == 404
    assert 'href="/markets/TH"' in response.text


def test_reviewer_rejects_with_a_comment(world: WebWorld) -> None:
    with TestClient(world.app) as author:
        sign_in(author, "contributor")
        form = author.get("/contribute?market=DE&property=roads.driving_side")
        response = author.post(
            "/contribute",
            data={
                "csrf_token": csrf_of(form.text),
                "title": "Germany drives on the left",
                "market": "DE",
                "property": "roads.driving_side",
                "value": "left",
                "source_title": "A mistaken blog",
            },
            follow_redirects=False,
        )
        location = response.headers["location"]
    with TestClient(world.app) as reviewer:
        sign_in(reviewer, "reviewer")
        page = reviewer.get(location + "?lang=en").text
        assert "Right" in page and "Left" in page  # before and after, as value labels
        rejected = reviewer.post(
            location + "/reject", data={"csrf_token": csrf_of(page), "comment": "wrong"}
        )
        assert "wrong" in rejected.text
        assert reviewer.get(location + "?format=json").json()["change_set"]["state"] == "rejected"
        assert "Right" in reviewer.get("/markets/DE?lang=en").text


def test_accept_language_picks_chinese(client: TestClient) -> None:
    page = client.get("/markets/DE", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
    assert '<html lang="zh-Hans">' in page.text


def _download_rows(client: TestClient, path: str) -> dict[str, list[dict[str, Any]]]:
    """The facts of one page's three downloads, each read back as rows."""
    sep = "&" if "?" in path else "?"
    found: dict[str, list[dict[str, Any]]] = {}
    for fmt, media in (("csv", "text/csv"), ("yaml", "application/yaml"), ("bundle", "json")):
        answer = client.get(f"{path}{sep}format={fmt}")
        assert answer.status_code == 200, (path, fmt, answer.text[:200])
        assert media in answer.headers["content-type"]
        assert answer.headers["content-disposition"].startswith("attachment; filename=")
        if fmt == "csv":
            found[fmt] = list(csv.DictReader(io.StringIO(answer.text)))
        elif fmt == "yaml":
            found[fmt] = yaml.safe_load(answer.text)["facts"]
        else:
            found[fmt] = answer.json()["facts"]
    return found


def test_pages_with_facts_download_the_facts_they_show(client: TestClient) -> None:
    history = _download_rows(client, "/markets/BR/history/trade.import_duty.passenger_bev")
    for rows in history.values():  # the three dated records the chart draws as steps
        assert len(rows) == 3
        assert {(r["market"], r["property"]) for r in rows} == {
            ("BR", "trade.import_duty.passenger_bev")
        }
    compare = _download_rows(client, "/compare?markets=DE,FR,TH&dimension=roads")
    assert len(compare["csv"]) == len(compare["yaml"]) == len(compare["bundle"]) > 0
    for rows in compare.values():
        assert all(r["property"].startswith("roads.") for r in rows)
        assert "TH" in {r["market"] for r in rows}
    market = _download_rows(client, "/markets/BR")
    assert len(market["csv"]) == len(market["yaml"]) == len(market["bundle"]) > 0


NO_FACTS = ["/", "/search?q=germany", "/login", "/map?property=roads.driving_side"]


@pytest.mark.parametrize("path", NO_FACTS)
def test_a_page_without_facts_refuses_a_download_and_points_to_json(
    client: TestClient, path: str
) -> None:
    sep = "&" if "?" in path else "?"
    for fmt in ("csv", "yaml", "bundle"):
        answer = client.get(f"{path}{sep}format={fmt}&lang=en")
        assert answer.status_code == 404, (path, fmt)
        assert answer.headers["content-type"].startswith("text/html")
        assert "content-disposition" not in answer.headers  # no empty bundle to save
        assert "has no facts to download" in answer.text and "?format=json" in answer.text
    assert client.get(f"{path}{sep}format=json").status_code == 200  # what it points to works


def test_signed_in_pages_without_facts_refuse_downloads_too(world: WebWorld) -> None:
    with TestClient(world.app) as client:
        sign_in(client, "admin")
        for path in ("/inbox", "/models", "/watchlists"):
            answer = client.get(f"{path}?format=csv")
            assert answer.status_code == 404, path
            assert f"{path} has no facts to download as csv" in answer.text
            assert client.get(f"{path}?format=json").status_code == 200


def test_an_error_page_keeps_its_own_answer_when_a_download_is_asked(client: TestClient) -> None:
    answer = client.get("/markets/germany?format=csv&lang=en")
    assert answer.status_code == 404
    assert 'href="/markets/DE"' in answer.text  # the helpful 404, not "no facts"
    assert "has no facts to download" not in answer.text
