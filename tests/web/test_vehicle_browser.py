"""The vehicle pages as a person uses them: Playwright drives Debian's Chromium (headless)
against a live server on loopback with the starter data: add a model (a bad spec first, then
an uploaded file), assess it for Thailand, read the findings and the waterfall, download the
PDF report, switch to Chinese, and open the matrix. Screenshots go to
test-output/screenshots/vehicles-*.png."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from browser_world import atlas_copy, browser_page, live_server
from browser_world import shot as browser_shot
from test_vehicle_pages import MODEL
from web_world import PASSWORD, USERS, add_users

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-output" / "screenshots"
# Priced in baht: the starter data has no USD rate for Thailand on the assessment date.
THAI_PRICED = {**MODEL, "price": {"amount": "650000", "currency": "THB"}}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def live_url(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The starter data in a fresh database, served by uvicorn on loopback."""
    atlas = atlas_copy(sqlite_template, tmp_path_factory.mktemp("vehicle-browser"), starter=True)
    add_users(atlas)
    with live_server(atlas) as url:
        yield url


@pytest.fixture(scope="module")
def page(live_url: str) -> Iterator[Any]:
    with browser_page(live_url, accept_downloads=True) as tab:
        yield tab


def shot(page: Any, name: str) -> None:
    browser_shot(page, f"vehicles-{name}")


def test_a_team_adds_a_model_and_assesses_it(page: Any) -> None:
    from playwright.sync_api import expect

    page.goto("/login?lang=en")
    page.fill("#email", f"contributor@{USERS['contributor'][0]}.example")
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.click("#nav-models")
    expect(page.locator("h1")).to_contain_text("Vehicle models")
    page.click("#new-model")

    bad = yaml.safe_dump({**MODEL, "ground_clearance_mm": 10}, sort_keys=False)
    line = bad.splitlines().index("ground_clearance_mm: 10") + 1
    page.fill("#spec", bad)
    page.click("#model-submit")
    errors = page.locator("#spec-errors")
    expect(errors).to_contain_text(f"line {line}")
    expect(errors).to_contain_text("ground_clearance_mm")
    shot(page, "01-spec-error")

    page.fill("#spec", "")
    page.set_input_files(
        "#file",
        files=[
            {
                "name": "aa-gbt.json",
                "mimeType": "application/json",
                "buffer": json.dumps(THAI_PRICED).encode(),
            }
        ],
    )
    page.click("#model-submit")
    expect(page.locator("h1")).to_contain_text("AA GB/T Sedan")
    expect(page.locator("#spec-dc_connectors td")).to_contain_text("GB/T")
    shot(page, "02-model")

    page.fill("#market", "TH")
    page.fill("input[name=on]", "2026-07-01")
    page.click("#assess-go")
    expect(page.locator("#severity-blocker")).to_be_visible()
    expect(page.locator("#severity-blocker")).to_contain_text("GB/T")
    expect(page.locator("#waterfall svg rect").first).to_be_visible()
    expect(page.locator("#cost-mfn_duty")).to_be_visible()
    expect(page.locator("#cost-total")).to_contain_text("751140.00")  # 650,000 + 8 % + 7 %
    cited = page.locator("#severity-blocker ul.cited a[href^='/markets/TH']").first
    expect(cited).to_be_visible()
    shot(page, "03-assessment")

    with page.expect_download() as info:
        page.click("#report-pdf")
    download = info.value
    assert download.suggested_filename == "aa-gbt-TH-2026-07-01.pdf"
    assert Path(download.path()).read_bytes().startswith(b"%PDF")

    page.click("#lang-zh")
    expect(page.locator("#severity-blocker h3")).to_contain_text("阻断")
    expect(page.locator("#cost-vat th")).to_contain_text("增值税")
    # Rules are described in the page's language; the report links ask for it too.
    expect(page.locator("#severity-blocker .rule-description").first).to_contain_text("是否符合")
    expect(page.locator("#report-pdf")).to_have_attribute("href", re.compile(r"&lang=zh$"))
    shot(page, "04-assessment-zh")

    cited.click()
    expect(page.locator("h1")).to_contain_text("泰国")
    assert "as_of=2026-07-01" in page.url
    page.go_back()

    page.click("#variant-ccs2")  # the blocker goes: the variant has a CCS2 inlet
    expect(page.locator("#variant h2")).to_contain_text("变体")
    expect(page.locator("#variant")).to_contain_text("dc_connectors+=CCS2")
    expect(page.locator("#severity-blocker")).to_have_count(0)
    shot(page, "05-variant-zh")

    page.goto("/matrix?markets=TH,DE,AU&on=2026-07-01")
    expect(page.locator("#matrix a.cell")).to_have_count(3)
    page.locator("#matrix a.cell").first.click()
    expect(page.locator("#fit-score")).to_be_visible()
    shot(page, "06-matrix-cell")
