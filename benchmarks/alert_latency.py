"""Time from an article appearing in a feed to its alert reaching a webhook, through a real
`outpost watch` process: p50, p95 and max over the articles.

    .venv/bin/python benchmarks/alert_latency.py [--articles 200] [--rate 2] [--interval 1]

A feed on loopback publishes real articles (the VOA stories, then the factRuEval texts) at
`--rate` per second, newest 50 in the feed, each with its page; `outpost watch` polls it
every `--interval` seconds with a rule that every article meets, and delivers to a webhook
receiver on loopback that notes when each alert arrives. Each article's date is ten days
from the last one's, so each is a story of its own and raises its own alert (an article that
joins a story updates its alert, which is not sent again): what is measured is the pipeline,
not the clustering.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
SECRET = "latency-benchmark"
RULES = """
rules:
  - id: everything
    name: Every article
    min_spike: 0
    deliver: [webhook:bench]
webhooks:
  bench: {{url: "{url}", secret_env: BENCH_SECRET}}
"""


def corpus(n: int) -> list[tuple[str, str]]:
    """(title, text) of real articles: VOA stories first, then factRuEval texts."""
    items = [
        (o["title"], o["text"])
        for o in map(json.loads, (DATA / "voa" / "voa_stories.jsonl").read_text().splitlines())
    ]
    for path in sorted((DATA / "factru" / "dev").glob("book_*.txt")):
        text = path.read_text(encoding="utf-8").strip()
        items.append((text.split("\n")[0][:120], text))
    return items[:n]


class Wire:
    """The feed's state: which articles have appeared, and when."""

    def __init__(self, items: list[tuple[str, str]]) -> None:
        self.items = items
        self.appeared: dict[int, float] = {}
        self.alerts: dict[int, float] = {}
        self.lock = threading.Lock()
        self.base = datetime(2000, 1, 1, tzinfo=UTC)

    def rss(self, host: str) -> bytes:
        with self.lock:
            shown = sorted(self.appeared)[-50:]
        entries = "".join(
            f"<item><title>{escape(self.items[i][0])}</title><link>{host}/a/{i}</link>"
            f"<guid>bench-{i}</guid>"
            f"<pubDate>{format_datetime(self.base + timedelta(days=10 * i))}</pubDate></item>"
            for i in reversed(shown)
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Bench wire</title><link>{host}/</link><description>b</description>"
            f"{entries}</channel></rss>"
        ).encode()

    def page(self, i: int) -> bytes:
        title, text = self.items[i]
        paragraphs = "".join(f"<p>{escape(p)}</p>" for p in text.split("\n") if p.strip())
        return (
            f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f"</head><body><article><h1>{escape(title)}</h1>{paragraphs}</article></body></html>"
        ).encode()


def serve(wire: Wire) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            host = f"http://127.0.0.1:{self.server.server_address[1]}"
            if self.path == "/rss":
                self._reply(wire.rss(host), "application/rss+xml")
            elif self.path.startswith("/a/"):
                self._reply(wire.page(int(self.path[3:])), "text/html; charset=utf-8")
            else:
                self.send_error(404)

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            arrived = time.monotonic()
            urls = {str(e.get("url") or "") for e in body.get("evidence", [])}
            with wire.lock:
                for url in urls:
                    if "/a/" in url:
                        wire.alerts.setdefault(int(url.rsplit("/", 1)[1]), arrived)
            self.send_response(200)
            self.end_headers()

        def _reply(self, body: bytes, kind: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--rate", type=float, default=2.0, help="articles per second")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls")
    args = parser.parse_args()
    wire = Wire(corpus(args.articles))
    server, host = serve(wire)
    folder = Path(tempfile.mkdtemp(prefix="outpost-latency-"))
    rules = folder / "rules.yaml"
    rules.write_text(RULES.format(url=f"{host}/hook"), encoding="utf-8")
    env = {
        **os.environ,
        "OUTPOST_DATA_DIR": str(folder),
        "OUTPOST_FETCH_ALLOW_NETWORKS": "127.0.0.0/8",
        "BENCH_SECRET": SECRET,
    }
    command = [sys.executable, "-m", "outpost", "watch", "--feed", f"{host}/rss"]
    command += ["--interval", str(args.interval), "--every", "0.5", "--rules", str(rules)]
    watch = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
    assert watch.stdout is not None
    first = watch.stdout.readline()  # the first cycle: models are loaded, the feed is empty
    assert json.loads(first)["event"] == "cycle", first
    started = time.monotonic()
    for i in range(len(wire.items)):
        time.sleep(max(0.0, started + i / args.rate - time.monotonic()))
        with wire.lock:
            wire.appeared[i] = time.monotonic()
    deadline = time.monotonic() + 120
    while len(wire.alerts) < len(wire.items) and time.monotonic() < deadline:
        time.sleep(0.2)
    watch.send_signal(signal.SIGTERM)
    watch.communicate(timeout=60)
    server.shutdown()
    report(wire, args)


def report(wire: Wire, args: argparse.Namespace) -> None:
    latencies = sorted(wire.alerts[i] - wire.appeared[i] for i in wire.alerts)
    table = Table(title=f"Feed to webhook through `outpost watch` (poll every {args.interval} s)")
    for column in ("articles", "alerts", "rate/s", "p50 s", "p95 s", "max s"):
        table.add_column(column, justify="right")
    p95 = latencies[int(0.95 * (len(latencies) - 1))] if latencies else float("nan")
    table.add_row(
        str(len(wire.items)),
        str(len(latencies)),
        f"{args.rate:g}",
        f"{statistics.median(latencies):.2f}" if latencies else "—",
        f"{p95:.2f}",
        f"{latencies[-1]:.2f}" if latencies else "—",
    )
    Console().print(table)


if __name__ == "__main__":
    main()
