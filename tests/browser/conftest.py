"""Browser tests: Debian's Chromium, driven by Playwright for Python, against a real server
process (`python -m outpost.web.server` on a free loopback port) over a SQLite store of the
analysed sample articles and a hostile one.

Playwright never downloads a browser here: the system's /usr/bin/chromium is launched with
networking in the background turned off. A missing browser is a failure, never a skip (CI
installs it: .ci/run). Every page a test opens records its requests, console messages and
errors; a request to any other address than the server, a policy violation or a script
error fails the test. With OUTPOST_SCREENSHOTS=<folder>, the tests save their screenshots
there too.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, sync_playwright
from sqlalchemy import Engine

from outpost.config import Settings, sqlite_url
from outpost.services.context import Context, operator
from outpost.services.tokens import create_api_token
from outpost.store import connect
from tests.conftest import ROOT
from tests.test_web_support import PRINCIPAL, prepare

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SRC = ROOT / "src"


@dataclass
class Live:
    """The server process and what the tests need to reach it and its store."""

    url: str
    secret: str
    engine: Engine
    ctx: Context
    log: Path


@dataclass
class Watched:
    """What a page did: its requests, console messages and uncaught errors."""

    requests: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(f"{url}/signin", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    pytest.fail("the server did not answer within 60 s")


@pytest.fixture(scope="package")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    folder = tmp_path_factory.mktemp("live")
    url = sqlite_url(folder / "outpost.db")
    settings = Settings(data_dir=folder / "data", database_url=url)
    engine = connect(url)
    prepare(engine, settings)
    ctx = Context(engine, settings, operator())
    _, secret = create_api_token(ctx, "browser tests", PRINCIPAL)
    port = _free_port()
    env = {
        **os.environ,
        "OUTPOST_DATA_DIR": str(settings.data_dir),
        "OUTPOST_DATABASE_URL": url,
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
    }
    log = folder / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "outpost.web.server", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process, log)
        yield Live(base, secret, engine, ctx, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover - a stuck server
            process.kill()
        engine.dispose()


# Package scope: Playwright's sync API runs an event loop while it is started, so it must
# stop when the browser tests end, before the suite's asyncio tests run.
@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield launched
    launched.close()


def _watch(page: Page, watched: Watched) -> None:
    page.on("request", lambda request: watched.requests.append(request.url))

    def console(message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            watched.console.append(f"{message.type}: {message.text}")

    page.on("console", console)
    page.on("pageerror", lambda error: watched.errors.append(str(error)))

    def dialog(d: object) -> None:
        watched.dialogs.append(getattr(d, "message", ""))
        d.dismiss()  # type: ignore[attr-defined]

    page.on("dialog", dialog)


def _foreign(requests: list[str], base: str) -> list[str]:
    return [
        url for url in requests if not url.startswith(f"{base}/") and not url.startswith("data:")
    ]


@pytest.fixture
def watched() -> Watched:
    return Watched()


@pytest.fixture
def page(browser: Browser, live: Live, watched: Watched) -> Iterator[Page]:
    """A fresh browser context (no cookies), English, a laptop's screen."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-GB")
    opened = context.new_page()
    _watch(opened, watched)
    yield opened
    context.close()
    assert _foreign(watched.requests, live.url) == [], "requests to another host"
    assert watched.errors == [], "script errors"
    assert [m for m in watched.console if "Refused" in m or "Content Security" in m] == []
    assert watched.dialogs == [], "a dialog opened: a script of an article ran"


def sign_in(page: Page, live: Live, path: str = "/") -> None:
    page.goto(f"{live.url}/signin?next={path}")
    page.locator("#token").fill(live.secret)  # by id: the label is in the page's language
    page.locator("main form.signin-token button[type=submit]").click()
    page.wait_for_url(f"{live.url}{path}")


def sign_in_as(page: Page, live: Live, username: str, password: str, path: str) -> None:
    """Sign in with a username and password, as people do, and land on `path`."""
    page.goto(f"{live.url}/signin?next={path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(f"{live.url}{path}")


def screenshot(page: Page, name: str, folder: Path) -> Path:
    """Save a full-page screenshot in `folder`, and in OUTPOST_SCREENSHOTS if set."""
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    extra = os.environ.get("OUTPOST_SCREENSHOTS")
    if extra:
        Path(extra).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(extra) / f"{name}.png"), full_page=True)
    return path


def axe_violations(page: Page) -> list[str]:
    """Serious and critical accessibility violations axe-core finds in the page as it is.

    axe is evaluated through the DevTools protocol, which the page's policy does not govern,
    so the page keeps its policy while it is checked."""
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `npm ci` (make install-test)")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await window.axe.run(document)")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
