"""Live updates of the alerts inbox over a real HTTP server (uvicorn on loopback), on SQLite
and PostgreSQL: an alert raised after the page was made arrives within seconds as a fragment
htmx puts at the top, a change of state replaces it, a filtered inbox drops what no longer
matches, and the stream ends with the session."""

from __future__ import annotations

import contextlib
import queue
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import uvicorn

from outpost.records import Principal
from outpost.services.alerts import set_alert_state
from outpost.services.tokens import create_api_token, revoke_api_token
from outpost.store.alerts import raise_alert
from outpost.web.pages import alerts as alert_pages
from outpost.web.sessions import COOKIE, Session, encode
from tests.test_web_support import Site, csrf_of, site

__all__ = ["site"]
WAIT = 8.0  # seconds an update may take to arrive (the stream polls every second)
HOSTILE = '<img src=x onerror=alert("live")> Convoy attacked'


@dataclass
class Server:
    url: str
    site: Site


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(site: Site) -> Iterator[Server]:
    port = free_port()
    config = uvicorn.Config(site.app, host="127.0.0.1", port=port, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not running.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert running.started, "the server did not start"
    yield Server(f"http://127.0.0.1:{port}", site)
    running.should_exit = True
    thread.join(timeout=10)
    assert not thread.is_alive(), "a stream kept the server from stopping"


def session_cookie(server: Server) -> str:
    """The session cookie of a sign-in with the site's token."""
    with httpx.Client(base_url=server.url, timeout=10) as c:
        form = c.get("/signin").text
        answer = c.post("/signin", data={"token": server.site.secret, "csrf_token": csrf_of(form)})
        assert answer.status_code == 303
        return str(c.cookies[COOKIE])


@contextmanager
def listening(server: Server, path: str, cookie: str) -> Iterator[queue.Queue[str | None]]:
    """The stream's lines, read by a thread into a queue (None: the stream ended). A plain
    HTTP/1.0 socket, so that leaving closes the connection for certain, as a browser does."""
    host, port = server.url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=30)
    head = f"GET {path} HTTP/1.0\r\nHost: {host}\r\nCookie: {COOKIE}={cookie}\r\n\r\n"
    sock.sendall(head.encode())
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        try:
            with sock.makefile("rb") as stream:
                status = stream.readline().decode()
                lines.put(status.strip())
                for raw in stream:
                    lines.put(raw.decode("utf-8").rstrip("\r\n"))
        except OSError:
            pass
        finally:
            lines.put(None)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        yield lines
    finally:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()
        reader.join(timeout=5)


def next_event(lines: queue.Queue[str | None], wanted: str) -> str | None:
    """The data of the next `alerts` event containing `wanted`, or None at the deadline."""
    deadline = time.monotonic() + WAIT
    data: list[str] = []
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=max(0.05, deadline - time.monotonic()))
        except queue.Empty:
            return None
        if line is None:
            return None
        if line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
        elif line == "" and data:
            joined = "\n".join(data)
            data = []
            if wanted in joined:
                return joined
    return None


def raise_one(site: Site, subject: str) -> int:
    with site.ctx.engine.begin() as conn:
        alert_id, created = raise_alert(
            conn,
            "live-test",
            subject,
            None,
            {"severity": "severe", "urgency": "immediate", "certainty": "observed"},
            HOSTILE,
            [{"kind": "event", "label": "ATTACK", "sentence": "A convoy was attacked."}],
            [],
            datetime.now(UTC),
        )
    assert created
    return alert_id


def stream_path() -> str:
    return f"/alerts/stream?after={datetime.now(UTC).timestamp():.6f}"


