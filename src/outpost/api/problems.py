"""Every error of the API as RFC 9457 problem details (application/problem+json).

A problem's `type` is a stable URN a client can branch on; `title` is fixed per type;
`detail` says what went wrong with this request, never how the server is built: an
unexpected error answers 500 with no traceback, class or message of ours, and is logged here
with its traceback. FastAPI's own answers (422 for a request that fails validation, 404 for a
route that does not exist, 405 for a method a route does not take) are problems too.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError, ResponseValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from outpost.api.schemas.common import Problem as ProblemBody
from outpost.api.schemas.common import ProblemItem
from outpost.respond.checks import InvalidError
from outpost.respond.people import NotAllowedError, NotFoundError
from outpost.services.paging import BadQueryError
from outpost.store.errors import StoreError, describe

log = logging.getLogger("outpost.api")

MEDIA_TYPE = "application/problem+json"
PREFIX = "urn:outpost:problem:"
# The stable types: the last part of each URN, its title and its usual status.
TYPES: dict[str, tuple[str, int]] = {
    "bad-request": ("The request cannot be read", 400),
    "bad-query": ("A filter, sort or cursor cannot be used", 400),
    "unauthorized": ("An API token is required", 401),
    "forbidden": ("Your role does not allow this", 403),
    "not-found": ("Not found", 404),
    "method-not-allowed": ("Method not allowed", 405),
    "conflict": ("Conflict with the current state", 409),
    "too-large": ("Content too large", 413),
    "unsupported-media-type": ("Unsupported media type", 415),
    "validation": ("The request is not valid", 422),
    "rule-errors": ("The rule file has errors", 422),
    "internal": ("Internal error", 500),
    "unavailable": ("The store is not available", 503),
}
# The kind of an HTTPException by its status (of the kinds that share one, the general one).
BY_STATUS = {
    status: kind for kind, (_, status) in TYPES.items() if kind not in ("bad-query", "rule-errors")
}


class ProblemError(Exception):
    """Raised by a route: answered as the problem `kind` (a key of TYPES)."""

    def __init__(
        self,
        kind: str,
        detail: str,
        *,
        status: int | None = None,
        errors: Sequence[Mapping[str, object]] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.kind, self.detail = kind, detail
        self.status = status or TYPES[kind][1]
        self.errors, self.headers = list(errors), dict(headers or {})


def not_found(what: str) -> ProblemError:
    return ProblemError("not-found", f"no {what} with this id")


def response(
    request: Request | None,
    kind: str,
    detail: str,
    *,
    status: int | None = None,
    errors: Sequence[Mapping[str, object]] = (),
    headers: Mapping[str, str] | None = None,
    path: str | None = None,
) -> JSONResponse:
    title, usual = TYPES[kind]
    body = ProblemBody(
        type=PREFIX + kind,
        title=title,
        status=status or usual,
        detail=detail,
        instance=path if path is not None else request.url.path if request else None,
        errors=[ProblemItem.model_validate(dict(e)) for e in errors] or None,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status or usual,
        headers=dict(headers or {}),
        media_type=MEDIA_TYPE,
    )


async def _problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return response(
        request, exc.kind, exc.detail, status=exc.status, errors=exc.errors, headers=exc.headers
    )


async def _http(request: Request, exc: Exception) -> JSONResponse:
    """Starlette's and FastAPI's own errors: an unknown route, a method, a body too large."""
    assert isinstance(exc, HTTPException)
    kind = BY_STATUS.get(exc.status_code, "bad-request" if exc.status_code < 500 else "internal")
    detail = exc.detail if isinstance(exc.detail, str) and exc.status_code < 500 else None
    return response(
        request,
        kind,
        detail or TYPES[kind][0],
        status=exc.status_code,
        headers=exc.headers,
    )


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    """Which parameter or field is wrong and why; the value itself is not echoed."""
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"location": ".".join(str(part) for part in error["loc"]), "message": error["msg"]}
        for error in exc.errors()
    ]
    wrong = ", ".join(dict.fromkeys(str(e["location"]) for e in errors))
    return response(request, "validation", f"not valid: {wrong}", errors=errors)


async def _forbidden(request: Request, exc: Exception) -> JSONResponse:
    """A role that does not allow the action: the detail names the principal, its role and
    the action (nothing the asker does not know)."""
    return response(request, "forbidden", str(exc))


async def _bad_query(request: Request, exc: Exception) -> JSONResponse:
    return response(request, "bad-query", str(exc))


async def _not_found(request: Request, exc: Exception) -> JSONResponse:
    """An item that does not exist, or that the principal may not see: the services answer
    both alike ("no case with this id"), and so does the API."""
    return response(request, "not-found", str(exc))


async def _invalid(request: Request, exc: Exception) -> JSONResponse:
    """A field a service refused: its message starts with the field's name."""
    message = str(exc)
    field = message.split(":", 1)[0] if ":" in message else None
    errors = [{"location": f"body.{field}" if field else None, "message": message}]
    return response(request, "validation", message, errors=errors)


async def _store(request: Request, exc: Exception) -> JSONResponse:
    """The database is away, locked or too slow: the reason goes to the log (it may name the
    database), the client is told to try again."""
    log.warning("store error on %s %s: %s", request.method, request.url.path, exc)
    return response(request, "unavailable", "the store cannot answer now; try again later")


async def _database(request: Request, exc: Exception) -> JSONResponse:
    """A database error: a condition of the store (away, locked, full) is 503 like a
    StoreError; anything else is a bug, 500."""
    if describe(exc) is not None:
        return await _store(request, exc)
    return await _internal(request, exc)


async def _internal(request: Request, exc: Exception) -> JSONResponse:
    log.error("error on %s %s", request.method, request.url.path, exc_info=exc)
    return response(request, "internal", "the server met an unexpected error; it is logged")


class Unexpected:
    """The last boundary: any exception no handler took is logged with its traceback and
    answered 500 as a problem (if no answer has started), not passed on to the server."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as exc:
            path = str(scope.get("path", ""))
            log.error("error on %s %s", scope.get("method"), path, exc_info=exc)
            if started:
                raise
            answer = response(
                None, "internal", "the server met an unexpected error; it is logged", path=path
            )
            await answer(scope, receive, send)


def install(app: FastAPI) -> None:
    handlers: dict[Any, Any] = {
        ProblemError: _problem,
        HTTPException: _http,
        RequestValidationError: _validation,
        BadQueryError: _bad_query,
        NotAllowedError: _forbidden,
        NotFoundError: _not_found,
        InvalidError: _invalid,
        StoreError: _store,
        DBAPIError: _database,
        ResponseValidationError: _internal,
    }
    for exc, handler in handlers.items():
        app.add_exception_handler(exc, handler)
    app.add_middleware(Unexpected)


def documented(*kinds: str) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI `responses` of these problem kinds (with those every route may answer)."""
    found: dict[int | str, dict[str, Any]] = {}
    for kind in (*kinds, *ALWAYS):
        title, status = TYPES[kind]
        entry = found.setdefault(
            status,
            {"description": "", "content": {MEDIA_TYPE: {"schema": {"$ref": PROBLEM_REF}}}},
        )
        entry["description"] = "; ".join(filter(None, (entry["description"], title)))
    return found


PROBLEM_REF = "#/components/schemas/Problem"
ALWAYS = ("validation", "internal", "unavailable")  # a bad parameter; a bug; the store away
