"""What the browser tests share: Debian's Chromium, a live server on loopback, a page, and the
starter data imported once per test process (the import takes ~15 s; each module copies it)."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from web_world import web_app

from autoatlas.atlas import Atlas
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

_starter: dict[Path, Path] = {}  # the empty template -> the same with data/ imported


def chromium() -> Path:
    if not CHROMIUM.exists():
        subprocess.run([str(ROOT / "scripts" / "install-system-deps.sh")], check=False)
    if not CHROMIUM.exists():
        pytest.skip(
            "/usr/bin/chromium is absent and scripts/install-system-deps.sh could not install it"
        )
    return CHROMIUM


def atlas_copy(template: Path, folder: Path, *, starter: bool) -> Atlas:
    """A fresh database in `folder`: a copy of the empty template, or of the template with the
    shipped data imported (made once per process)."""
    if starter and template not in _starter:
        loaded = template.with_name(template.stem + "-starter.db")
        shutil.copyfile(template, loaded)
        importer = Atlas(Settings(database_url=f"sqlite:///{loaded}"))
        importer.import_files([ROOT / "data"])
        importer.engine.dispose()
        _starter[template] = loaded
    shutil.copyfile(_starter[template] if starter else template, folder / "atlas.db")
    return Atlas(Settings(database_url=f"sqlite:///{folder / 'atlas.db'}"))


@contextmanager
def live_server(atlas: Atlas) -> Iterator[str]:
    """The web app on a free loopback port, in a thread; its base URL."""
    server = uvicorn.Server(
        uvicorn.Config(
            web_app(atlas), host="127.0.0.1", port=0, log_level="warning", lifespan="off"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        atlas.engine.dispose()


@contextmanager
def browser_page(base_url: str, **context: Any) -> Iterator[Any]:
    """A headless Chromium tab on `base_url` (Playwright), closed afterwards."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    executable = chromium()
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(executable), args=ARGS, headless=True
        )
        tabs = browser.new_context(
            base_url=base_url, viewport={"width": 1200, "height": 900}, **context
        )
        tab = tabs.new_page()
        tab.set_default_timeout(20_000)
        try:
            yield tab
        finally:
            tabs.close()
            browser.close()


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)
