"""Alerts as a person meets them: Playwright drives Debian's Chromium (headless) against a live
server on loopback. An admin creates a watchlist, a matching change is published and the
worker runs, the alert shows in the inbox with the unread badge, is marked read in place
(htmx), and the page switches to Chinese. Screenshots go to test-output/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from browser_world import atlas_copy, browser_page, live_server, shot
from web_world import PASSWORD

from alerts.alerts_helpers import fact, people, publish
from autoatlas.alerts.worker import Worker, WorkerConfig
from autoatlas.atlas import Atlas
from autoatlas.auth import service
from autoatlas.auth.principal import Principal

DUTY = "trade.import_duty.passenger_bev"
ADMIN = "admin@byd.example"

pytestmark = pytest.mark.slow


@dataclass
class Live:
    url: str
    atlas: Atlas
    who: dict[str, Principal]


@pytest.fixture(scope="module")
def live(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """A fresh database (markets, two enterprises, a web admin of byd) served on loopback."""
    atlas = atlas_copy(sqlite_template, tmp_path_factory.mktemp("alert-browser"), starter=False)
    who = people(atlas)
    with atlas.write() as tx:
        service.create_user(
            tx,
            atlas.cli_principal(),
            email=ADMIN,
            name="BYD admin",
            organization="byd",
            role="admin",
            password=PASSWORD,
        )
    with live_server(atlas) as url:
        yield Live(url, atlas, who)


@pytest.fixture(scope="module")
def page(live: Live) -> Iterator[Any]:
    with browser_page(live.url) as tab:
        yield tab


def test_a_watchlist_leads_to_an_alert_that_is_read_in_the_inbox(page: Any, live: Live) -> None:
    from playwright.sync_api import expect

    page.goto("/login?lang=en")
    page.fill("#email", ADMIN)
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_selector("#logout")

    page.click("#nav-watchlists")
    page.fill("#name", "Thailand trade")
    page.fill("#markets", "TH")
    page.select_option("#dimensions", ["trade"])
    page.fill("#qualifier-origin", "CN")
    page.select_option("#min_severity", "minor")
    shot(page, "alerts-01-watchlist-form")
    page.click("#watchlist-submit")
    row = page.locator("#watchlists tbody tr").first
    expect(row).to_contain_text("Thailand trade")
    expect(row).to_contain_text("Origin country: CN")
    shot(page, "alerts-02-watchlists")

    # A contributor's change to the Thai duty on Chinese BEVs is approved; the worker runs.
    change_set = publish(
        live.atlas,
        live.who,
        fact("TH", DUTY, 40, unit="percent", qualifiers={"origin": "CN"}),
    )
    runner = Worker(
        live.atlas.engine, vocabulary=live.atlas.vocabulary, config=WorkerConfig(timeout=2.0)
    )
    assert runner.run_once().alerts == 1
    runner.close()

    page.goto("/inbox")
    expect(page.locator("#unread-badge")).to_have_text("1")  # htmx fills the badge
    alert = page.locator("article.alert").first
    expect(alert).to_contain_text(f"TH: {DUTY} added")
    expect(alert).to_contain_text(f"change set #{change_set}")
    expect(alert.locator(".after")).to_contain_text("40 %")
    expect(alert).to_have_attribute("data-read", "false")
    shot(page, "alerts-03-inbox")

    alert.locator("button.toggle-read").click()  # htmx swaps the alert and the badge
    expect(page.locator("article.alert").first).to_have_attribute("data-read", "true")
    expect(page.locator("#unread-badge")).to_have_text("")
    assert page.url.endswith("/inbox")  # no page load: the alert was swapped in place
    shot(page, "alerts-04-read")

    page.click("#show-unread")
    expect(page.locator("#no-alerts")).to_be_visible()

    page.click("#lang-zh")
    expect(page.locator("h1")).to_have_text("收件箱")
    page.click("#show-all")
    expect(page.locator("article.alert").first).to_contain_text("已读")
    expect(page.locator("article.alert .before h4").first).to_have_text("变更前")
    page.click("#nav-watchlists")
    expect(page.locator("#watchlists tbody tr").first).to_contain_text("原产国: CN")
    shot(page, "alerts-05-chinese")
