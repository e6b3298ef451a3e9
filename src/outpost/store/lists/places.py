"""Places as the articles mention them, counted; and events on a map, counted per cell."""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, String, cast, func, literal, select, tuple_

from outpost.records import MapCell, PlacedEvents, PlaceSummary
from outpost.store.lists.articles import SORTS as ARTICLE_SORTS
from outpost.store.lists.common import (
    FILTERS,
    Asked,
    ListError,
    Wanted,
    asked,
    in_box,
    in_time,
)
from outpost.store.lists.events import event_conditions
from outpost.store.lists.keyset import Key, Listed, Slice, every
from outpost.store.schema import ARTICLE_TIME, articles, events, places

PLACE_FILTERS = ("since", "until", "country", "admin1", "bbox", "lang", "source", "q")
# Places are counted over the most recent articles that match, at most this many (a day or
# two of a busy store): grouping the mentions costs about 2 µs each on SQLite, and an
# article mentions thirty places. A list of places is about what is being reported now; a
# time range reaches further back (its last RECENT articles).
RECENT = 1000
SORTS = ("-articles", "name")
MAX_NAME = 200


def list_places(conn: Connection, wanted: Wanted, s: Slice) -> Listed[PlaceSummary]:
    """Places mentioned in the most recent RECENT articles within the time range, language
    and source, the places themselves within the country, division, box, and starting with
    q (their name); most mentioned first, or by name. Counted from the index (article_id,
    geonames_id, name, id) alone; the page's coordinates and codes are read after."""
    if s.sort not in SORTS:
        raise ListError(f"sort: one of {', '.join(SORTS)}")
    if wanted.q is not None and len(wanted.q) > MAX_NAME:
        raise ListError(f"q: the start of a place's name, at most {MAX_NAME} characters")
    a = asked(wanted, PLACE_FILTERS, "places")
    where = _place_conditions(a, wanted.q)
    p = places.c
    counted = (
        select(
            p.geonames_id,
            p.name,
            func.count(func.distinct(p.article_id)).label("articles"),
            func.count().label("mentions"),
            func.count().over().label("total"),
            func.min(p.id).label("sample"),  # a mention of it, for its coordinates and codes
        )
        .where(*where)
        .group_by(p.geonames_id, p.name)
        .subquery()
    )
    key = func.coalesce(
        literal("geonames:") + cast(counted.c.geonames_id, String),
        literal("name:") + counted.c.name,
    ).label("key")
    by_count = s.sort == "-articles"
    order = (counted.c.articles if by_count else counted.c.name, key)
    query = select(counted, key)
    if s.after is not None:
        query = query.where(_after(order, s.after, descending=by_count))
    direction = [c.desc() for c in order] if by_count else [c.asc() for c in order]
    rows = conn.execute(query.order_by(*direction).limit(s.limit + 1)).all()
    shown = rows[: s.limit]
    total = rows[0].total if rows else _count(conn, counted)
    items = _summaries(conn, shown)
    if len(rows) <= s.limit:
        return Listed(items, total, None)
    last = shown[-1]
    return Listed(items, total, (last.articles if by_count else last.name, last.key))


def _place_conditions(a: Asked, q: str | None) -> list[Any]:
    recent = select(articles.c.id).where(*in_time(ARTICLE_TIME, a))
    if a.lang is not None:
        recent = recent.where(articles.c.lang == a.lang)
    if a.source is not None:
        recent = recent.where(articles.c.source == a.source)
    recent = recent.order_by(*ARTICLE_SORTS["-published"].order()).limit(RECENT)
    p = places.c
    where: list[Any] = [p.article_id.in_(recent.scalar_subquery())]
    where += [c == v for c, v in ((p.country, a.country), (p.admin1, a.admin1)) if v is not None]
    if a.bbox is not None:
        where.append(in_box(p.lat, p.lon, a.bbox))
    if q is not None:  # a name's start; case folded in ASCII only on SQLite, whose lower()
        # knows no other letters (the gazetteer's names are Latin)
        where.append(func.lower(p.name).startswith(q.strip().lower(), autoescape=True))
    return where


def _summaries(conn: Connection, shown: Sequence[Any]) -> tuple[PlaceSummary, ...]:
    """The page's places with their coordinates and codes, as one mention of each gives them
    (the gazetteer gives every mention of a place the same)."""
    if not shown:
        return ()
    samples = conn.execute(select(places).where(places.c.id.in_([r.sample for r in shown])))
    found = {row.id: row for row in samples}
    return tuple(_summary(r, found[r.sample]) for r in shown)


