"""Selections for the export tests, made of real records: the bundled examples ingested,
analysed and clustered for real (once per test process: analysis takes half a minute), then
read back through the services as the pages read them."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from outpost.config import FetchSettings, Settings, sqlite_url
from outpost.export.bundle import EventItem, Marked, Producer, Selection, place_key
from outpost.kb.actors import load_kb
from outpost.markings import TLP
from outpost.records import Entity, Place
from outpost.services.analysis import analyze_store
from outpost.services.context import Context, operator
from outpost.services.events import get_event, read_events
from outpost.services.ingest import ingest
from outpost.services.stories import cluster_store, list_stories
from outpost.store import connect
from outpost.store.facts import EventFilter
from outpost.store.stories import StoryFilter
from tests.conftest import EXAMPLES

PRODUCER = Producer("org:crc", "Crisis Response Centre")
AS_OF = datetime(2025, 4, 1, 12, 0, 0, 123000, tzinfo=UTC)


@lru_cache(maxsize=1)
def analysed() -> Selection:
    """Every event, story, KB actor and place of the analysed examples, all CLEAR (machine
    derived from open sources)."""
    with tempfile.TemporaryDirectory() as folder:
        url = sqlite_url(Path(folder) / "export.db")
        engine = connect(url)
        try:
            settings = Settings(
                data_dir=Path(folder) / "data", database_url=url, fetch=FetchSettings()
            )
            ingest(engine, settings, [str(EXAMPLES)])
            analyze_store(engine)
            cluster_store(engine)
            ctx = Context(engine, settings, operator())
            details = [get_event(ctx, e.id) for e in read_events(ctx, EventFilter(limit=None))]
            stories = list_stories(ctx, StoryFilter(), with_articles=True)
        finally:
            engine.dispose()
    events = [EventItem.of(d) for d in details if d is not None]
    return Selection(
        producer=PRODUCER,
        as_of=AS_OF,
        events=tuple(Marked(e) for e in events),
        actors=tuple(Marked(a) for a in _actors(events)),
        places=tuple(Marked(p) for p in _places(events)),
        stories=tuple(Marked(s) for s in stories),
    )


def _actors(events: list[EventItem]) -> list[Entity]:
    kb = load_kb()
    named = dict.fromkeys(i for e in events for i in (*e.row.actors, *e.row.targets))
    return [entity for i in named if (entity := kb.get(i)) is not None]


def _places(events: list[EventItem]) -> list[Place]:
    found: dict[str, Place] = {}
    for e in events:
        if e.row.place is not None:
            found.setdefault(place_key(e.row.place), Place(**e.row.place))
    return list(found.values())


def marked(selection: Selection, markings: dict[str, TLP]) -> Selection:
    """The selection with some items re-marked, named by key: 'event:52', 'actor:group:taliban',
    'place:geonames:1164896', 'story:s-...'."""

    def mark(key: str, m: Marked) -> Marked:  # type: ignore[type-arg]
        return replace(m, marking=markings.get(key, m.marking))

    return replace(
        selection,
        events=tuple(mark(f"event:{m.item.row.id}", m) for m in selection.events),
        actors=tuple(mark(f"actor:{m.item.id}", m) for m in selection.actors),
        places=tuple(mark(f"place:{place_key(m.item)}", m) for m in selection.places),
        stories=tuple(mark(f"story:{m.item.id}", m) for m in selection.stories),
    )
