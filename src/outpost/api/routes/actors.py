"""/actors: the knowledge base's people, organisations and states, with what the store knows
of them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from outpost.api.deps import ContextDep
from outpost.api.filters import Cursor, Limit, sort_query
from outpost.api.problems import documented, not_found
from outpost.api.schemas.actors import (
    ActorProfilePublic,
    ActorPublic,
    actor_profile_public,
    actor_public,
)
from outpost.api.schemas.common import Page
from outpost.services import actors as service
from outpost.services.paging import Window

router = APIRouter(prefix="/actors", tags=["actors"], responses=documented("unauthorized"))
ActorId = Annotated[
    str,
    Path(min_length=1, max_length=200, description="The actor's id: person:tokayev, org:csto."),
]
Sort = Annotated[str | None, sort_query(service.SORTS, "name (default) or -name.")]
Name = Annotated[
    str | None,
    Query(
        description="Part of the actor's id or of any of its names, in any language, case "
        f"aside (at most {service.MAX_QUERY} characters).",
    ),
]


@router.get("", response_model=Page[ActorPublic], responses=documented("bad-query"))
def read_actors(
    ctx: ContextDep,
    q: Name = None,
    sort: Sort = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[ActorPublic]:
    """The knowledge base's actors (those whose id or a name contains q), by name, each
    with its events and articles in the store."""
    page = service.find_actors(ctx, q, Window(sort, cursor, limit))
    return Page[ActorPublic](
        items=[actor_public(a) for a in page.items],
        total=page.total,
        total_exact=page.exact,
        next_cursor=page.next_cursor,
    )


@router.get("/{actor_id}", response_model=ActorProfilePublic, responses=documented("not-found"))
def read_actor(ctx: ContextDep, actor_id: ActorId) -> ActorProfilePublic:
    """Who the actor is, how the articles write it, its events per day, and the stories and
    the actors beside it."""
    found = service.get_actor(ctx, actor_id)
    if found is None:
        raise not_found("actor")
    return actor_profile_public(found)
