"""Events: the structured facts found in the stored articles."""

from __future__ import annotations

from dataclasses import replace

from outpost.kb.actors import load_kb
from outpost.records import EventDetail, EventRow, Party
from outpost.services.context import Context
from outpost.services.paging import Filters, Page, Window, paged
from outpost.store.facts import EventFilter, list_events
from outpost.store.lists import events as lists


def read_events(ctx: Context, f: EventFilter) -> list[EventRow]:
    with ctx.engine.connect() as conn:
        return list_events(conn, f)


def find_events(ctx: Context, filters: Filters, window: Window) -> Page[EventRow]:
    """Events matching the filters, a page at a time ("-published" first by default, or
    "published", "-score"); BadQueryError names a filter, sort or cursor that cannot be."""
    with ctx.engine.connect() as conn:
        return paged(window, tuple(lists.SORTS), lambda s: lists.list_events(conn, filters, s))


def get_event(ctx: Context, event_id: int) -> EventDetail | None:
    """One event with its article's text (the evidence is event.start:event.end of it) and
    its actors and targets named from the knowledge base."""
    with ctx.engine.connect() as conn:
        found = lists.read_event(conn, event_id)
    if found is None:
        return None
    event = found.event
    parties = [_party(p, "actor") for p in event.actors]
    parties += [_party(p, "target") for p in event.targets]
    return replace(found, parties=tuple(parties))


def _party(ident: str, role: str) -> Party:
    """An actor or target as the event holds it: a KB id where linked, else a name."""
    entity = load_kb().get(ident)
    if entity is None:
        return Party(None, ident, role)
    return Party(entity.id, entity.name, role, entity.kind)
