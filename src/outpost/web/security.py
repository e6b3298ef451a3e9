"""The pages' guard, one ASGI middleware in front of them: security headers on every page and
static file, a cap on the size of a request, and the CSRF check of every request that
changes something.

A change carries its CSRF token in a header (htmx sends it with every request) or as a field
of its urlencoded form. An upload (multipart/form-data) is accepted on the paths named in
`uploads` only, with their own cap; there, without the header, the token must be the form's
first field, which is read alone before the rest of the body streams on to the page (a
multipart body anywhere else is never searched for a token), and it must end with its closing
boundary (outpost.web.multipart).

It covers the paths of the pages and /static only (`covers`), so the REST API beside them,
authenticated by a bearer token and never by a cookie, keeps its own rules.

The policy allows nothing inline: no <script> without src, no style="" and no on*= in any
page (Leaflet and uPlot set element styles through the CSSOM, which a policy does not
govern), and every request goes to this server.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from urllib.parse import parse_qs

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from outpost.web.multipart import whole
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
MULTIPART = "multipart/form-data"
FIRST_PART = 1024  # bytes of an upload read for its first field: a boundary, a header, a token
DISPOSITION = re.compile(
    rf'^content-disposition:[ \t]*form-data;[ \t]*name="{CSRF_FIELD}"[ \t]*$', re.I | re.M
)


class UploadTooLargeError(Exception):
    """Raised while a page reads an upload that grew past its path's cap."""


class PageGuard:
    def __init__(
        self,
        app: ASGIApp,
        key: bytes,
        covers: Callable[[str], bool],
        is_static: Callable[[str], bool],
        max_body: int = MAX_BODY,
        limits: Mapping[str, int] | None = None,
        uploads: Mapping[str, int] | None = None,
    ) -> None:
        self.app, self.key, self.covers, self.is_static = app, key, covers, is_static
        self.max_body = max_body
        self.limits = dict(limits or {})  # path -> cap of a form larger than most
        self.uploads = dict(uploads or {})  # path -> cap of an upload

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
        unstorable = _with_nul(scope)
        if unstorable:  # the store's text cannot hold NUL: PostgreSQL refuses it in a query
            await _refuse(send, 400, f"NUL is not allowed in {', '.join(unstorable)}.")
            return
        if scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        if path in self.uploads and _media_type(Headers(scope=scope)) == MULTIPART:
            await self._upload(scope, receive, send, self.uploads[path])
            return
        body = await _read_body(scope, receive, self.limits.get(path, self.max_body))
        if body is None:
            await _refuse(send, 413, "The request is too large.")
            return
        if not self._csrf_ok(scope, body):
            await _refuse(send, 403, "The form has expired or did not come from this site: reload")
            return
        await self.app(scope, _replay(body, receive), send)

    def _csrf_ok(self, scope: Scope, body: bytes) -> bool:
        headers = Headers(scope=scope)
        given = headers.get(CSRF_HEADER)
        if given is None and _media_type(headers) == FORM:
            fields = parse_qs(body.decode("utf-8", "replace"), max_num_fields=100)
            found = fields.get(CSRF_FIELD)
            given = found[0] if found else None
        return self._token_ok(headers, given)

    def _token_ok(self, headers: Headers, given: str | None) -> bool:
        session = decode(self.key, _cookie(headers, COOKIE), datetime.now(UTC))
        return csrf_matches(self.key, session, given)

    async def _upload(self, scope: Scope, receive: Receive, send: Send, cap: int) -> None:
        """An upload: its token from the header or its first field, then its body streamed
        to the page, which is stopped (UploadTooLargeError) past `cap` bytes. A body
        announced larger goes on unread: the page answers it with its own message."""
        headers = Headers(scope=scope)
        given, first, more = headers.get(CSRF_HEADER), b"", True
        if given is None:
            first, more = await _read_prefix(receive, FIRST_PART)
            given = first_field(first, _boundary(headers))
        if not self._token_ok(headers, given):
            await _refuse(send, 403, "The form has expired or did not come from this site: reload")
            return
        # Read whole: a body torn before its closing boundary is refused (TornBodyError, an
        # HTTPException the page answers), not taken as the parts before the tear.
        body = whole(_capped(_replay(first, receive, more), cap), headers)
        await self.app(scope, body, send)


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


def _replay(body: bytes, receive: Receive, more: bool = False) -> Receive:
    """The body read so far once (all of it unless `more`), then the connection's own
    messages (the rest of the body, its disconnect)."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": more}
        return await receive()

    return replayed


def _capped(receive: Receive, cap: int) -> Receive:
    read = 0

    async def counted() -> Message:
        nonlocal read
        message = await receive()
        if message["type"] == "http.request":
            read += len(message.get("body", b""))
            if read > cap:
                raise UploadTooLargeError(f"the upload is larger than {cap:,} bytes")
        return message

    return counted


async def _read_prefix(receive: Receive, size: int) -> tuple[bytes, bool]:
    """At least `size` bytes of the body (all of it if shorter), and whether more follows."""
    chunks: list[bytes] = []
    read = 0
    while read < size:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"".join(chunks), False
        chunk = message.get("body", b"")
        chunks.append(chunk)
        read += len(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), False
    return b"".join(chunks), True


def first_field(body: bytes, boundary: bytes | None) -> str | None:
    """The CSRF token when it is the first field of a multipart body (as the page's upload
    form sends it: the hidden field first), else None."""
    if not boundary:
        return None
    opening, closing = b"--" + boundary + b"\r\n", b"\r\n--" + boundary
    if not body.startswith(opening):
        return None
    head_end = body.find(b"\r\n\r\n", len(opening))
    if head_end < 0 or not DISPOSITION.search(body[len(opening) : head_end].decode("latin-1")):
        return None
    value_end = body.find(closing, head_end + 4)
    if value_end < 0:
        return None
    return body[head_end + 4 : value_end].decode("ascii", "replace")


def _media_type(headers: Headers) -> str:
    return headers.get("content-type", "").split(";")[0].strip().lower()


def _boundary(headers: Headers) -> bytes | None:
    """The multipart boundary of the Content-Type (1 to 70 characters, RFC 2046)."""
    for param in headers.get("content-type", "").split(";")[1:]:
        name, _, value = param.strip().partition("=")
        if name.lower() == "boundary":
            value = value.strip().strip('"')
            return value.encode("latin-1") if 0 < len(value) <= 70 else None
    return None


def _with_nul(scope: Scope) -> list[str]:
    """The query parameters (and "the address", for the path) whose value holds NUL."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    wrong = (name for name, values in query.items() if any("\x00" in v for v in values))
    named = sorted(name if name.isidentifier() else "a parameter" for name in wrong)
    return (["the address"] if "\x00" in scope["path"] else []) + named


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
