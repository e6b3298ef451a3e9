"""What partners sent, read: a page of the imported objects the principal may see (newest
first, of one kind or source), one of them, and those partners sent of a local event or
story (the same event; a story sharing an article with it). Always through the visibility
rule: a hidden object is what a missing one is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from outpost.export import shapes
from outpost.export.stix import event_id
from outpost.records import EventRow, Received
from outpost.respond.people import NotFoundError
from outpost.services.context import Context
from outpost.services.paging import Page, Window, paged
from outpost.store import imported as store
from outpost.store import stories

SORTS = tuple(store.SORTS)
# The kinds an import keeps (the Kind filter offers these; any other is asked as typed).
KINDS = (
    "event",
    "entity",
    "place",
    "story",
    "assessment",
    "stix",
    "misp-event",
    "misp-attribute",
    "misp-object",
    "misp-report",
)
MAX_FILTER = 200  # characters of a kind or source asked
# The Outpost records an import carries, read back to be shown by their fields.
READERS: Mapping[str, Callable[[object], object]] = {
    "event": shapes.event_from,
    "entity": shapes.entity_from,
    "place": shapes.place_from,
    "story": shapes.story_from,
}


def page_received(
    ctx: Context, window: Window, kind: str | None = None, source: str | None = None
) -> Page[Received]:
    """A page of the imported objects the principal may see, newest first: of this kind,
    from a source whose name holds `source`, when given."""
    kind, source = _asked(kind), _asked(source)
    with ctx.engine.connect() as conn:
        return paged(window, SORTS, lambda s: store.page(conn, ctx.who, s, kind, source))


def _asked(value: str | None) -> str | None:
    value = (value or "").strip()[:MAX_FILTER]
    return value or None


def get_received(ctx: Context, item: int) -> Received:
    """The imported object; NotFoundError alike when there is none and when it may not be
    seen (the message names neither)."""
    with ctx.engine.connect() as conn:
        found = store.get(conn, ctx.who, item)
    if found is None:
        raise NotFoundError("no imported object with this id")
    return found


def readable(r: Received) -> object | None:
    """The Outpost record the object carries, read back (an EventItem, an Entity, a Place, a
    Story); None for any other kind, or for a record that does not read: then its JSON is
    all there is to show."""
    read = READERS.get(r.kind)
    try:
        return read(r.record) if read else None
    except shapes.ShapeError:
        return None


def sent_of_event(ctx: Context, row: EventRow) -> list[Received]:
    """The imported events the principal may see that are this event, oldest first."""
    with ctx.engine.connect() as conn:
        return store.of_keys(conn, ctx.who, "event", [event_id(row)])


def sent_of_story(ctx: Context, story_id: str) -> list[Received]:
    """The imported stories the principal may see that share an article with this story
    (imported story records list their articles' uids), oldest first."""
    with ctx.engine.connect() as conn:
        uids = stories.article_uids(conn, story_id)
        found = store.mentioning(conn, ctx.who, "story", uids)
    return [r for r in found if _articles(r) & set(uids)]


def _articles(r: Received) -> set[str]:
    listed = r.record.get("articles")
    items: Sequence[object] = listed if isinstance(listed, list) else []
    return {str(a["uid"]) for a in items if isinstance(a, dict) and "uid" in a}
