"""What is exported: a `Selection` of records, each with its TLP 2.0 marking.

The services layer builds a selection from what the viewer may see; the writers of every
format read only it. Links between items are found inside the selection only (an event's place
and actors, a story's events), so nothing outside it is ever referenced. Containers take the
strictest marking of what they hold (`effective`): a story with an AMBER event is AMBER at least.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from outpost.markings import TLP, strictest
from outpost.records import Entity, EventDetail, EventRow, Place, Story

NEVER = datetime(1970, 1, 1, tzinfo=UTC)  # what came at no known time

T = TypeVar("T")


@dataclass(frozen=True)
class Marked(Generic[T]):
    """One item and its marking (machine-derived items are CLEAR)."""

    item: T
    marking: TLP = TLP.CLEAR


@dataclass(frozen=True)
class EventItem:
    """An event as exported: its row, when its article was published, where (the gazetteer's
    coordinates and first-level division) and where it was read."""

    row: EventRow
    published: datetime  # the article's publication time, else its fetch time
    source: str
    url: str | None
    lang: str | None
    lat: float | None
    lon: float | None
    admin1: str | None

    @classmethod
    def of(cls, detail: EventDetail) -> EventItem:
        a = detail.article
        return cls(
            detail.event, detail.published, detail.source, a.url, detail.lang,
            detail.lat, detail.lon, detail.admin1,
        )  # fmt: skip


@dataclass(frozen=True)
class Judged:
    """An assessment as exported: what it judges (an event by its id, a story by its id) and
    its fields, without who is named on it (organisations and people of the exporting
    Outpost). `origin` is the producer whose assessment it is (ids are unique inside it)."""

    id: int
    origin: str
    target_kind: str  # event, story, indicator
    target_id: str  # an event's number, a story's id, a series 'kind:key' (series_of)
    title: str
    judgements: tuple[tuple[str, str], ...]  # (text, likelihood)
    confidence: str  # low, moderate, high
    reliability: str  # Admiralty A-F
    credibility: int  # Admiralty 1-6
    valid_from: str | None  # ISO dates
    valid_until: str | None
    created: datetime
    updated: datetime


@dataclass(frozen=True)
class MispPart:
    """An imported MISP item exported again as it came: an event's metadata
    ('misp-event'), an attribute ('misp-attribute'), an object ('misp-object') or an event
    report ('misp-report'), as pymisp's JSON, with the uuid of the event it belongs to."""

    kind: str
    event: str  # the MISP event's uuid
    record: Mapping[str, Any]
    arrived: datetime = NEVER  # when it came into this Outpost


@dataclass(frozen=True)
class Foreign:
    """A partner's STIX object that is no Outpost record, exported again as it came, and when
    it came into this Outpost (a TAXII server's date_added)."""

    object: Mapping[str, Any]
    arrived: datetime


@dataclass(frozen=True)
class Producer:
    """The organisation that exports (the STIX identity every object is created by)."""

    id: str  # stable, e.g. "org:crc"
    name: str


