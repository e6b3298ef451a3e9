"""Events: the structured facts found in the stored articles."""

from __future__ import annotations

from outpost.records import EventRow
from outpost.services.context import Context
from outpost.store.facts import EventFilter, list_events


def read_events(ctx: Context, f: EventFilter) -> list[EventRow]:
    with ctx.engine.connect() as conn:
        return list_events(conn, f)
