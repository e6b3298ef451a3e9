"""/events: who did what to whom, where and when, found in the articles, with the sentence
that proves it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from outpost.api.deps import ContextDep
from outpost.api.filters import Cursor, Limit, ListFilters, sort_query
from outpost.api.problems import documented, not_found
from outpost.api.schemas.common import MAX_ID, Page
from outpost.api.schemas.events import (
    EventDetailPublic,
    EventPublic,
    event_detail_public,
    event_public,
)
from outpost.services import events as service
from outpost.services.paging import Window
from outpost.store.lists.events import SORTS

router = APIRouter(prefix="/events", tags=["events"], responses=documented("unauthorized"))
EventId = Annotated[int, Path(ge=1, le=MAX_ID, description="The event's id.")]
Sort = Annotated[
    str | None,
    sort_query(
        tuple(SORTS),
        "-published (default: newest article first), published, or -score (surest first).",
    ),
]


@router.get("", response_model=Page[EventPublic], responses=documented("bad-query"))
def read_events(
    ctx: ContextDep,
    filters: ListFilters,
    sort: Sort = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[EventPublic]:
    """Events matching every filter, a page at a time. Their time is their article's;
    country, admin1 and bbox are those of the event's place; actor is any party (actor or
    target); q is their article's text."""
    page = service.find_events(ctx, filters, Window(sort, cursor, limit))
    return Page[EventPublic](
        items=[event_public(e) for e in page.items],
        total=page.total,
        total_exact=page.exact,
        next_cursor=page.next_cursor,
    )


@router.get("/{event_id}", response_model=EventDetailPublic, responses=documented("not-found"))
def read_event(ctx: ContextDep, event_id: EventId) -> EventDetailPublic:
    """The event with its parties named from the knowledge base, and its article's text
    (the evidence is text[start:end])."""
    found = service.get_event(ctx, event_id)
    if found is None:
        raise not_found("event")
    return event_detail_public(found)
