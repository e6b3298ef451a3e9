"""The pages added to a FastAPI app whose `app.state.context` is the services' Context.

    mount_pages(app)

adds the page routes, /static, the handler that sends a signed-out visitor to the sign-in
page, and the guard in front of the pages (security headers, request size cap, CSRF). The
sources page queues ingest jobs on `app.state.jobs`, the app's JobRunner.

An app that caps request bodies in front of the pages must let two of them be larger than
most: the rule file (rules.RULES_BODY) and an upload (sources.upload_cap).
"""

from __future__ import annotations

import inspect

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.routing import BaseRoute, Match
from starlette.types import ExceptionHandler

from outpost.respond.people import NotAllowedError
from outpost.services.context import Context
from outpost.web.assets import PREFIX, Assets, VersionedStatic
from outpost.web.page import (
    NotFoundError,
    SignInRequiredError,
    Web,
    not_allowed,
    not_found,
    sign_in_first,
)
from outpost.web.pages import (
    account,
    actors,
    alerts,
    articles,
    assessments,
    audit,
    auth,
    cases,
    events,
    imports,
    overview,
    people,
    plan_page,
    plans,
    rules,
    sources,
    stories,
)
from outpost.web.security import PageGuard
from outpost.web.sessions import installation_key
from outpost.web.templating import environments

ROUTERS = (
    auth.router,
    overview.router,
    alerts.router,
    cases.router,
    assessments.router,
    plans.router,
    plan_page.router,
    events.router,
    articles.router,
    stories.router,
    actors.router,
    sources.router,
    imports.router,
    rules.router,
    people.router,
    account.router,
    audit.router,
)


def mount_pages(app: FastAPI) -> None:
    context: Context = app.state.context
    assets = Assets()
    key = installation_key(context.settings.data_dir)
    app.state.web = Web(key, assets, environments(assets))
    before = len(app.router.routes)
    for router in ROUTERS:
        app.include_router(router, include_in_schema=False)  # pages are not the API
    pages = tuple(app.router.routes[before:])
    app.mount(PREFIX, VersionedStatic(assets), name="static")
    app.add_exception_handler(SignInRequiredError, sign_in_first)
    app.add_exception_handler(NotFoundError, not_found)
    app.add_exception_handler(NotAllowedError, _refusal(app, pages))
    app.add_middleware(
        PageGuard,
        key=key,
        covers=lambda path: _is_page(pages, path),
        is_static=lambda path: path == PREFIX or path.startswith(f"{PREFIX}/"),
        limits={rules.RULES_PATH: rules.RULES_BODY},
        uploads={
            path: sources.upload_cap(context.settings.upload_max_bytes)
            for path in (sources.UPLOAD_PATH, imports.UPLOAD_PATH)
        },
    )


def _refusal(app: FastAPI, pages: tuple[BaseRoute, ...]) -> ExceptionHandler:
    """The handler of NotAllowedError: a 403 page on the pages; elsewhere (the API beside
    them) the handler the app had before, which answers a problem."""
    before = app.exception_handlers.get(NotAllowedError)

    async def refuse(request: Request, exc: Exception) -> Response:
        if before is None or _is_page(pages, request.url.path):
            return await run_in_threadpool(not_allowed, request, exc)  # it reads the store
        answer = before(request, exc)
        return await answer if inspect.isawaitable(answer) else answer

    return refuse


def _is_page(routes: tuple[BaseRoute, ...], path: str) -> bool:
    """Whether a path is one of the pages' (whatever the method: a POST to a page is one)."""
    scope = {"type": "http", "path": path, "method": "GET", "root_path": ""}
    return any(route.matches(scope)[0] != Match.NONE for route in routes)