def _after(order: tuple[Any, Any], key: Key, descending: bool) -> Any:
    value, ident = key
    if not isinstance(ident, str) or not isinstance(value, int | str) or isinstance(value, bool):
        raise ListError("cursor: not a cursor this list gave")
    mine, theirs = tuple_(*order), tuple_(literal(value), literal(ident))
    return mine < theirs if descending else mine > theirs


def _count(conn: Connection, counted: Any) -> int:
    return int(conn.execute(select(func.count()).select_from(counted)).scalar_one())


def _summary(r: Any, sample: Any) -> PlaceSummary:
    return PlaceSummary(
        key=r.key,
        name=r.name,
        lat=sample.lat,
        lon=sample.lon,
        country=sample.country,
        admin1=sample.admin1,
        kind=sample.kind,
        articles=int(r.articles),
        mentions=int(r.mentions),
    )


# The map. Cell sizes in degrees: one of these, so that the cells of a view are the same
# whatever its exact edges (a map panned a little keeps its clusters).
SIZES = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 45.0)
MAX_CELLS = 5000


def event_cells(conn: Connection, wanted: Wanted, cells: int) -> list[MapCell]:
    """Events matching the filters (all of them: events without a place are left out),
    counted in the cells of a grid over the box (the world without one) with at most
    `cells` cells, and per threat domain."""
    if not 1 <= cells <= MAX_CELLS:
        raise ListError(f"cells: between 1 and {MAX_CELLS}")
    a = asked(wanted, FILTERS, "events")
    west, south, east, north = a.bbox or (-180.0, -90.0, 180.0, 90.0)
    width = east - west if west <= east else east + 360 - west  # across the antimeridian
    size = _size(width, north - south, cells)
    found: dict[tuple[int, int], MapCell] = {}
    domains: dict[tuple[int, int], Counter[str]] = defaultdict(Counter)
    for group in _groups(conn, a):
        if group.lat is None or group.lon is None:
            continue
        cell = _cell(group.lat, group.lon, west, south, size)
        found[cell] = _add(found.get(cell), cell, west, south, size, group.count)
        for domain in group.domains:
            domains[cell][domain] += group.count
    return [
        MapCell(c.lat, c.lon, c.size, c.count, dict(sorted(domains[k].items())))
        for k, c in sorted(found.items())
    ]


def placed_events(conn: Connection, wanted: Wanted) -> list[PlacedEvents]:
    """Events matching the filters, counted per place and set of threat domains (the events
    without a place as one group of lat and lon None)."""
    return _groups(conn, asked(wanted, FILTERS, "events"))


def _groups(conn: Connection, a: Asked) -> list[PlacedEvents]:
    # Events without a place come back as one group of (None, None), which the map leaves
    # out: asking for `lat IS NOT NULL` would make SQLite read them through the (lat, lon)
    # index and look every row up for the other filters. For the same reason, with filters
    # the groups are of `lat + 0` (which no index orders), so the filters' own index is
    # read; without, the index (lat, lon, domains) alone answers. An event's domains are
    # grouped as stored (their JSON list) and read here, a few thousand distinct groups at
    # most.
    e = events.c
    where = every(conn, event_conditions(conn.dialect.name, a))
    point = (e.lat + 0, e.lon + 0) if where else (e.lat, e.lon)
    counts = select(*point, e.domains, func.count()).where(*where).group_by(*point, e.domains)
    return [
        PlacedEvents(lat, lon, tuple(sorted(set(json.loads(listed)))), n)
        for lat, lon, listed, n in conn.execute(counts)
    ]


def _size(width: float, height: float, cells: int) -> float:
    """The smallest size of SIZES whose grid over the box has at most `cells` cells."""
    for size in SIZES:
        if math.ceil(max(width, size) / size) * math.ceil(max(height, size) / size) <= cells:
            return size
    return SIZES[-1]


def _cell(lat: float, lon: float, west: float, south: float, size: float) -> tuple[int, int]:
    """The cell of a point: rows from the box's south, columns eastwards from its west edge
    (across the antimeridian when the box crosses it)."""
    return math.floor((lat - south) / size), math.floor(((lon - west) % 360) / size)


def _add(
    cell: MapCell | None, at: tuple[int, int], west: float, south: float, size: float, n: int
) -> MapCell:
    if cell is not None:
        return MapCell(cell.lat, cell.lon, size, cell.count + n, {})
    lat = south + (at[0] + 0.5) * size
    lon = (west + (at[1] + 0.5) * size + 180) % 360 - 180
    return MapCell(round(lat, 6), round(lon, 6), size, n, {})
