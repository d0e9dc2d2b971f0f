"""Alerts as a person meets them: Playwright drives Debian's Chromium (headless) against a live
server on loopback. An admin creates a watchlist, a matching change is published and the
worker runs, the alert shows in the inbox with the unread badge, is marked read in place
(htmx), and the page switches to Chinese. Screenshots go to test-output/screenshots/."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from web_world import PASSWORD, web_app

from alerts.alerts_helpers import fact, people, publish
from autoatlas.alerts.worker import Worker, WorkerConfig
from autoatlas.atlas import Atlas
from autoatlas.auth import service
from autoatlas.auth.principal import Principal
from autoatlas.config import Settings

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "test-output" / "screenshots"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DUTY = "trade.import_duty.passenger_bev"
ADMIN = "admin@byd.example"

pytestmark = pytest.mark.slow


@dataclass
class Live:
    url: str
    atlas: Atlas
    who: dict[str, Principal]


def _chromium() -> Path:
    if not CHROMIUM.exists():
        subprocess.run([str(ROOT / "scripts" / "install-system-deps.sh")], check=False)
    if not CHROMIUM.exists():
        pytest.skip(
            "/usr/bin/chromium is absent and scripts/install-system-deps.sh could not install it"
        )
    return CHROMIUM


@pytest.fixture(scope="module")
def live(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """A fresh database (markets, two enterprises, a web admin of byd) served on loopback."""
    folder = tmp_path_factory.mktemp("alert-browser")
    shutil.copyfile(sqlite_template, folder / "atlas.db")
    atlas = Atlas(Settings(database_url=f"sqlite:///{folder / 'atlas.db'}"))
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
    server = uvicorn.Server(
        uvicorn.Config(web_app(atlas), host="127.0.0.1", port=0, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield Live(f"http://127.0.0.1:{port}", atlas, who)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        atlas.engine.dispose()


@pytest.fixture(scope="module")
def page(live: Live) -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    executable = _chromium()
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(executable), args=ARGS, headless=True
        )
        context = browser.new_context(base_url=live.url, viewport={"width": 1200, "height": 900})
        tab = context.new_page()
        tab.set_default_timeout(20_000)
        yield tab
        context.close()
        browser.close()


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


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
