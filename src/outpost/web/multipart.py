"""An upload's multipart body is read whole or not at all.

Starlette's form parser (python-multipart under it) names a part without headers or a wrong
boundary, but a body that ends before its closing boundary ("--boundary--") it takes as the
parts completed before the tear: the torn part, and all that should have followed it, are
silently dropped, and the request goes on as if it were whole. `whole` watches the body as the
route reads it, with a parser of its own, and raises TornBodyError (a 400 HTTPException, which
the API answers as its "bad-request" problem and the pages as their 400 page) when the body
ends and its closing boundary has not come. Only that is judged here: a body the route's own
parser refuses is left for it to name.

Used by the API's upload routes (`WholeUploads`) and the pages' upload forms (the PageGuard).
"""

from __future__ import annotations

from collections.abc import Collection

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MULTIPART = b"multipart/form-data"
TORN = "the multipart body ends before its closing boundary"


class TornBodyError(HTTPException):
    """Raised from `receive` when the body ended without its closing boundary."""

    def __init__(self) -> None:
        super().__init__(400, TORN)


def whole(receive: Receive, headers: Headers) -> Receive:
    """`receive`, raising TornBodyError at the body's end when it is a multipart body whose
    closing boundary never came (as the route's parser sees it: the same boundary, the same
    library). Any other body passes unwatched."""
    media_type, options = parse_options_header(headers.get("content-type"))
    boundary = options.get(b"boundary")
    if media_type != MULTIPART or not boundary:
        return receive  # not multipart, or no boundary: the route's parser refuses that
    ended = False

    def end() -> None:
        nonlocal ended
        ended = True

    parser: MultipartParser | None = MultipartParser(boundary, {"on_end": end})

    async def watched() -> Message:
        nonlocal parser
        message = await receive()
        if parser is None or message["type"] != "http.request":
            return message
        try:
            parser.write(message.get("body", b""))
        except MultipartParseError:
            parser = None  # unreadable: the route's parser meets the same bytes and names it
            return message
        if not message.get("more_body", False) and not ended:
            raise TornBodyError
        return message

    return watched


class WholeUploads:
    """The ASGI middleware that reads the multipart bodies of `paths` whole."""

    def __init__(self, app: ASGIApp, paths: Collection[str]) -> None:
        self.app, self.paths = app, frozenset(paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] in self.paths:
            receive = whole(receive, Headers(scope=scope))
        await self.app(scope, receive, send)
