"""Exports: the events the filters find, with the actors, places and stories they name, as a
`Selection` written in one of the registered formats (outpost.export.formats), for the acting
principal. Every export is recorded in the audit log.

What the machine derived from open sources is CLEAR; the items people write (assessments,
cases, plans) join a selection through the visibility rule once they exist, so a selection
never holds what the principal may not see.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection

from outpost.export.bundle import EventItem, Marked, Producer, Selection, place_key
from outpost.export.formats import EXPORTERS, UnknownFormatError, exporter
from outpost.kb.actors import load_kb
from outpost.records import Entity, EventRow, LocatedEvent, Place, Story
from outpost.services.audit import record
from outpost.services.context import Context
from outpost.services.judged import with_assessments
from outpost.services.paging import BadQueryError, Filters, Page, Window, paged
from outpost.services.received import with_received
from outpost.store import people
from outpost.store import stories as story_store
from outpost.store.lists import events as lists

MAX_EVENTS = 10_000  # one export: more is refused, with the count, so the filters narrow it
PAGE = 500
FORMATS = tuple(EXPORTERS)


@dataclass(frozen=True)
class Exported:
    """What an export wrote: where, in which format, and how many of each item."""

    path: Path
    format: str
    events: int
    actors: int
    places: int
    stories: int
    assessments: int = 0


def export_selection(
    ctx: Context, filters: Filters, limit: int = MAX_EVENTS, newest: bool = False
) -> Selection:
    """The events the filters find (newest first), their KB actors and targets, their places,
    the stories that hold their articles and the assessments of those events and stories,
    with what partners sent that the principal may see (services.received); BadQueryError
    names a filter that cannot be, or says how many match when more than `limit` do.
    `newest`: the newest `limit` of them instead of a refusal (a feed such as TAXII, read
    again and again, wants the latest)."""
    with ctx.engine.connect() as conn:
        rows = _newest(conn, filters, limit) if newest else _rows(conn, filters, limit)
        located = lists.located_events(conn, [r.id for r in rows])
        uids = list(dict.fromkeys(r.article for r in rows))
        held = story_store.stories_of_articles(conn, uids)
        stories = [s for i in held if (s := story_store.get_story(conn, i)) is not None]
        producer = _producer(conn, ctx)
        items = [_item(e) for e in located]
        local = Selection(
            producer=producer,
            as_of=datetime.now(UTC),
            events=tuple(Marked(e) for e in items),
            actors=tuple(Marked(a) for a in _actors(items)),
            places=tuple(Marked(p) for p in _places(items)),
            stories=tuple(Marked(s) for s in _stories(stories)),
        )
        return with_assessments(conn, ctx.who, with_received(conn, ctx.who, local, filters))


def write_export(
    ctx: Context, name: str, filters: Filters, out: Path, limit: int = MAX_EVENTS
) -> Exported:
    """The selection written to `out` in format `name` (a folder for misp-feed), and the
    export recorded in the audit log with its filters and counts."""
    try:
        chosen = exporter(name)
    except UnknownFormatError as exc:
        raise BadQueryError(f"format: {exc}") from None
    selection = export_selection(ctx, filters, limit)
    chosen.write(selection, out)
    done = Exported(
        out,
        name,
        len(selection.events),
        len(selection.actors),
        len(selection.places),
        len(selection.stories),
        len(selection.assessments),
    )
    with ctx.engine.begin() as conn:
        record(conn, ctx.who, "export", name, _detail(done, filters))
    return done


FOLDER = "misp-feed"  # written as a folder, handed out as a zip of it


@dataclass(frozen=True)
class Download:
    """An export written to a temporary folder, as one file to hand out: the caller sends
    `path` and then removes `folder`."""

    path: Path
    media_type: str
    filename: str
    folder: Path


def export_download(ctx: Context, name: str, filters: Filters, limit: int = MAX_EVENTS) -> Download:
    """The export written (and audited) as one file to download, the MISP feed folder as a
    zip; what write_export refuses is refused the same, and leaves nothing behind."""
    folder = Path(tempfile.mkdtemp(prefix="outpost-export-"))
    try:
        target = folder / "export"
        write_export(ctx, name, filters, target, limit)
        if name == FOLDER:
            zipped = Path(shutil.make_archive(str(folder / "feed"), "zip", target))
            return Download(zipped, "application/zip", "outpost-misp-feed.zip", folder)
        chosen = exporter(name)
        return Download(target, chosen.media_type, f"outpost-export{chosen.suffix}", folder)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def _rows(conn: Connection, filters: Filters, limit: int) -> list[EventRow]:
    found: list[EventRow] = []
    for page in _pages(conn, filters):
        if not page.exact or page.total > limit:
            total = f"more than {page.total:,}" if not page.exact else f"{page.total:,}"
            raise BadQueryError(
                f"filters: {total} events match; an export holds at most {limit:,} "
                "(narrow the time range, the country or the domain)"
            )
        found += page.items
    return found


def _newest(conn: Connection, filters: Filters, limit: int) -> list[EventRow]:
    found: list[EventRow] = []
    for page in _pages(conn, filters):
        found += page.items
        if len(found) >= limit:
            return found[:limit]
    return found


def _pages(conn: Connection, filters: Filters) -> Iterator[Page[EventRow]]:
    cursor: str | None = None
    while True:
        window = Window(cursor=cursor, limit=PAGE)
        page = paged(window, tuple(lists.SORTS), lambda s: lists.list_events(conn, filters, s))
        yield page
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def _item(e: LocatedEvent) -> EventItem:
    return EventItem(e.event, e.published, e.source, e.url, e.lang, e.lat, e.lon, e.admin1)


def _actors(events: list[EventItem]) -> list[Entity]:
    kb = load_kb()
    named = dict.fromkeys(i for e in events for i in (*e.row.actors, *e.row.targets))
    return [entity for i in named if (entity := kb.get(i)) is not None]


def _places(events: list[EventItem]) -> list[Place]:
    found: dict[str, Place] = {}
    for e in events:
        if e.row.place is not None:
            found.setdefault(place_key(e.row.place), _place(e.row.place))
    return list(found.values())


def _place(stored: dict[str, object]) -> Place:
    """A place as an event holds it (its JSON), with the record's own fields only."""
    names = {f.name for f in fields(Place)}
    return Place(**{k: v for k, v in stored.items() if k in names})  # type: ignore[arg-type]


def _stories(found: list[Story]) -> list[Story]:
    return [s for s in found if s.state != "merged"]


def _producer(conn: Connection, ctx: Context) -> Producer:
    """The principal's organisation, else this installation."""
    org = people.org_by_code(conn, ctx.who.org) if ctx.who.org else None
    if org is None:
        return Producer("outpost", "Outpost")
    return Producer(f"org:{org.code}", org.name)


def _detail(done: Exported, filters: Filters) -> dict[str, str | int | None]:
    given = {f"filter.{name}": str(getattr(filters, name)) for name in sorted(filters.given())}
    counts = {
        "events": done.events,
        "actors": done.actors,
        "places": done.places,
        "stories": done.stories,
        "assessments": done.assessments,
    }
    return {**given, **counts}
