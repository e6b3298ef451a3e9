"""/health: whether the server and its store answer; no token needed (supervisors ask it)."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Response

from outpost import __version__
from outpost.api.deps import app_context
from outpost.api.problems import documented
from outpost.api.schemas.health import HealthPublic
from outpost.services.context import Context
from outpost.services.health import database_problem

router = APIRouter(tags=["health"])
log = logging.getLogger("outpost.api")


@router.get(
    "/health",
    response_model=HealthPublic,
    responses={
        **documented(),  # a parameter it does not take; an unexpected error
        503: {"model": HealthPublic, "description": "The store does not answer."},
    },
)
def read_health(ctx: Annotated[Context, Depends(app_context)], response: Response) -> HealthPublic:
    problem = database_problem(ctx)
    if problem is not None:
        log.warning("health: the store does not answer: %s", problem)
        response.status_code = 503
    ok = problem is None
    return HealthPublic(
        status="ok" if ok else "degraded",
        version=__version__,
        database="ok" if ok else "unavailable",
    )
