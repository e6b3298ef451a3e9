"""A real HTTP server on 127.0.0.1 for the ingestion tests (tests/test_web.py, tests/test_feeds.py).

Tests fill a routing table (path -> Reply, or a function of the request for servers that answer
conditional GETs) and read the log of every request with its headers, to check what the fetcher
really asked for. Nothing of our code is replaced: the fetcher talks HTTP over a real socket.
"""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before the status line: a server slower than the timeout
    chunked: bool = False  # Transfer-Encoding: chunked, so no Content-Length announces the size
    chunk_size: int = 8192
    drip: float = 0.0  # seconds between chunks: a body that trickles in
    # Bytes written verbatim (in chunk_size pieces, drip apart) instead of a status line,
    # headers and body, then the connection is closed: malformed or dripped responses.
    raw: bytes | None = None


@dataclass(frozen=True)
class Request:
    path: str
    headers: Mapping[str, str]  # lower-case names
    status: int = 0  # in the log: the status the server answered with


Route = Reply | Callable[[Request], Reply]
NOT_FOUND = Reply(404, b"not found", {"Content-Type": "text/plain"})


class Site:
    """What the tests see of the server: its routes, its request log, URLs on it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        self.stopping = threading.Event()  # wakes handlers that sleep in a delay or a drip
        self._lock = threading.Lock()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def hits(self, path: str) -> int:
        return len(self.requests_for(path))

    def requests_for(self, path: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def reply_to(self, request: Request) -> Reply:
        with self._lock:
            route = self.routes.get(request.path, NOT_FOUND)
            reply = route(request) if callable(route) else route
            self.requests.append(replace(request, status=reply.status))
        return reply


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    site: Site

    def server_bind(self) -> None:
        # HTTPServer.server_bind asks DNS for the host's FQDN; a test server needs no name.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "127.0.0.1", self.server_address[1]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive and chunked bodies, as real servers do
    server: _Server

    def do_GET(self) -> None:
        site = self.server.site
        request = Request(self.path, {k.lower(): v for k, v in self.headers.items()})
        reply = site.reply_to(request)
        if reply.delay and site.stopping.wait(reply.delay):
            return
        try:
            self._send(reply, site.stopping)
        except (BrokenPipeError, ConnectionResetError):
            # The fetcher hung up on purpose (size cap, time-out): not an error of the test.
            self.close_connection = True

    def _send(self, reply: Reply, stopping: threading.Event) -> None:
        if reply.raw is not None:
            self._send_raw(reply, stopping)
            return
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.chunked:
            self.send_header("Transfer-Encoding", "chunked")
        elif "content-length" not in {k.lower() for k in reply.headers}:
            self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if not reply.chunked:
            self.wfile.write(reply.body)
            return
        for start in range(0, len(reply.body), reply.chunk_size):
            chunk = reply.body[start : start + reply.chunk_size]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.flush()
            if reply.drip and stopping.wait(reply.drip):
                return
        self.wfile.write(b"0\r\n\r\n")

    def _send_raw(self, reply: Reply, stopping: threading.Event) -> None:
        self.close_connection = True  # the raw bytes are all the server will say
        raw = reply.raw or b""
        for start in range(0, len(raw), reply.chunk_size):
            self.wfile.write(raw[start : start + reply.chunk_size])
            self.wfile.flush()
            if reply.drip and stopping.wait(reply.drip):
                return

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the request log is kept in Site; stderr noise would hide real failures


@contextmanager
def serve() -> Iterator[Site]:
    """A server on an ephemeral loopback port, stopped (and its sleeping handlers woken) after."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.site = Site(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield server.site
    finally:
        server.site.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def article_html(
    title: str,
    paragraphs: list[str],
    *,
    published: str | None = None,
    canonical: str | None = None,
) -> bytes:
    """A news page as sites serve them: the article among navigation, comments and a footer."""
    head = [f"<title>{title} | Frontier Daily</title>"]
    if canonical:
        head.append(f'<link rel="canonical" href="{canonical}">')
    if published:
        head.append(f'<meta property="article:published_time" content="{published}">')
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">{"".join(head)}</head>
<body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/world">World menu item</a></li>
<li><a href="/sport">Sport menu item</a></li><li><a href="/login">Sign in to your account</a></li>
</ul></nav>
<article><h1>{title}</h1>{body}</article>
<section id="comments" class="comments"><h3>Comments</h3>
<div class="comment"><p>Reader comment: worst coverage ever, subscribe to my channel.</p></div>
</section>
<footer><p>Copyright Frontier Daily, all rights reserved. Cookie policy.</p></footer>
</body></html>""".encode()


def html_reply(body: bytes, **headers: str) -> Reply:
    return Reply(200, body, {"Content-Type": "text/html; charset=utf-8", **headers})
