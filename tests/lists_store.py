"""The analysed sample store the list tests read (tests/test_lists_*.py): the bundled
examples and the first VOA stories, ingested, analysed and clustered for real, once per
test module and dialect; and the facts read back plainly, for the tests to compute what
each filter must find without the lists' SQL."""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import Engine, select

from outpost.config import FetchSettings, Settings, sqlite_url
from outpost.services.analysis import analyze_store
from outpost.services.context import Context, operator
from outpost.services.ingest import ingest
from outpost.services.paging import Filters, Page, Window
from outpost.services.stories import cluster_store
from outpost.store import connect
from outpost.store.lists import keyset
from outpost.store.schema import (
    analyses,
    articles,
    event_domains,
    event_parties,
    events,
    mentions,
    places,
    story_articles,
    threats,
)
from outpost.store.search import MAX_HITS, search
from outpost.store.times import aware
from tests.conftest import EXAMPLES, _postgres_schema_url
from tests.corpus import VOA, edited, passages

T = TypeVar("T")
VOA_STORIES = 16  # the first ones, beside the examples: more sources, countries and stories


def analysed_context(dialect: str, folder: Path) -> Iterator[Context]:
    """A context on a new store of `dialect` holding the analysed, clustered samples."""
    if dialect == "sqlite":
        yield from _filled(sqlite_url(folder / "lists.db"), folder)
    else:
        for url in _postgres_schema_url():  # the schema is dropped when the loop ends
            yield from _filled(url, folder)


def _filled(url: str, folder: Path) -> Iterator[Context]:
    engine = connect(url)
    settings = Settings(data_dir=folder / "data", database_url=url, fetch=FetchSettings())
    voa = folder / "voa.jsonl"
    lines = VOA.read_text(encoding="utf-8").splitlines()[:VOA_STORIES]
    voa.write_text("\n".join(lines + tied()) + "\n", encoding="utf-8")
    ingest(engine, settings, [str(EXAMPLES), str(voa)])
    analyze_store(engine)
    cluster_store(engine)
    try:
        yield Context(engine, settings, operator())
    finally:
        engine.dispose()


TIED = "2025-03-20T09:00:00Z"


def tied() -> list[str]:
    """JSONL lines of passages of the later VOA stories: four published at the same second
    (ties on the sort value), two without a time (their fetch time stands in), and a near
    duplicate of the first."""
    texts = passages()[-6:]
    lines = []
    for i, body in enumerate(texts):
        record = {"id": f"tie-{i}", "title": f"Tied {i}", "text": body, "source": "ties"}
        if i < 4:
            record["published"] = TIED
        lines.append(json.dumps(record))
    near = {"id": "tie-0-near", "text": edited(texts[0], random.Random(3)), "source": "ties"}
    lines.append(json.dumps({**near, "title": "Tied 0 again", "published": TIED}))
    return lines


def dialects() -> list[object]:
    return ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@dataclass
class Fact:
    """An article as the tests see it, read from the fact tables one by one."""

    id: int
    uid: str
    time: datetime  # publication time, else fetch time (aware)
    lang: str | None
    source: str
    countries: set[str] = field(default_factory=set)
    admin1: set[str] = field(default_factory=set)
    points: list[tuple[float, float]] = field(default_factory=list)  # of its places
    event_points: list[tuple[float, float]] = field(default_factory=list)
    domains: set[str] = field(default_factory=set)
    types: set[str] = field(default_factory=set)
    actors: set[str] = field(default_factory=set)
    story: str | None = None


@dataclass
class EventFact:
    id: int
    article: int
    time: datetime
    score: float
    type: str
    country: str | None
    admin1: str | None
    point: tuple[float, float] | None
    lang: str | None
    source: str
    domains: set[str]
    parties: set[str]