def test_a_new_alert_arrives_and_its_change_follows(server: Server) -> None:
    with listening(server, stream_path(), session_cookie(server)) as lines:
        time.sleep(1.5)  # the stream is open and has polled
        alert_id = raise_one(server.site, f"live:{time.time()}")
        arrived = next_event(lines, f'id="alert-{alert_id}"')
        assert arrived is not None, "the new alert did not arrive"
        assert 'hx-swap-oob="afterbegin:#alert-list"' in arrived
        removal = arrived.index(f'<li id="alert-{alert_id}" hx-swap-oob="delete"></li>')
        assert removal < arrived.index("afterbegin")  # no duplicate, and not removed after
        assert "&lt;img src=x onerror=alert(&#34;live&#34;)&gt; Convoy attacked" in arrived
        assert "<img" not in arrived
        assert 'name="csrf_token"' in arrived  # its buttons work without reloading

        set_alert_state(server.site.ctx, alert_id, "acknowledged", datetime.now(UTC))
        changed = next_event(lines, "state-acknowledged")
        assert changed is not None and f'id="alert-{alert_id}"' in changed


def test_many_alerts_at_once_all_arrive(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    """More alerts at once than a poll reads (POLLED, made 8 here) all arrive."""
    monkeypatch.setattr(alert_pages, "POLLED", 8)
    many = 20
    with listening(server, stream_path(), session_cookie(server)) as lines:
        time.sleep(1.5)  # the stream is open
        stamp = time.time()
        ids = [raise_one(server.site, f"burst:{stamp}:{n}") for n in range(many)]
        arrived: list[int] = []
        while len(arrived) < many:
            data = next_event(lines, 'id="alert-')
            assert data is not None, f"{len(arrived)} of {many} arrived"
            arrived += [int(m) for m in re.findall(r'<li id="alert-(\d+)" class=', data)]
    assert sorted(arrived) == sorted(ids)


def test_an_older_alert_is_replaced_where_it_is(server: Server) -> None:
    alert_id = raise_one(server.site, f"older:{time.time()}")
    time.sleep(0.05)
    with listening(server, stream_path(), session_cookie(server)) as lines:
        time.sleep(1.5)
        set_alert_state(server.site.ctx, alert_id, "closed", datetime.now(UTC))
        changed = next_event(lines, f'id="alert-{alert_id}"')
    assert changed is not None
    assert f'<li id="alert-{alert_id}" class="alert state-closed" hx-swap-oob="true">' in changed
    assert "afterbegin" not in changed


def test_a_filtered_inbox_drops_an_alert_that_leaves_the_filter(server: Server) -> None:
    alert_id = raise_one(server.site, f"filtered:{time.time()}")
    with listening(server, stream_path() + "&state=new", session_cookie(server)) as lines:
        time.sleep(1.5)
        set_alert_state(server.site.ctx, alert_id, "closed", datetime.now(UTC))
        changed = next_event(lines, f'id="alert-{alert_id}"')
    assert changed is not None
    assert changed.strip() == f'<li id="alert-{alert_id}" hx-swap-oob="delete"></li>'


def test_the_stream_ends_with_the_session(server: Server) -> None:
    key = server.site.app.state.web.key
    token, _ = create_api_token(server.site.ctx, "brief", "person:a")
    expires = datetime.now(UTC) + timedelta(seconds=2)
    brief = Session("n" * 24, expires, Principal("person:a", "A"), token.id)
    started = time.monotonic()
    with listening(server, stream_path(), encode(key, brief)) as lines:
        while (line := lines.get(timeout=WAIT)) is not None:
            assert time.monotonic() - started < WAIT, line
    assert time.monotonic() - started < WAIT


def test_the_stream_ends_when_its_token_is_revoked(server: Server) -> None:
    key = server.site.app.state.web.key
    token, _ = create_api_token(server.site.ctx, "revoked while listening", "person:a")
    hours = datetime.now(UTC) + timedelta(hours=1)
    session = Session("n" * 24, hours, Principal("person:a", "A"), token.id)
    with listening(server, stream_path(), encode(key, session)) as lines:
        time.sleep(1.5)  # the stream is open and polling
        revoke_api_token(server.site.ctx, token.id)
        revoked = time.monotonic()
        while (line := lines.get(timeout=WAIT)) is not None:
            assert time.monotonic() - revoked < WAIT, line
    assert time.monotonic() - revoked < WAIT


def test_no_stream_without_a_session(server: Server) -> None:
    with httpx.Client(base_url=server.url) as c:
        answer = c.get("/alerts/stream")
    assert answer.status_code == 204 and answer.text == ""
