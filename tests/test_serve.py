"""`outpost serve` as a real process on a free port, on SQLite and PostgreSQL: it answers
/api/v1/health, takes a token made by `outpost token create`, and stops cleanly on SIGTERM;
with a feed added through the API, its watch loop polls it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from outpost import __version__
from tests.conftest import ROOT
from tests.loopback_site import Reply, Site, serve
from tests.test_feeds import rss

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "OUTPOST_DATABASE_URL": database_url,
        "OUTPOST_DATA_DIR": str(tmp_path),
        "OUTPOST_FETCH_ALLOW_NETWORKS": "127.0.0.0/8",
    }


def outpost(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "outpost", *args]
    return subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)


def serving(env: dict[str, str], port: int, *args: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "outpost", "serve", "--port", str(port), *args]
    return subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def wait_for_health(base: str, process: subprocess.Popen[str]) -> httpx.Response:
    deadline = time.monotonic() + 90
    while True:
        assert process.poll() is None, process.communicate()
        try:
            return httpx.get(f"{base}/api/v1/health", timeout=2)
        except httpx.TransportError:
            assert time.monotonic() < deadline, "the server never answered"
            time.sleep(0.2)


def stop(process: subprocess.Popen[str]) -> tuple[str, str]:
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    return out, err


@pytest.fixture
def process_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return environment(database_url, tmp_path)


def test_serve_answers_health_takes_a_cli_token_and_stops_on_sigterm(
    process_env: dict[str, str],
) -> None:
    made = outpost(process_env, "token", "create", "ci")
    assert made.returncode == 0, made.stderr
    secret = made.stdout.strip()
    assert secret.startswith("op_") and "shown once" in made.stderr
    port = free_port()
    process = serving(process_env, port, "--no-watch")
    try:
        base = f"http://127.0.0.1:{port}"
        health = wait_for_health(base, process)
        assert health.status_code == 200
        assert health.json() == {"status": "ok", "version": __version__, "database": "ok"}
        alerts = httpx.get(f"{base}/api/v1/alerts", headers={"Authorization": f"Bearer {secret}"})
        assert alerts.status_code == 200 and alerts.json()["total"] == 0
        assert httpx.get(f"{base}/api/v1/alerts").status_code == 401
        assert httpx.get(f"{base}/api/docs").status_code == 200
    finally:
        if process.poll() is None:
            _, err = stop(process)
    assert f"http://127.0.0.1:{port}/api/v1" in err and "Stopped." in err


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_port_in_use_is_said_and_the_exit_status_is_2(
    process_env: dict[str, str], workers: str
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = serving(process_env, port, "--no-watch", "--workers", workers)
        _, err = process.communicate(timeout=90)
    assert process.returncode == 2 and "address already in use" in err


def children(pid: int) -> set[int]:
    """The processes whose parent is `pid` (read from /proc)."""
    found = set()
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            lines = status.read_text().splitlines()
        except OSError:  # ended meanwhile
            continue
        if f"PPid:\t{pid}" in lines:
            found.add(int(status.parent.name))
    return found


def test_workers_answer_together_a_dead_one_is_replaced_and_all_stop(
    process_env: dict[str, str],
) -> None:
    secret = outpost(process_env, "token", "create", "ci").stdout.strip()
    port = free_port()
    process = serving(process_env, port, "--no-watch", "--workers", "2")
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_for_health(base, process).status_code == 200
        first = children(process.pid)
        assert len(first) == 2
        auth = {"Authorization": f"Bearer {secret}"}
        with httpx.Client(base_url=base, headers=auth) as client:
            answers = [client.get("/api/v1/alerts").status_code for _ in range(20)]
        assert answers == [200] * 20
        killed = min(first)
        os.kill(killed, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while True:
            now = children(process.pid)
            if len(now) == 2 and killed not in now:
                break
            assert time.monotonic() < deadline, f"not replaced: {now}"
            time.sleep(0.2)
        assert wait_for_health(base, process).status_code == 200
    finally:
        if process.poll() is None:
            _, err = stop(process)
    assert f"worker {killed} ended" in err and "Stopped." in err
    assert children(process.pid) == set()


@pytest.fixture
def wire() -> Iterator[Site]:
    with serve() as site:
        site.routes["/quiet"] = Reply(200, rss(site, []), {"Content-Type": "application/xml"})
        yield site


@pytest.mark.parametrize("workers", ["1", "2"])
def test_the_watch_loop_of_serve_polls_a_feed_added_through_the_api(
    process_env: dict[str, str], wire: Site, workers: str
) -> None:
    # With workers, the feed is added through one of them and polled by the one loop.
    secret = outpost(process_env, "token", "create", "ci").stdout.strip()
    port = free_port()
    process = serving(process_env, port, "--workers", workers)  # no feed: the loop waits
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for_health(base, process)
        added = httpx.post(
            f"{base}/api/v1/feeds",
            json={"url": wire.url("/quiet"), "interval": 60},
            headers={"Authorization": f"Bearer {secret}"},
        )
        assert added.status_code == 201, added.text
        deadline = time.monotonic() + 180  # the loop looks every 5 s, then loads the models
        while wire.hits("/quiet") == 0:
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.5)
    finally:
        out, _ = stop(process)
    assert '"event": "cycle"' in out and '"feeds": 1' in out
