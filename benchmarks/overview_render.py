"""The overview's first render in a real browser: from navigation start to the map's cells
and the charts drawn, over a real `outpost serve` on loopback; p50, p95 and max, cold and warm.

    .venv/bin/python benchmarks/overview_render.py [--database URL] [--loads 10]

Without --database, a fresh demo store is made (`outpost demo --no-serve` in a folder of its
own). Debian's Chromium, driven by Playwright, loads the overview (/) signed in; a script the
browser runs before the page's own notes performance.now() (milliseconds since navigation
start) when the map sets `data-cells` (its cells are on the map) and when the charts set
`data-drawn` (every chart is drawn): what the browser test of the overview waits for. The
first render is the later of the two. Cold: a new browser context for each load (nothing
cached, a new connection); warm: loads again in one context (the scripts, styles and the
map's outlines cached). The first load after the server starts ("first load": cold, and the
server's caches empty) is shown on its own. Goal: p95 <= 1.5 s. A large store to try it on:
benchmarks/workspace_data.py.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx
from playwright.sync_api import Browser, BrowserContext, sync_playwright
from rich.console import Console
from rich.table import Table

from workspace_http import free_port, make_token, percentile, sign_in, start_server

CHROMIUM = "/usr/bin/chromium"  # Debian's: Playwright never downloads a browser here
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
GOAL_MS = 1500.0
# Runs before the page's scripts, as the DevTools protocol's, so the page's policy allows it.
OBSERVE = """
window.drawn = {};
new MutationObserver((records) => {
  const now = performance.now();
  for (const record of records) {
    const id = record.target.id, name = record.attributeName;
    if (name === "data-error") { window.drawn.error = record.target.getAttribute(name); }
    if (id === "event-map" && name === "data-cells" && !("map" in window.drawn)) {
      window.drawn.map = now;
    }
    if (id === "charts" && name === "data-drawn" && !("charts" in window.drawn)) {
      window.drawn.charts = now;
    }
  }
}).observe(document, {
  subtree: true, attributes: true, attributeFilter: ["data-cells", "data-drawn", "data-error"]
});
"""
DONE = "() => window.drawn.error || (window.drawn.map >= 0 && window.drawn.charts >= 0)"


@dataclass(frozen=True)
class Load:
    """One load of the overview: milliseconds from navigation start to each part drawn."""

    map: float
    charts: float

    @property
    def both(self) -> float:
        return max(self.map, self.charts)


def demo_store(folder: Path) -> str:
    """A fresh demo store in `folder`: the bundled samples, analysed, in stories, alerted."""
    env = {**os.environ, "OUTPOST_DATA_DIR": str(folder)}
    command = [sys.executable, "-m", "outpost", "demo", "--no-serve", "--json"]
    made = subprocess.run(command, env=env, capture_output=True, text=True)
    if made.returncode:
        raise SystemExit(f"outpost demo failed: {made.stderr[-2000:]}")
    return f"sqlite:///{folder / 'demo.db'}"


def load(context: BrowserContext, base: str) -> Load:
    page = context.new_page()
    page.goto(f"{base}/")
    page.wait_for_function(DONE, timeout=60_000)
    drawn: dict[str, float | str] = page.evaluate("window.drawn")
    page.close()
    if "error" in drawn:
        raise SystemExit(f"the overview failed to draw: {drawn['error']}")
    return Load(float(drawn["map"]), float(drawn["charts"]))


def signed_in(browser: Browser, base: str, cookies: httpx.Cookies) -> BrowserContext:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-GB")
    context.add_cookies([{"name": n, "value": v, "url": base} for n, v in cookies.items()])
    context.add_init_script(OBSERVE)
    return context


def measure(
    browser: Browser, base: str, cookies: httpx.Cookies, loads: int
) -> dict[str, list[Load]]:
    first = signed_in(browser, base, cookies)
    found = {"first load": [load(first, base)]}
    first.close()
    found["cold"] = []
    for _ in range(loads):
        context = signed_in(browser, base, cookies)
        found["cold"].append(load(context, base))
        context.close()
    context = signed_in(browser, base, cookies)
    load(context, base)  # fills the cache
    found["warm"] = [load(context, base) for _ in range(loads)]
    context.close()
    return found


def run(args: argparse.Namespace) -> dict[str, list[Load]]:
    folder = Path(tempfile.mkdtemp(prefix="outpost-overview-"))
    database = args.database or demo_store(folder)
    env = {**os.environ, "OUTPOST_DATABASE_URL": database, "OUTPOST_DATA_DIR": str(folder)}
    secret = make_token(env)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(env, port)
    try:
        cookies = sign_in(base, secret)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            found = measure(browser, base, cookies, args.loads)
            browser.close()
        return found
    finally:
        server.terminate()
        server.wait(timeout=30)


def report(found: dict[str, list[Load]], database: str) -> None:
    table = Table(title=f"The overview's first render in Chromium, ms ({database})")
    table.add_column("case", justify="left")
    for column in ("loads", "map p50", "charts p50", "p50", "p95", "max", "goal"):
        table.add_column(column, justify="right")
    for case, loads in found.items():
        both = [x.both for x in loads]
        p95 = percentile(both, 0.95)
        table.add_row(
            case,
            str(len(loads)),
            f"{statistics.median(x.map for x in loads):.0f}",
            f"{statistics.median(x.charts for x in loads):.0f}",
            f"{statistics.median(both):.0f}",
            f"{p95:.0f}" if p95 <= GOAL_MS else f"[red]{p95:.0f}[/]",
            f"{max(both):.0f}",
            f"{GOAL_MS:.0f}",
        )
    Console().print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", help="the store's URL (default: a fresh demo store)")
    parser.add_argument("--loads", type=int, default=10, help="loads per case")
    args = parser.parse_args()
    found = run(args)
    report(found, "the demo store" if args.database is None else "--database")


if __name__ == "__main__":
    main()
