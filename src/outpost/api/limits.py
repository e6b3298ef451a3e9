"""How large a request body may be: the settings' upload cap (and room for the multipart
parts' headers) on the upload route, MAX_BODY on every other.

A body announced larger (Content-Length) is answered 413 before any of it is read; one that
grows past the cap while it is read (chunked) is stopped there. Both are the "too-large"
problem: this middleware sits outside the routes, so the answer is never replaced.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from outpost.api.problems import response


class BodyTooLargeError(HTTPException):
    """Raised from `receive` while a route reads its body; FastAPI passes an HTTPException on
    to the problem handlers as it is."""

    def __init__(self, cap: int) -> None:
        super().__init__(413, _detail(cap))


def _detail(cap: int) -> str:
    return f"the request body is larger than {cap:,} bytes"


class BodyLimit:
    def __init__(self, app: ASGIApp, default: int, limits: Mapping[str, int]) -> None:
        self.app, self.default, self.limits = app, default, dict(limits)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cap = self.limits.get(scope["path"], self.default)
        announced = Headers(scope=scope).get("content-length", "")
        if announced.isdigit() and int(announced) > cap:
            answer = response(None, "too-large", _detail(cap), path=scope["path"])
            await answer(scope, receive, send)
            return
        read = 0

        async def counted() -> Message:
            nonlocal read
            message = await receive()
            if message["type"] == "http.request":
                read += len(message.get("body", b""))
                if read > cap:
                    raise BodyTooLargeError(cap)
            return message

        await self.app(scope, counted, send)
