"""/places and /map: where the articles report from, and the events on a map."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from outpost.api.deps import ContextDep
from outpost.api.filters import Cursor, Limit, ListFilters, PlaceFilters, sort_query
from outpost.api.problems import documented
from outpost.api.schemas.common import Page
from outpost.api.schemas.places import MapPublic, PlacePublic, map_public, place_public
from outpost.services import places as service
from outpost.services.paging import Window
from outpost.store.lists.places import MAX_CELLS, SORTS

router = APIRouter(tags=["places"], responses=documented("unauthorized", "bad-query"))
Sort = Annotated[
    str | None, sort_query(SORTS, "-articles (default: most mentioned first) or name.")
]


@router.get("/places", response_model=Page[PlacePublic])
def read_places(
    ctx: ContextDep,
    filters: PlaceFilters,
    sort: Sort = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[PlacePublic]:
    """Places the most recent matching articles mention (the last 1,000 in the time range,
    language and source), the places themselves within the country, division, box, and
    starting with q; each with how many of those articles mention it."""
    page = service.find_places(ctx, filters, Window(sort, cursor, limit))
    return Page[PlacePublic](
        items=[place_public(p) for p in page.items],
        total=page.total,
        total_exact=page.exact,
        next_cursor=page.next_cursor,
    )


@router.get("/map", response_model=MapPublic)
def read_map(
    ctx: ContextDep,
    filters: ListFilters,
    cells: Annotated[
        int,
        Query(
            ge=1,
            le=MAX_CELLS,
            description="At most this many cells: the grid's cell size is the smallest of "
            "0.01, 0.02, 0.05 … 45 degrees that keeps the box within it.",
        ),
    ] = 2000,
) -> MapPublic:
    """The events matching every filter (as GET /events reads them), counted on a grid over
    the box, and per threat domain in each cell."""
    return map_public(service.event_map(ctx, filters, cells))
