"""The pages' guard, one ASGI middleware in front of them: security headers on every page and
static file, a cap on the size of a request, and the CSRF check of every request that
changes something.

It covers the paths of the pages and /static only (`covers`), so the REST API beside them,
authenticated by a bearer token and never by a cookie, keeps its own rules.

The policy allows nothing inline: no <script> without src, no style="" and no on*= in any
page (Leaflet and uPlot set element styles through the CSSOM, which a policy does not
govern), and every request goes to this server.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import parse_qs

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from outpost.web.sessions import COOKIE, csrf_matches, decode

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
    )
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",  # for browsers older than frame-ancestors
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}
PAGE_CACHE = "no-store"  # what an analyst saw stays off a shared laptop's disk
MAX_BODY = 64 * 1024  # bytes: a page's forms are a token and a few fields
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
FORM = "application/x-www-form-urlencoded"


class PageGuard:
    def __init__(
        self,
        app: ASGIApp,
        key: bytes,
        covers: Callable[[str], bool],
        is_static: Callable[[str], bool],
        max_body: int = MAX_BODY,
    ) -> None:
        self.app, self.key, self.covers, self.is_static = app, key, covers, is_static
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        static = self.is_static(path)
        if not static and not self.covers(path):
            await self.app(scope, receive, send)
            return
        send = _with_headers(send, static)
        if scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        body = await _read_body(scope, receive, self.max_body)
        if body is None:
            await _refuse(send, 413, "The request is too large.")
            return
        if not self._csrf_ok(scope, body):
            await _refuse(send, 403, "The form has expired or did not come from this site: reload")
            return
        await self.app(scope, _replay(body, receive), send)

    def _csrf_ok(self, scope: Scope, body: bytes) -> bool:
        headers = Headers(scope=scope)
        session = decode(self.key, _cookie(headers, COOKIE), datetime.now(UTC))
        given = headers.get(CSRF_HEADER)
        if given is None and headers.get("content-type", "").split(";")[0].strip() == FORM:
            fields = parse_qs(body.decode("utf-8", "replace"), max_num_fields=100)
            found = fields.get(CSRF_FIELD)
            given = found[0] if found else None
        return csrf_matches(self.key, session, given)


def _with_headers(send: Send, static: bool) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            for name, value in HEADERS.items():
                headers[name] = value
            if not static and "cache-control" not in headers:
                headers["Cache-Control"] = PAGE_CACHE
        await send(message)

    return sending


async def _read_body(scope: Scope, receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None when it is (or says it is) longer than `limit`."""
    declared = Headers(scope=scope).get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        return None
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b""
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body read once, then the connection's own messages (its disconnect)."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


async def _refuse(send: Send, status: int, text: str) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"text/plain; charset=utf-8")],
        }
    )
    await send({"type": "http.response.body", "body": f"{status}: {text}\n".encode()})


def _cookie(headers: Headers, name: str) -> str | None:
    return cookie_parser(headers.get("cookie", "")).get(name)
