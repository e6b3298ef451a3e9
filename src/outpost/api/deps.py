"""Typed dependencies: who is asking (an API token's principal) and the service context that
acts as them.

Every route but the health check depends on ContextDep, so no route can be reached without a
valid token: `Authorization: Bearer op_...`, verified by the services layer. A missing, malformed,
unknown or revoked token is the same 401 problem, so an answer tells nothing about tokens.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from typing import Annotated

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from outpost.api.problems import ProblemError
from outpost.records import Principal
from outpost.services.context import Context
from outpost.services.jobs import JobRunner
from outpost.services.paging import BadQueryError, Filters
from outpost.services.tokens import authenticate

bearer = HTTPBearer(
    auto_error=False,
    bearerFormat="op_...",
    description="An API token, made with `outpost token create NAME`.",
)
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="outpost"'}


def app_context(request: Request) -> Context:
    """The app's one context (its engine and settings), acting for no one yet."""
    context: Context = request.app.state.context
    return context


def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    if credentials is None:
        raise ProblemError(
            "unauthorized", "send an API token: Authorization: Bearer op_...", headers=CHALLENGE
        )
    who = authenticate(app_context(request), credentials.credentials)
    if who is None:
        raise ProblemError(
            "unauthorized", "the API token is not valid (unknown or revoked)", headers=CHALLENGE
        )
    return who


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def acting_context(request: Request, who: CurrentPrincipal) -> Context:
    """The app's context acting as the token's principal."""
    return app_context(request).acting(who)


ContextDep = Annotated[Context, Depends(acting_context)]


def known_query(request: Request) -> None:
    """Refuse a query parameter the route does not take (422, each one named): a filter that
    does not apply is an error, never silently ignored (the answer would not be what was
    asked for). On a filtered list, a filter of the other lists is a bad-query problem."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    taken = _query_names(route)
    unknown = sorted(set(request.query_params) - taken)
    _refuse_other_filters(unknown, taken)
    if unknown:
        raise RequestValidationError(
            [
                {"loc": ("query", name), "msg": "not a parameter of this route", "type": "extra"}
                for name in unknown
            ]
        )


def storable(request: Request) -> None:
    """Refuse a query or path value with NUL (422, each one named): the store's text cannot
    hold one (PostgreSQL refuses it in a query), so it names nothing there."""
    given = [("query", k, v) for k, v in request.query_params.multi_items()]
    given += [("path", k, v) for k, v in request.path_params.items() if isinstance(v, str)]
    wrong = dict.fromkeys((place, name) for place, name, value in given if "\x00" in value)
    if wrong:
        raise RequestValidationError(
            [
                {"loc": (place, name), "msg": "NUL is not allowed", "type": "value_error"}
                for place, name in wrong
            ]
        )


FILTERS = tuple(f.name for f in fields(Filters))


def _refuse_other_filters(unknown: Sequence[str], taken: set[str]) -> None:
    """A list asked for a filter of other lists that it cannot use answers as the services
    do (a bad-query problem that names the filters it has): the filter is known, the list
    cannot apply it."""
    mine = [name for name in FILTERS if name in taken]
    if unknown and mine and all(name in FILTERS for name in unknown):
        raise BadQueryError(
            f"{unknown[0]}: not a filter of this list (these are: {', '.join(mine)})"
        )


def _query_names(route: APIRoute) -> set[str]:
    """The query parameters of the route and of every dependency it has."""
    names: set[str] = set()
    todo = [route.dependant]
    while todo:
        dependant = todo.pop()
        names.update(p.alias for p in dependant.query_params)
        todo.extend(dependant.dependencies)
    return names


def job_runner(request: Request) -> JobRunner:
    runner: JobRunner = request.app.state.jobs
    return runner


RunnerDep = Annotated[JobRunner, Depends(job_runner)]
