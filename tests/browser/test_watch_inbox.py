"""The watch loop of a real `outpost serve` raises an alert, and it appears in an inbox open in
the browser, without a reload, and is acknowledged there.

`outpost serve` runs on its own SQLite store, with a settings file naming a rule every new
article meets and a feed on loopback polled every second. The inbox is opened once the watch
loop has polled the (still empty) feed, so its models are loaded; then an article is published
in the feed, and nothing else touches the store: the alert comes from the loop.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from outpost.config import Settings, sqlite_url
from outpost.services.alerts import list_alerts
from outpost.services.context import Context, operator
from outpost.services.tokens import create_api_token
from outpost.store import connect
from tests.browser.conftest import SRC, Live, _free_port, _wait_until_up, sign_in
from tests.conftest import ROOT
from tests.loopback_site import Reply, Site, article_html, html_reply, serve
from tests.test_feeds import ENTRIES, STORIES, rss
from tests.test_web_support import PRINCIPAL

pytestmark = pytest.mark.slow

RULES = """
rules:
  - id: everything
    name: Every new article
    min_spike: 0
"""
SETTINGS = """
rules = "rules.yaml"
fetch_allow_networks = ["127.0.0.0/8"]

[[feeds]]
url = "{url}"
interval = 1
"""
LOADED = 240  # seconds the loop may take to load its models and poll the feed once
SHOWN = 30_000  # ms from publication to the alert in the open inbox, at most
ENTRY = ENTRIES[0]  # "Convoy stopped at Panj"


@pytest.fixture
def wire() -> Iterator[Site]:
    """The feed on loopback, empty until the test publishes in it."""
    with serve() as site:
        site.routes["/rss"] = Reply(200, rss(site, []), {"Content-Type": "application/xml"})
        yield site


def publish(site: Site) -> None:
    site.routes[ENTRY.path] = html_reply(article_html(ENTRY.title, STORIES[ENTRY.slug]))
    site.routes["/rss"] = Reply(200, rss(site, [ENTRY]), {"Content-Type": "application/xml"})


def cycles(log: Path) -> int:
    """The watch loop's cycles so far: it logs one JSON line each on the standard output."""
    return log.read_text(errors="replace").count('"event": "cycle"')


# Overrides the package's `live` (a server without a watch loop, over the samples), so the
# `page` fixture watches this server's pages.
@pytest.fixture
def live(tmp_path: Path, wire: Site) -> Iterator[Live]:
    (tmp_path / "rules.yaml").write_text(RULES, encoding="utf-8")
    config = tmp_path / "outpost.toml"
    config.write_text(SETTINGS.format(url=wire.url("/rss")), encoding="utf-8")
    url = sqlite_url(tmp_path / "outpost.db")
    engine = connect(url)
    ctx = Context(engine, Settings(data_dir=tmp_path, database_url=url), operator())
    _, secret = create_api_token(ctx, "browser tests", PRINCIPAL)
    port = _free_port()
    env = {
        **os.environ,
        "OUTPOST_CONFIG": str(config),
        "OUTPOST_DATA_DIR": str(tmp_path),
        "OUTPOST_DATABASE_URL": url,
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
    }
    log, errors = tmp_path / "serve.log", tmp_path / "serve.err"
    with log.open("wb") as out, errors.open("wb") as err:
        command = [sys.executable, "-m", "outpost", "serve", "--port", str(port)]
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=err)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process, errors)
        deadline = time.monotonic() + LOADED
        while cycles(log) == 0:
            assert process.poll() is None, errors.read_text(errors="replace")[-2000:]
            assert time.monotonic() < deadline, "the watch loop never polled the feed"
            time.sleep(0.2)
        yield Live(base, secret, engine, ctx, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:  # pragma: no cover - a stuck server
            process.kill()
        engine.dispose()


def test_the_watch_loop_raises_an_alert_that_appears_in_the_open_inbox(
    page: Page, live: Live, wire: Site
) -> None:
    assert wire.hits("/rss") >= 1  # the loop is running: it has polled the empty feed
    sign_in(page, live, "/alerts")
    expect(page.locator("#alert-list > li")).to_have_count(0)
    page.evaluate("window.stillHere = true")
    publish(wire)
    row = page.locator("#alert-list > li", has_text=ENTRY.title)
    expect(row).to_be_visible(timeout=SHOWN)
    assert page.evaluate("window.stillHere") is True  # no reload
    expect(row.locator("h2")).to_have_text(f"Every new article: {ENTRY.title}")
    alert_id = int(str(row.get_attribute("id")).removeprefix("alert-"))
    assert wire.hits(ENTRY.path) == 1  # the loop fetched the article's page
    row.get_by_role("button", name="Acknowledge").click()
    expect(page.locator(f"#alert-{alert_id}.state-acknowledged")).to_be_visible()
    expect(page.locator(f"#alert-{alert_id}")).to_have_count(1)
    assert page.evaluate("window.stillHere") is True
    [stored] = [a for a in list_alerts(live.ctx, limit=None) if a.id == alert_id]
    assert (stored.rule_id, stored.state) == ("everything", "acknowledged")
    assert stored.title == f"Every new article: {ENTRY.title}"
