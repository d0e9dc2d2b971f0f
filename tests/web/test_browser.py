"""The web app as a person uses it: Playwright drives Debian's Chromium (headless) against a
live server on loopback with the starter data loaded. A screenshot of each step is written to
test-output/screenshots/."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_world import atlas_copy, browser_page, live_server, shot
from web_world import PASSWORD, USERS, add_users

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def live_url(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The starter data in a fresh database, served by uvicorn on loopback."""
    atlas = atlas_copy(sqlite_template, tmp_path_factory.mktemp("browser"), starter=True)
    add_users(atlas)
    with live_server(atlas) as url:
        yield url


@pytest.fixture(scope="module")
def page(live_url: str) -> Iterator[Any]:
    with browser_page(live_url) as tab:
        yield tab


def sign_in(page: Any, who: str) -> None:
    page.goto("/login")
    page.fill("#email", f"{who}@{USERS[who][0]}.example")
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_selector("#logout")


def test_a_person_reads_contributes_and_reviews(page: Any) -> None:
    from playwright.sync_api import expect

    page.goto("/?lang=en")
    expect(page.locator("h1")).to_contain_text("Overseas automotive markets")
    expect(page.locator("svg.worldmap a[data-code='DE']")).to_have_count(1)
    shot(page, "01-home")

    page.click("#lang-zh")
    expect(page.locator("h1")).to_contain_text("海外汽车市场")
    shot(page, "02-home-zh")

    page.click("svg.worldmap a[data-code='BR']")
    expect(page.locator("h1")).to_contain_text("巴西")
    duty = page.locator("[id='trade.import_duty.passenger_bev'] td.value")
    expect(duty).to_contain_text("35 %")
    shot(page, "03-market-br")

    page.fill("#as_of", "2024-03-01")
    page.click("#asof-go")
    expect(duty).to_contain_text("10 %")
    shot(page, "04-market-br-2024")

    page.click("[id='trade.import_duty.passenger_bev'] a.hist")  # htmx loads the timeline
    expect(page.locator("#history svg.timeline")).to_have_count(1)
    shot(page, "05-history")

    page.goto("/compare")
    page.fill("#markets", "DE,FR,TH")
    page.select_option("#dimension", "charging")
    page.click("#compare-form button")
    expect(page.locator("table.compare thead th")).to_have_count(4)
    expect(page.locator("tr.differs").first).to_be_visible()
    shot(page, "06-compare")

    page.goto("/search")
    page.fill("#q", "德国")  # htmx searches while typing
    expect(page.locator("#results a[href='/markets/DE']").first).to_be_visible()
    shot(page, "07-search")

    sign_in(page, "contributor")
    page.goto("/contribute")
    page.fill("#title", "Fastest public DC charger in Thailand")
    page.fill("#market", "TH")
    page.select_option("#property", "charging.public_chargers.max_dc_power")
    page.fill("#value", "360")
    page.fill("#valid_from", "2025-01-01")
    page.fill("#note", "<script>document.title='owned'</script>")
    page.fill("#source_title", "Charging operator press release")
    page.fill("#source_url", "https://example.org/press/360kw")
    shot(page, "08-contribute-form")
    page.click("#contribute-submit")
    expect(page.locator("#state")).to_contain_text("待审核")
    shot(page, "09-contributed")
    page.click("#logout")

    sign_in(page, "reviewer")
    page.goto("/review")
    page.click("text=Fastest public DC charger in Thailand")
    expect(page.locator(".after")).to_contain_text("360")
    expect(page.locator(".after .note")).to_contain_text("<script>")
    page.fill("#comment", "Checked against the press release")
    shot(page, "10-review")
    page.click("#approve")
    expect(page.locator("#state")).to_contain_text("已批准")
    shot(page, "11-approved")

    page.goto("/markets/TH")
    row = page.locator("[id='charging.public_chargers.max_dc_power'] td.value")
    expect(row).to_contain_text("360")
    assert page.title() != "owned"
    shot(page, "12-market-th")


def test_search_answers_under_100_ms_on_the_starter_data(live_url: str) -> None:
    """The best of five requests per query: the suite runs on two cores beside other tests,
    so one request's time says more about the neighbours than about the search."""
    import httpx

    with httpx.Client(base_url=live_url, timeout=30) as http:
        http.get("/search", params={"q": "warm-up", "format": "json"})  # builds the index once
        for query in ("德国", "germany", "关税", "CCS2", "thailand duty", "eur-lex"):
            times = []
            for _attempt in range(5):
                started = time.perf_counter()
                response = http.get("/search", params={"q": query, "format": "json"})
                times.append(time.perf_counter() - started)
                assert response.status_code == 200
                assert response.json()["total"] > 0, query
            best = min(times)
            assert best < 0.1, f"search for {query!r} took {best * 1000:.0f} ms at best"
