"""Time from an article appearing in a feed to its alert appearing in an inbox open in a real
browser, through a real `outpost serve` and its watch loop: p50, p95 and max over the articles.

    .venv/bin/python benchmarks/inbox_latency.py [--articles 30] [--rate 1] [--interval 1]

The feed of benchmarks/alert_latency.py (real articles, each a story of its own) publishes at
`--rate` per second on loopback; `outpost serve` polls it every `--interval` seconds (a feed
of its settings file) with a rule every article meets, in-app only. Debian's Chromium, driven
by Playwright, has the inbox (/alerts) open; a MutationObserver in the page notes Date.now()
when each alert's node enters the list, and the publisher notes time.time() when each article
appears in the feed: both the machine's wall clock. What is measured is the whole way: the
poll, fetching the page, analysis, clustering, the rule, the page's stream (which polls the
store every second) and htmx's swap. Goal: p95 <= 10 s.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import Page, sync_playwright
from rich.console import Console
from rich.table import Table

from alert_latency import Wire, corpus, serve
from workspace_http import free_port, make_token

CHROMIUM = "/usr/bin/chromium"  # Debian's: Playwright never downloads a browser here
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
RULE = "Every article"
RULES = f"""
rules:
  - id: everything
    name: {RULE}
    min_spike: 0
"""
SETTINGS = """
rules = "rules.yaml"
fetch_allow_networks = ["127.0.0.0/8"]

[[feeds]]
url = "{url}"
interval = {interval}
"""
GOAL_P95 = 10.0  # seconds
# Notes, for each alert node put into the list, when (Date.now()) and its title; an alert
# updated later is put in again, and only its first appearance counts.
OBSERVE = """() => {
  window.seen = {};
  new MutationObserver((records) => {
    const now = Date.now();
    for (const record of records) {
      for (const node of record.addedNodes) {
        if (node.nodeType === 1 && node.id.startsWith("alert-") && !(node.id in window.seen)) {
          const title = node.querySelector("h2");
          window.seen[node.id] = { at: now, title: title ? title.textContent.trim() : "" };
        }
      }
    }
  }).observe(document.getElementById("alert-list"), { childList: true });
}"""


def start(folder: Path, env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    """`outpost serve` with its watch loop, once the loop has polled the (empty) feed: its
    models are loaded. Its log (one JSON line per cycle) goes to serve.log."""
    with (folder / "serve.log").open("wb") as out, (folder / "serve.err").open("wb") as err:
        command = [sys.executable, "-m", "outpost", "serve", "--port", str(port)]
        server = subprocess.Popen(command, env=env, stdout=out, stderr=err)
    deadline = time.monotonic() + 300
    while '"event": "cycle"' not in (folder / "serve.log").read_text(errors="replace"):
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            raise SystemExit(f"the server did not start: {(folder / 'serve.err').read_text()}")
        time.sleep(0.2)
    httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=10).raise_for_status()
    return server


def open_inbox(page: Page, base: str, secret: str) -> None:
    page.goto(f"{base}/signin?next=/alerts")
    page.locator("#token").fill(secret)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base}/alerts")
    page.evaluate(OBSERVE)


def publish(wire: Wire, rate: float) -> None:
    started = time.time()
    for i in range(len(wire.items)):
        time.sleep(max(0.0, started + i / rate - time.time()))
        with wire.lock:
            wire.appeared[i] = time.time()


def shown(page: Page, wire: Wire, seconds: float) -> dict[int, float]:
    """Article index -> wall-clock time its alert appeared, waiting at most `seconds` for all."""
    titles = {f"{RULE}: {title}": i for i, (title, _) in enumerate(wire.items)}
    deadline = time.monotonic() + seconds
    while True:
        seen: dict[str, dict[str, float | str]] = page.evaluate("window.seen")
        found = {
            titles[str(s["title"])]: float(s["at"]) / 1000
            for s in seen.values()
            if s["title"] in titles
        }
        if len(found) == len(titles) or time.monotonic() > deadline:
            return found
        page.wait_for_timeout(500)


def run(args: argparse.Namespace) -> tuple[Wire, dict[int, float]]:
    wire = Wire(corpus(args.articles))
    feed, host = serve(wire)
    folder = Path(tempfile.mkdtemp(prefix="outpost-inbox-"))
    (folder / "rules.yaml").write_text(RULES, encoding="utf-8")
    config = folder / "outpost.toml"
    config.write_text(SETTINGS.format(url=f"{host}/rss", interval=args.interval), "utf-8")
    env = {
        **os.environ,
        "OUTPOST_CONFIG": str(config),
        "OUTPOST_DATA_DIR": str(folder),
        "OUTPOST_DATABASE_URL": f"sqlite:///{folder / 'outpost.db'}",
    }
    secret = make_token(env)
    port = free_port()
    server = start(folder, env, port)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            open_inbox(page, f"http://127.0.0.1:{port}", secret)
            publish(wire, args.rate)
            found = shown(page, wire, args.wait)
            browser.close()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        feed.shutdown()
    return wire, found


def report(wire: Wire, found: dict[int, float], args: argparse.Namespace) -> None:
    latencies = sorted(found[i] - wire.appeared[i] for i in found)
    table = Table(
        title=f"Feed to the open inbox through `outpost serve` (poll every {args.interval:g} s)"
    )
    for column in ("articles", "alerts shown", "rate/s", "p50 s", "p95 s", "max s", "goal p95"):
        table.add_column(column, justify="right")
    p95 = latencies[int(0.95 * (len(latencies) - 1))] if latencies else float("nan")
    table.add_row(
        str(len(wire.items)),
        str(len(latencies)),
        f"{args.rate:g}",
        f"{statistics.median(latencies):.2f}" if latencies else "—",
        f"{p95:.2f}" if p95 <= GOAL_P95 else f"[red]{p95:.2f}[/]",
        f"{latencies[-1]:.2f}" if latencies else "—",
        f"{GOAL_P95:g}",
    )
    Console().print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=30)
    parser.add_argument("--rate", type=float, default=1.0, help="articles per second")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls")
    parser.add_argument(
        "--wait", type=float, default=120.0, help="seconds to wait for the last alerts"
    )
    args = parser.parse_args()
    wire, found = run(args)
    report(wire, found, args)


if __name__ == "__main__":
    main()