@dataclass(frozen=True)
class Selection:
    """The items of one export. `as_of` is when it was made (every object's `modified`)."""

    producer: Producer
    as_of: datetime  # aware
    events: tuple[Marked[EventItem], ...] = ()
    actors: tuple[Marked[Entity], ...] = ()
    places: tuple[Marked[Place], ...] = ()
    stories: tuple[Marked[Story], ...] = ()
    assessments: tuple[Marked[Judged], ...] = ()  # of the selected events and stories
    misp: tuple[Marked[MispPart], ...] = ()  # imported from MISP (STIX writes them converted)
    # A partner's STIX objects that are no Outpost record, as they came (STIX writes them)
    foreign: tuple[Marked[Foreign], ...] = ()
    # An imported story's producer (its id), by story id: the story keeps the STIX id its
    # producer gave it (story ids are only unique inside one Outpost).
    story_origins: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Each item once: links between items go by these keys."""
        for what, keys in (
            ("event", [m.item.row.id for m in self.events]),
            ("actor", [m.item.id for m in self.actors]),
            ("place", [place_key(m.item) for m in self.places]),
            ("story", [m.item.id for m in self.stories]),
        ):
            seen: set[object] = set()
            for key in keys:
                if key in seen:
                    raise ValueError(f"a selection holds each item once: {what} {key} is twice")
                seen.add(key)


def series_of(e: EventItem) -> frozenset[str]:
    """The indicator series an event counts in, named as an assessment of one names them
    ('kind:key', as analyze.series counts them): its type, threat domains, country and
    first-level division."""
    r = e.row
    admin1 = (r.place or {}).get("admin1") or e.admin1
    keys = [("event_type", r.type), *(("domain", d) for d in r.domains)]
    if r.country:
        keys.append(("country", r.country))
        keys += [("admin1", f"{r.country}-{admin1}")] if admin1 else []
    return frozenset(f"{kind}:{key[:64]}" for kind, key in keys)  # a series' key is cut so


def place_key(place: Place | Mapping[str, Any]) -> str:
    """A place's stable key: 'geonames:1221874', or 'name:Dushanbe' without a GeoNames id (the
    key the place lists use)."""
    if isinstance(place, Place):
        geonames: object = place.geonames_id
        name: object = place.name
    else:
        geonames, name = place.get("geonames_id"), place.get("name")
    return f"geonames:{geonames}" if geonames is not None else f"name:{name}"


@dataclass(frozen=True)
class Links:
    """What each item refers to inside the selection: by event id its actors, targets and
    place key; by story id its event ids."""

    actors: Mapping[int, tuple[str, ...]]
    targets: Mapping[int, tuple[str, ...]]
    place: Mapping[int, str | None]
    story_events: Mapping[str, tuple[int, ...]]


def links(selection: Selection) -> Links:
    """The references between the selected items; anything not selected is left out."""
    actors = {m.item.id for m in selection.actors}
    places = {place_key(m.item) for m in selection.places}
    by_article: dict[str, list[int]] = {}
    acting: dict[int, tuple[str, ...]] = {}
    targets: dict[int, tuple[str, ...]] = {}
    where: dict[int, str | None] = {}
    for m in selection.events:
        row = m.item.row
        by_article.setdefault(row.article, []).append(row.id)
        acting[row.id] = _kept(row.actors, actors)
        targets[row.id] = _kept(row.targets, actors)
        key = place_key(row.place) if row.place else None
        where[row.id] = key if key in places else None
    story_events = {
        m.item.id: tuple(sorted({e for a in m.item.articles for e in by_article.get(a.uid, ())}))
        for m in selection.stories
    }
    return Links(acting, targets, where, story_events)


def _kept(idents: Iterable[str], selected: set[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for i in idents if i in selected))


def effective(selection: Selection) -> Selection:
    """The selection with each container marked at least as strictly as what it holds: an
    event as its actors, targets and place; a story as its events. (Idempotent.)"""
    found = links(selection)
    actors = {m.item.id: m.marking for m in selection.actors}
    places = {place_key(m.item): m.marking for m in selection.places}
    events = tuple(
        replace(m, marking=strictest([m.marking, *_held(m.item.row.id, found, actors, places)]))
        for m in selection.events
    )
    by_id = {m.item.row.id: m.marking for m in events}
    stories = tuple(
        replace(
            m, marking=strictest([m.marking, *(by_id[e] for e in found.story_events[m.item.id])])
        )
        for m in selection.stories
    )
    return replace(selection, events=events, stories=stories)


def _held(
    event: int, found: Links, actors: Mapping[str, TLP], places: Mapping[str, TLP]
) -> list[TLP]:
    held = [actors[a] for a in (*found.actors[event], *found.targets[event])]
    key = found.place[event]
    return [*held, places[key]] if key is not None else held