def facts(engine: Engine) -> tuple[dict[int, Fact], dict[int, EventFact]]:
    """Every article and event with what the filters read, computed in Python."""
    with engine.connect() as conn:
        found = {
            r.id: Fact(r.id, r.uid, aware(r.published or r.fetched), r.lang, r.source)
            for r in conn.execute(select(articles))
        }
        for r in conn.execute(select(places)):
            fact = found[r.article_id]
            fact.countries |= {r.country} if r.country else set()
            fact.admin1 |= {r.admin1} if r.admin1 else set()
            fact.points.append((r.lat, r.lon))
        for r in conn.execute(select(threats)):
            found[r.article_id].domains.add(r.domain)
        for r in conn.execute(select(analyses)):
            found[r.article_id].types |= {r.event_type} if r.event_type else set()
        for r in conn.execute(select(mentions).where(mentions.c.kb_id.is_not(None))):
            found[r.article_id].actors.add(r.kb_id)
        for r in conn.execute(select(story_articles)):
            found[r.article_id].story = r.story_id
        domains: dict[int, set[str]] = {}
        for r in conn.execute(select(event_domains)):
            domains.setdefault(r.event_id, set()).add(r.domain)
        parties: dict[int, set[str]] = {}
        for r in conn.execute(select(event_parties)):
            parties.setdefault(r.event_id, set()).add(r.party)
        happened = {}
        for r in conn.execute(select(events)):
            place = json.loads(r.place) if r.place else None
            article = found[r.article_id]
            happened[r.id] = EventFact(
                r.id,
                r.article_id,
                article.time,
                r.score,
                r.type,
                r.country,
                place["admin1"] if place else None,
                (place["lat"], place["lon"]) if place else None,
                article.lang,
                article.source,
                domains.get(r.id, set()),
                parties.get(r.id, set()),
            )
            article.types.add(r.type)
            if place:
                article.event_points.append((place["lat"], place["lon"]))
            article.domains |= domains.get(r.id, set())
            if place and place["country"]:
                article.countries.add(place["country"])
    return found, happened


def walk(
    find: Callable[[Context, Filters, Window], Page[T]],
    ctx: Context,
    filters: Filters,
    sort: str | None = None,
    limit: int = 7,
) -> tuple[list[T], set[int]]:
    """Every item of a list, page after page, and the totals the pages gave."""
    items: list[T] = []
    totals: set[int] = set()
    cursor = None
    for _ in range(10_000):
        page = find(ctx, filters, Window(sort, cursor, limit))
        assert len(page.items) <= limit
        items += page.items
        totals.add(page.total)
        if page.next_cursor is None:
            return items, totals
        assert page.items, "a page that says more follow has items"
        cursor = page.next_cursor
    raise AssertionError("more than 10,000 pages")


def most_common(values: Iterable[str | None], but_not_all: int) -> str:
    """The most frequent value that is not on every one of `but_not_all` items."""
    counted = Counter(v for v in values if v is not None)
    return next(v for v, n in counted.most_common() if n < but_not_all)


def in_box(point: tuple[float, float] | None, box: tuple[float, float, float, float]) -> bool:
    if point is None:
        return False
    (lat, lon), (west, south, east, north) = point, box
    across = lon >= west or lon <= east if west > east else west <= lon <= east
    return south <= lat <= north and across


def searched(ctx: Context, q: str) -> set[str]:
    """The uids the full-text search finds for q (the filter's definition)."""
    with ctx.engine.connect() as conn:
        return {hit.article.uid for hit in search(conn, q, MAX_HITS)}


# How a page is read (store/lists/keyset.py): as the totals decide, or forced one way, so
# that every way is checked to give the same items in the same order.
READINGS = {
    "as planned": None,
    "in order": {"DRIVE": -1},  # every page read in the sort's order, each row tested
    "from the filters": {"DRIVE": 10**9, "SCAN": 0},  # started from the filters' rows
}


def read_as(monkeypatch: pytest.MonkeyPatch, reading: str) -> None:
    for name, value in (READINGS[reading] or {}).items():
        monkeypatch.setattr(keyset, name, value)
