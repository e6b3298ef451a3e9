"""The read-only TAXII 2.1 server, mounted at /taxii2/ beside the API: discovery, one API
root (`outpost`), the collections a caller may read, their objects, one object, its versions
and the manifest (outpost.export.taxii says which collections there are).

Access, the same on every route: a signed-in principal, by HTTP Basic (an Outpost user's
username and password, checked once and then remembered for a few minutes: see
services.basic_auth; a user with a second factor uses a token instead) or by a bearer API
token (`outpost token create`); any role. What it finds is what the visibility rule lets it
see: a collection or object it may not see answers 404 exactly like one that does not
exist. Nothing can be written: POST and DELETE answer 405. Every answer is
`application/taxii+json;version=2.1` (errors too, as the spec's error message); a request
whose Accept allows neither that (or `application/taxii+json` of no version) nor `*/*` gets
406.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from outpost.export.taxii import (
    MEDIA_TYPE,
    Found,
    Query,
    TaxiiQueryError,
    error,
    split,
)
from outpost.records import Principal
from outpost.respond.people import PeopleError
from outpost.services import taxii, tokens
from outpost.services.basic_auth import RememberedSignIns
from outpost.services.context import Context

log = logging.getLogger("outpost.taxii")

ROOT = "outpost"  # the one API root
MAX_CONTENT = 4 * 1024 * 1024  # what the root says it takes; it takes nothing (read-only)
CHALLENGE = {"WWW-Authenticate": 'Basic realm="outpost-taxii", Bearer realm="outpost-taxii"'}
ACCEPTED = ("application/taxii+json", "application/*", "*/*")
PARAMETERS = {
    "added_after",
    "limit",
    "next",
    "match[id]",
    "match[type]",
    "match[version]",
    "match[spec_version]",
}


class TaxiiError(Exception):
    def __init__(self, status: int, title: str, description: str | None = None) -> None:
        super().__init__(title)
        self.status, self.title, self.description = status, title, description
        self.headers = CHALLENGE if status == 401 else None


def answer(
    body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return JSONResponse(body, status, headers=headers, media_type=MEDIA_TYPE)


def create_taxii(ctx: Context) -> FastAPI:
    """The TAXII app over the service context `ctx` (the main app's, acting for no one)."""
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    app.state.context = ctx
    app.state.signins = RememberedSignIns()  # Basic credentials verified lately
    app.add_exception_handler(TaxiiError, _taxii_error)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(TaxiiQueryError, _query_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _internal_error)
    app.middleware("http")(_accept)
    for path, endpoint in ROUTES:
        app.add_api_route(path, endpoint, methods=["GET"], name=f"taxii_{endpoint.__name__}")
    return app


# --- who asks ----------------------------------------------------------------------------


def caller(request: Request) -> Context:
    """The context acting as the request's principal; 401 for anything else."""
    base: Context = request.app.state.context
    who = _principal(base, request.app.state.signins, request.headers.get("authorization", ""))
    if who is None:
        raise TaxiiError(401, "Authentication required", "send HTTP Basic or a bearer API token")
    return base.acting(who)


Caller = Annotated[Context, Depends(caller)]


def _principal(base: Context, signins: RememberedSignIns, header: str) -> Principal | None:
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return tokens.authenticate(base, value.strip())
    if scheme.lower() == "basic" and value.strip():
        pair = _basic(value.strip())
        if pair is None:
            return None
        try:
            return signins.authenticate(base, *pair)
        except PeopleError:  # refused, or a second factor wanted: the same 401
            return None
    return None


def _basic(value: str) -> tuple[str, str] | None:
    try:
        text = base64.b64decode(value, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    name, colon, password = text.partition(":")
    return (name, password) if colon else None


# --- the endpoints -----------------------------------------------------------------------


async def discovery(request: Request, ctx: Caller) -> Response:
    root = f"{request.scope.get('root_path', '')}/{ROOT}/"
    return answer(
        {
            "title": "Outpost TAXII 2.1",
            "description": "Read-only collections of Outpost's STIX 2.1 objects, per audience.",
            "default": root,
            "api_roots": [root],
        }
    )


async def api_root(ctx: Caller) -> Response:
    return answer(
        {
            "title": "Outpost",
            "description": "Events, actors, places, stories and assessments as STIX 2.1.",
            "versions": [MEDIA_TYPE],
            "max_content_length": MAX_CONTENT,
        }
    )


async def read_collections(ctx: Caller) -> Response:
    found = await run_in_threadpool(taxii.readable, ctx)
    return answer({"collections": [c.resource() for c in found]})


async def read_collection(ctx: Caller, collection: str) -> Response:
    found = await run_in_threadpool(taxii.collection, ctx, collection)
    if found is None:
        raise _missing("collection")
    return answer(found.resource())


async def read_objects(request: Request, ctx: Caller, collection: str) -> Response:
    page = await run_in_threadpool(taxii.objects, ctx, collection, _query(request))
    if page is None:
        raise _missing("collection")
    return _envelope(page)


async def read_object(request: Request, ctx: Caller, collection: str, object_id: str) -> Response:
    query = _query(request, "match[id]")
    page = await run_in_threadpool(taxii.one_object, ctx, collection, object_id, query)
    if page is None:
        raise _missing("object")
    return _envelope(page)


async def read_versions(request: Request, ctx: Caller, collection: str, object_id: str) -> Response:
    query = _query(request, "match[id]", "match[type]", "match[version]")
    page = await run_in_threadpool(taxii.versions, ctx, collection, object_id, query)
    if page is None:
        raise _missing("object")
    body: dict[str, Any] = {"more": page.more, "versions": [e.version for e in page.entries]}
    return answer(body | ({"next": page.next} if page.next else {}), headers=page.headers())


async def read_manifest(request: Request, ctx: Caller, collection: str) -> Response:
    page = await run_in_threadpool(taxii.objects, ctx, collection, _query(request), "manifest")
    if page is None:
        raise _missing("collection")
    body: dict[str, Any] = {"more": page.more, "objects": [e.manifest() for e in page.entries]}
    return answer(body | ({"next": page.next} if page.next else {}), headers=page.headers())


Endpoint = Callable[..., Awaitable[Response]]
COLLECTION = f"/{ROOT}/collections/{{collection}}"
ROUTES: tuple[tuple[str, Endpoint], ...] = (
    ("/", discovery),
    (f"/{ROOT}/", api_root),
    (f"/{ROOT}/collections/", read_collections),
    (f"{COLLECTION}/", read_collection),
    (f"{COLLECTION}/objects/", read_objects),
    (f"{COLLECTION}/objects/{{object_id}}/", read_object),
    (f"{COLLECTION}/objects/{{object_id}}/versions/", read_versions),
    (f"{COLLECTION}/manifest/", read_manifest),
)


def _envelope(page: Found) -> Response:
    body: dict[str, Any] = {"more": page.more, "objects": [e.object for e in page.entries]}
    return answer(body | ({"next": page.next} if page.next else {}), headers=page.headers())


def _missing(what: str) -> TaxiiError:
    """The one answer for what does not exist and what the caller may not see."""
    return TaxiiError(404, "Not found", f"no such {what} (or not one you may see)")


def _query(request: Request, *refused: str) -> Query:
    """The query's filters; 400 for a parameter this endpoint does not take, or twice."""
    params = request.query_params
    for name in params:
        if name not in PARAMETERS or name in refused:
            raise TaxiiError(400, "Unknown parameter", f"{name}: not a parameter of this endpoint")
        if len(params.getlist(name)) > 1:
            raise TaxiiError(400, "Parameter given twice", f"{name}: give it once")
    limit = params.get("limit")
    if limit is not None and not limit.strip().isdigit():
        raise TaxiiError(400, "Bad parameter", "limit: a positive number")
    return Query(
        added_after=params.get("added_after"),
        ids=split(params.get("match[id]")),
        types=split(params.get("match[type]")),
        versions=split(params.get("match[version]")),
        spec_versions=split(params.get("match[spec_version]")),
        limit=int(limit) if limit is not None else None,
        next=params.get("next"),
    )


# --- content negotiation and errors --------------------------------------------------------


async def _accept(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """406 for a request that accepts none of what this server answers (no Accept: any)."""
    given = request.headers.get("accept")
    if given is not None and not _acceptable(given):
        return answer(error(406, "Not acceptable", f"this server answers {MEDIA_TYPE}"), 406)
    return await call_next(request)


def _acceptable(header: str) -> bool:
    for part in header.split(","):
        kind, *params = [p.strip().lower() for p in part.split(";")]
        version = next((p.split("=", 1)[1] for p in params if p.startswith("version=")), None)
        if kind in ACCEPTED and version in (None, "2.1"):
            return True
    return False


async def _taxii_error(request: Request, exc: TaxiiError) -> Response:
    return answer(error(exc.status, exc.title, exc.description), exc.status, exc.headers)


async def _http_error(request: Request, exc: HTTPException) -> Response:
    """Starlette's own answers (no such route, a method not taken) in the spec's shape."""
    titles = {404: "Not found", 405: "Method not allowed: this server is read-only"}
    title = titles.get(exc.status_code, str(exc.detail))
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = "GET"
    return answer(error(exc.status_code, title), exc.status_code, headers)


async def _query_error(request: Request, exc: TaxiiQueryError) -> Response:
    return answer(error(400, "Bad parameter", str(exc)), 400)


async def _internal_error(request: Request, exc: Exception) -> Response:
    log.exception("TAXII request failed", exc_info=exc)
    return answer(error(500, "Internal error"), 500)
