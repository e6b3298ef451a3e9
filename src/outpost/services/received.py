"""What partners sent, joined to an export: the imported events the viewer may see that the
filters find, and the imported actors, places and stories they name, each with the marking
it was imported with. A local item wins over an imported one with the same key (the machine
read the same article here, CLEAR), so a selection still holds each item once.

The filters are applied to the imported events as records: the full-text query reads the
local articles' text, which an import does not bring, so with `q` no imported event matches.
Items imported from MISP, and a partner's STIX objects that are no Outpost record, carry
nothing the filters read: they join exports made with no filter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import Any, TypeVar

from sqlalchemy import Connection

from outpost.export import shapes
from outpost.export.bundle import EventItem, Foreign, Marked, MispPart, Selection, place_key
from outpost.export.stix_in import FOREIGN
from outpost.records import Principal, Received
from outpost.services.paging import Filters
from outpost.store import imported as store

T = TypeVar("T")
KINDS = ("event", "entity", "place", "story")
MISP = ("misp-event", "misp-attribute", "misp-object", "misp-report")


def with_received(conn: Connection, who: Principal, sel: Selection, filters: Filters) -> Selection:
    """The selection and the imported items `who` may see that belong in it."""
    got = store.seen(conn, who, KINDS)
    have = {m.item.row.id for m in sel.events}
    events = [
        m for m in _marked(got, "event", shapes.event_from)
        if m.item.row.id not in have and matches(filters, m.item)
    ]  # fmt: skip
    events = list(_once(events, lambda m: m.item.row.id))
    named = {a for m in events for a in (*m.item.row.actors, *m.item.row.targets)}
    placed = {place_key(m.item.row.place) for m in events if m.item.row.place}
    articles = {m.item.row.article for m in events}
    actors = _new(_marked(got, "entity", shapes.entity_from), sel.actors, lambda e: e.id, named)
    places = _new(_marked(got, "place", shapes.place_from), sel.places, place_key, placed)
    stories = [
        m for m in _marked(got, "story", shapes.story_from)
        if {a.uid for a in m.item.articles} & articles
    ]  # fmt: skip
    stories = _new(stories, sel.stories, lambda s: s.id, {m.item.id for m in stories})
    origins = {m.item.id: _origin(got, m.item.id) for m in stories}
    return replace(
        sel,
        events=(*sel.events, *events),
        actors=(*sel.actors, *actors),
        places=(*sel.places, *places),
        stories=(*sel.stories, *stories),
        story_origins={**sel.story_origins, **origins},
        misp=(*sel.misp, *_misp(conn, who, filters)),
        foreign=(*sel.foreign, *_foreign(conn, who, filters)),
    )


def _misp(conn: Connection, who: Principal, filters: Filters) -> list[Marked[MispPart]]:
    """The imported MISP items `who` may see: their events have none of our records to
    filter on, so they join an export made with no filter only."""
    if filters.given():
        return []
    got = store.seen(conn, who, MISP)
    parts = [
        Marked(
            MispPart(r.kind, str(r.record.get("event_uuid", r.key)), r.record, r.imported),
            r.marking,
        )
        for r in got
    ]
    return list(_once(parts, lambda m: (m.item.kind, m.item.record.get("uuid"))))


def _foreign(conn: Connection, who: Principal, filters: Filters) -> list[Marked[Foreign]]:
    """The partners' STIX objects `who` may see, as MISP items join: with no filter only.
    One that refers to a kept object `who` may not see is left out too: its reference would
    tell that the hidden object exists (references to what was never sent stay)."""
    if filters.given():
        return []
    got = store.seen(conn, who, (FOREIGN,))
    hidden = store.hidden_keys(conn, who, FOREIGN) - {r.key for r in got}
    kept = [
        Marked(Foreign(r.record, r.imported), r.marking) for r in got if not refs(r.record) & hidden
    ]
    return list(_once(kept, lambda m: m.item.object["id"]))


def refs(o: Mapping[str, Any]) -> set[str]:
    """The ids an object refers to by its own properties (`*_ref`, `*_refs`)."""
    found: set[str] = set()
    for name, value in o.items():
        if name.endswith("_ref") and isinstance(value, str):
            found.add(value)
        elif name.endswith("_refs") and isinstance(value, list):
            found |= {v for v in value if isinstance(v, str)}
    return found


def _marked(got: list[Received], kind: str, read: Callable[[object], T]) -> list[Marked[T]]:
    return [Marked(read(r.record), r.marking) for r in got if r.kind == kind]


def _once(items: Iterable[Marked[T]], key: Callable[[Marked[T]], Any]) -> Iterable[Marked[T]]:
    """Each item once (two organisations may have imported the same object)."""
    seen: set[Any] = set()
    for m in items:
        if key(m) not in seen:
            seen.add(key(m))
            yield m


def _new(
    found: list[Marked[T]], have: tuple[Marked[T], ...], key: Callable[[T], Any], wanted: set[Any]
) -> list[Marked[T]]:
    """The imported items the new events name that the selection does not hold yet."""
    held = {key(m.item) for m in have}
    fresh = [m for m in found if key(m.item) in wanted and key(m.item) not in held]
    return list(_once(fresh, lambda m: key(m.item)))


def _origin(got: list[Received], story: str) -> str:
    return next(r.origin for r in got if r.kind == "story" and r.record.get("id") == story)


def matches(f: Filters, e: EventItem) -> bool:
    """Whether an imported event passes every filter given (none given: it does)."""
    r = e.row
    place: Mapping[str, Any] = r.place or {}
    checks = (
        f.since is None or e.published >= f.since,
        f.until is None or e.published < f.until,
        f.country is None or r.country == f.country,
        f.admin1 is None or e.admin1 == f.admin1 or place.get("admin1") == f.admin1,
        f.bbox is None or _inside(f.bbox, e.lat, e.lon),
        f.domain is None or f.domain in r.domains,
        f.event_type is None or r.type == f.event_type,
        f.actor is None or f.actor in (*r.actors, *r.targets),
        f.lang is None or e.lang == f.lang,
        f.source is None or e.source == f.source,
        f.q is None,
    )
    return all(checks)


def _inside(box: tuple[float, float, float, float], lat: float | None, lon: float | None) -> bool:
    west, south, east, north = box
    return lat is not None and lon is not None and south <= lat <= north and west <= lon <= east
