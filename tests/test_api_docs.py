"""/api/docs in a real browser (Debian's Chromium driven by Playwright) against a real server:
Swagger UI renders every operation from this server's own files and OpenAPI document, and no
request leaves its origin (the page's CSP allows 'self' only, the validator badge is off)."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import sync_playwright

from outpost.api.app import create_app
from outpost.config import Settings, sqlite_url

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture
def base_url(tmp_path: Path) -> Iterator[str]:
    app = create_app(Settings(data_dir=tmp_path, database_url=sqlite_url(tmp_path / "docs.db")))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=30)


def test_swagger_ui_renders_every_operation_from_this_origin_only(base_url: str) -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is needed for this test: apt-get install chromium ({CHROMIUM})")
    requested: list[str] = []
    failed: list[str] = []
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.on("request", lambda r: requested.append(r.url))
            page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on(
                "console",
                lambda m: problems.append(m.text) if m.type == "error" else None,
            )
            page.goto(f"{base_url}/api/docs")
            page.wait_for_selector(".opblock", timeout=30_000)
            operations = page.locator(".opblock").count()
            title = page.locator(".info .title").inner_text()
        finally:
            browser.close()
    assert operations >= 15 and "Outpost API" in title
    assert requested and all(u.startswith((base_url, "data:")) for u in requested), requested
    assert f"{base_url}/api/v1/openapi.json" in requested
    assert set(failed) <= {f"{base_url}/favicon.ico"}, failed  # every file is served
    # What 'self' only costs: Swagger UI's inline SVG icons (data: images) are not shown.
    unexpected = [
        p
        for p in problems
        if not (p.startswith("Loading the image 'data:") and "Content Security Policy" in p)
        and not p.startswith("Failed to load resource")  # the favicon: answered above
    ]
    assert not unexpected, unexpected
