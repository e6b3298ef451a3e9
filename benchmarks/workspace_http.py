"""Latency of the workspace under concurrent clients: a real `outpost serve` process on
loopback over a store (build a big one with benchmarks/workspace_data.py), N clients at once
per endpoint, p50/p95/max per endpoint in one table.

    .venv/bin/python benchmarks/workspace_http.py --database sqlite:////path/big.db
    .venv/bin/python benchmarks/workspace_http.py --database postgresql://localhost/test?... \
        --clients 20 --requests 400

Goals of issue 12: p95 <= 150 ms for lists and search, <= 300 ms for the overview.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

# (label, path, how it signs in): "bearer" for the API, "cookie" for the pages.
ENDPOINTS: tuple[tuple[str, str, str], ...] = (
    ("event list (page)", "/events", "cookie"),
    ("event list, country + domain (page)", "/events?country=AF&domain=terrorism", "cookie"),
    ("search (page)", "/search?q=border%20attack", "cookie"),
    ("story list (page)", "/stories", "cookie"),
    ("event list, country + domain (API)", "/api/v1/events?country=AF&domain=terrorism", "bearer"),
    ("search (API)", "/api/v1/search?q=border%20attack", "bearer"),
    ("story list (API)", "/api/v1/stories", "bearer"),
    ("indicator series (API)", "/api/v1/indicators?kind=country", "bearer"),
    ("alerts (API)", "/api/v1/alerts?limit=50", "bearer"),
    ("overview (page)", "/", "cookie"),
    ("overview map data", "/overview/map.json", "cookie"),
    ("overview charts data", "/overview/charts.json", "cookie"),
)
GOALS_MS = {
    "overview (page)": 300.0,
    "overview map data": 300.0,
    "overview charts data": 300.0,
}
LIST_GOAL_MS = 150.0


@dataclass(frozen=True)
class Timing:
    label: str
    p50: float
    p95: float
    worst: float
    per_second: float
    errors: int


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(env: dict[str, str], port: int, workers: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "outpost", "serve", "--port", str(port), "--no-watch"]
    command += ["--workers", str(workers)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.5)
    server.kill()
    raise SystemExit(
        f"the server did not start: {server.stderr.read().decode() if server.stderr else ''}"
    )


def make_token(env: dict[str, str]) -> str:
    from outpost.config import load_settings
    from outpost.services.context import open_context, operator
    from outpost.services.tokens import create_api_token

    ctx = open_context(load_settings(env), operator())
    _, secret = create_api_token(ctx, "benchmark")
    ctx.engine.dispose()
    return secret


def sign_in(base: str, secret: str) -> httpx.Cookies:
    with httpx.Client(base_url=base, timeout=30) as client:
        page = client.get("/signin").text
        found = re.search(r'name="csrf_token" value="([^"]+)"', page)
        if not found:
            raise SystemExit("no CSRF token on the sign-in page")
        done = client.post("/signin", data={"token": secret, "csrf_token": found.group(1)})
        if done.status_code not in (200, 303):
            raise SystemExit(f"sign-in failed: HTTP {done.status_code}")
        return client.cookies


async def measure(
    base: str, path: str, headers: dict[str, str], cookies: httpx.Cookies, clients: int, total: int
) -> tuple[list[float], int, float]:
    latencies: list[float] = []
    errors = 0
    todo = iter(range(total))
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(
        base_url=base, headers=headers, cookies=cookies, limits=limits, timeout=60
    ) as client:

        async def worker() -> None:
            nonlocal errors
            for _ in todo:
                started = time.perf_counter()
                try:
                    response = await client.get(path)
                    errors += response.status_code >= 400
                except httpx.TimeoutException:  # counted as an error, at the time it took
                    errors += 1
                latencies.append((time.perf_counter() - started) * 1000)

        with contextlib.suppress(httpx.TimeoutException):
            await client.get(path)  # warm: the first request of a route builds its caches
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return latencies, errors, elapsed


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(args: argparse.Namespace) -> list[Timing]:
    env = {**os.environ, "OUTPOST_DATABASE_URL": args.database}
    env.setdefault("OUTPOST_DATA_DIR", str(Path(args.data_dir).resolve()))
    port = args.port or free_port()
    base = f"http://127.0.0.1:{port}"
    secret = make_token(env)
    server = start_server(env, port, args.workers)
    try:
        cookies = sign_in(base, secret)
        timings = []
        for label, path, how in ENDPOINTS:
            if args.only and args.only not in label:
                continue
            headers = {"Authorization": f"Bearer {secret}"} if how == "bearer" else {}
            jar = cookies if how == "cookie" else httpx.Cookies()
            lat, errors, elapsed = asyncio.run(
                measure(base, path, headers, jar, args.clients, args.requests)
            )
            timings.append(
                Timing(
                    label,
                    statistics.median(lat),
                    percentile(lat, 0.95),
                    max(lat),
                    len(lat) / elapsed,
                    errors,
                )
            )
        return timings
    finally:
        server.terminate()
        server.wait(timeout=60)  # the workers have 30 s to finish


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="the store's URL")
    parser.add_argument("--data-dir", default=".bench-data", help="OUTPOST_DATA_DIR of the server")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=400, help="per endpoint")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--workers", type=int, default=1, help="outpost serve --workers")
    parser.add_argument("--only", help="measure only the endpoints whose label contains this")
    args = parser.parse_args()
    Path(args.data_dir).mkdir(parents=True, exist_ok=True)
    timings = run(args)
    title = f"{args.clients} clients, {args.requests} requests per endpoint, {args.workers} workers"
    table = Table(title=title)
    for column in ("endpoint", "p50 ms", "p95 ms", "max ms", "req/s", "errors", "goal p95"):
        table.add_column(column, justify="left" if column == "endpoint" else "right")
    for t in timings:
        goal = GOALS_MS.get(t.label, LIST_GOAL_MS)
        table.add_row(
            t.label,
            f"{t.p50:.1f}",
            f"{t.p95:.1f}" if t.p95 <= goal else f"[red]{t.p95:.1f}[/]",
            f"{t.worst:.1f}",
            f"{t.per_second:.0f}",
            str(t.errors),
            f"{goal:.0f}",
        )
    Console().print(table)


if __name__ == "__main__":
    main()
