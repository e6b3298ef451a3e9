"""Places: where the articles report from, counted, and events on a map."""

from __future__ import annotations

from outpost.records import MapCell, PlacedEvents, PlaceSummary
from outpost.services.context import Context
from outpost.services.paging import BadQueryError, Filters, Page, Window, paged
from outpost.store.lists import places as store
from outpost.store.lists.common import ListError


def find_places(ctx: Context, filters: Filters, window: Window) -> Page[PlaceSummary]:
    """Places the most recent matching articles mention (store.RECENT of them), grouped by
    GeoNames id (else name), with their coordinates and how many articles mention them: most
    mentioned first, or "name". Filters: time, language and source (of the articles),
    country, admin1, bbox (of the places), q (the start of a place's name); the others do
    not apply to places and are refused."""
    with ctx.engine.connect() as conn:
        return paged(window, store.SORTS, lambda s: store.list_places(conn, filters, s))


def event_map(ctx: Context, filters: Filters, cells: int = 2000) -> list[MapCell]:
    """The events matching the filters, counted on a grid over the filters' box (the world
    without one) of at most `cells` cells, whose size is one of store.SIZES: so a map of a
    million events receives at most that many cells."""
    with ctx.engine.connect() as conn:
        try:
            return store.event_cells(conn, filters, cells)
        except ListError as exc:
            raise BadQueryError(str(exc)) from None


def placed_events(ctx: Context, filters: Filters) -> list[PlacedEvents]:
    """The events matching the filters, counted per place and set of threat domains, for a
    map that draws places one by one while they are few (the events without a place are
    one group, of lat and lon None)."""
    with ctx.engine.connect() as conn:
        try:
            return store.placed_events(conn, filters)
        except ListError as exc:
            raise BadQueryError(str(exc)) from None
