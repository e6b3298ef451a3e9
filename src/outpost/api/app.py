"""The app `outpost serve` runs: `create_app(settings)` gives a FastAPI app with one service
context (its engine in app.state) and one job worker, the API under /api/v1 with problem
details for every error, the OpenAPI document at /api/v1/openapi.json, its interactive docs
at /api/docs, the read-only TAXII 2.1 server under /taxii2/ (outpost.api.taxii), and the
web dashboard's pages (outpost.web) over the same services."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.openapi.utils import get_openapi
from starlette.concurrency import run_in_threadpool
from starlette.staticfiles import StaticFiles

from outpost import __version__
from outpost.api import problems
from outpost.api.deps import known_query, storable
from outpost.api.limits import BodyLimit
from outpost.api.routes import (
    actors,
    alerts,
    articles,
    assessments,
    audit,
    cases,
    docs,
    events,
    exports,
    feeds,
    health,
    imports,
    indicators,
    jobs,
    me,
    places,
    plans,
    rules,
    stories,
    tokens,
)
from outpost.api.schemas.common import Problem
from outpost.api.taxii import create_taxii
from outpost.config import Settings
from outpost.records import Principal
from outpost.services.context import open_context
from outpost.services.jobs import JobRunner
from outpost.web.app import mount_pages
from outpost.web.multipart import WholeUploads
from outpost.web.pages import sources

PREFIX = "/api/v1"
TAXII = "/taxii2"
STATIC = Path(__file__).with_name("static")
MAX_BODY = 4 * 1024 * 1024  # bytes of a request that is not an upload (a rule file is ≤ 1 MiB)
MULTIPART_ROOM = 1024 * 1024  # an upload request's bytes besides its files: parts' headers
# Who the app's context acts for until a request's token says (no route acts as it).
NOBODY = Principal("system:api", "the API before authentication")
DESCRIPTION = (
    "Outpost's REST API. Every route but /health needs an API token "
    "(`outpost token create NAME`) sent as `Authorization: Bearer op_...`. Errors are "
    "RFC 9457 problem details (application/problem+json) whose `type` is a stable URN."
)


def create_app(settings: Settings) -> FastAPI:
    """The app on the settings' store (opened and migrated now). Jobs left unfinished by an
    earlier process are marked interrupted."""
    ctx = open_context(settings, NOBODY)
    runner = JobRunner(ctx.engine, settings)
    runner.recover()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:  # the job under way ends interrupted at its next step; then the pool closes
            await run_in_threadpool(runner.stop)
            ctx.engine.dispose()

    app = FastAPI(
        title="Outpost API",
        version=__version__,
        description=DESCRIPTION,
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        generate_unique_id_function=lambda route: route.name,  # operationId: read_alerts
        dependencies=[Depends(known_query), Depends(storable)],
    )
    app.state.context, app.state.jobs = ctx, runner
    problems.install(app)
    resources = (health, me, alerts, rules, feeds, indicators, tokens, jobs, audit)
    marked = (assessments, cases, plans)  # what people write, each seen through its marking
    for module in (
        *resources,
        articles,
        events,
        actors,
        places,
        stories,
        exports,
        imports,
        *marked,
    ):
        app.include_router(module.router, prefix=PREFIX)
    app.include_router(docs.router)
    app.mount(TAXII, create_taxii(ctx), "taxii")  # read-only TAXII 2.1 for partners
    mount_pages(app)  # the dashboard, and /static (the vendored files the docs use too)
    app.mount("/api/static", StaticFiles(directory=STATIC), "api-static")
    # The uploads' own caps: the API's ingest and the Sources page's form (whose guard
    # answers one over its cap with a page, not a problem).
    uploads = {
        f"{PREFIX}/ingest": settings.upload_max_bytes + MULTIPART_ROOM,
        f"{PREFIX}{imports.PATH}": settings.upload_max_bytes + MULTIPART_ROOM,
        sources.UPLOAD_PATH: sources.upload_cap(settings.upload_max_bytes),
    }
    # An upload's body is read whole: one torn before its closing boundary is a 400, not
    # the parts before the tear (the pages' forms are watched by their own guard).
    app.add_middleware(WholeUploads, paths=[f"{PREFIX}/ingest", f"{PREFIX}{imports.PATH}"])
    app.add_middleware(BodyLimit, default=MAX_BODY, limits=uploads)  # outside the routes
    app.openapi = _openapi(app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """FastAPI's document, with the Problem schema the error responses refer to."""

    def build() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            found = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components.update(found.pop("$defs", {}))
            components["Problem"] = found
            app.openapi_schema = schema
        return app.openapi_schema

    return build
