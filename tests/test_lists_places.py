"""Places, the map and actors on the analysed samples, on SQLite and PostgreSQL: places
counted by the articles that mention them, a page at a time in either order; events counted
on a grid whose cells follow the box (across the antimeridian too) with their domains;
actors found by any of their names, with their events and articles, and one actor's page."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from outpost.kb.actors import load_kb
from outpost.services.actors import find_actors, get_actor
from outpost.services.context import Context
from outpost.services.paging import BadQueryError, Filters, Window
from outpost.services.places import event_map, find_places
from outpost.store.lists.places import SIZES
from outpost.store.schema import mentions, places
from tests.lists_store import EventFact, Fact, analysed_context, dialects, facts, in_box, walk

Known = tuple[dict[int, Fact], dict[int, EventFact]]


@pytest.fixture(scope="module", params=dialects())
def ctx(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Context]:
    yield from analysed_context(request.param, tmp_path_factory.mktemp("places"))


@pytest.fixture(scope="module")
def known(ctx: Context) -> Known:
    return facts(ctx.engine)


def place_counts(ctx: Context, country: str | None = None) -> dict[str, tuple[str, set[int]]]:
    """Per place key: its name and the articles that mention it, read plainly."""
    found: dict[str, tuple[str, set[int]]] = {}
    with ctx.engine.connect() as conn:
        for r in conn.execute(select(places)):
            if country and r.country != country:
                continue
            key = f"geonames:{r.geonames_id}" if r.geonames_id else f"name:{r.name}"
            found.setdefault(key, (r.name, set()))[1].add(r.article_id)
    return found


@pytest.mark.parametrize("sort", ["-articles", "name"])
def test_places_are_counted_and_paged_in_order(ctx: Context, sort: str) -> None:
    expected = place_counts(ctx)
    items, totals = walk(find_places, ctx, Filters(), sort, limit=7)
    assert totals == {len(expected)} and len(items) == len(expected)
    assert {p.key: p.articles for p in items} == {k: len(v[1]) for k, v in expected.items()}
    if sort == "-articles":
        keys = [(p.articles, p.key) for p in items]
        assert keys == sorted(keys, reverse=True)
        assert len({p.articles for p in items}) < len(items), "ties on the count"
    else:
        assert [(p.name, p.key) for p in items] == sorted((p.name, p.key) for p in items)
    dushanbe = next(p for p in items if p.name == "Dushanbe")
    assert dushanbe.country == "TJ" and math.isclose(dushanbe.lat, 38.53575, abs_tol=0.01)


def test_places_filters(ctx: Context, known: Known) -> None:
    in_tj = place_counts(ctx, "TJ")
    found = walk(find_places, ctx, Filters(country="TJ"), limit=500)[0]
    assert {p.key for p in found} == set(in_tj) and all(p.country == "TJ" for p in found)
    named = find_places(ctx, Filters(q="dusH"), Window("name")).items
    assert [p.name for p in named] == ["Dushanbe"]
    assert find_places(ctx, Filters(q="%"), Window()).total == 0  # not a wildcard
    with pytest.raises(BadQueryError, match=r"^q: "):
        find_places(ctx, Filters(q="!" * 201), Window())
    ru = {a.id for a in known[0].values() if a.lang == "ru"}
    only_ru = find_places(ctx, Filters(lang="ru"), Window(limit=500)).items
    with ctx.engine.connect() as conn:
        rows = conn.execute(select(places.c.name).where(places.c.article_id.in_(ru))).all()
    assert {p.name for p in only_ru} == {r.name for r in rows}
    for name, filters in {
        "domain": Filters(domain="terrorism"),
        "actor": Filters(actor="person:putin"),
        "event_type": Filters(event_type="MEETING"),
    }.items():
        with pytest.raises(BadQueryError, match=rf"^{name}: not a filter of places"):
            find_places(ctx, filters, Window())


def expected_cells(
    events: list[EventFact], box: tuple[float, float, float, float], size: float
) -> tuple[Counter[tuple[int, int]], dict[tuple[int, int], Counter[str]]]:
    west, south = box[0], box[1]
    counts: Counter[tuple[int, int]] = Counter()
    domains: dict[tuple[int, int], Counter[str]] = defaultdict(Counter)
    for e in events:
        if e.point is None or not in_box(e.point, box):
            continue
        lat, lon = e.point
        cell = (math.floor((lat - south) / size), math.floor(((lon - west) % 360) / size))
        counts[cell] += 1
        domains[cell].update(e.domains)
    return counts, domains


@pytest.mark.parametrize(
    "box",
    [(-180.0, -90.0, 180.0, 90.0), (60.0, 20.0, 80.0, 45.0), (60.0, -60.0, -150.0, 70.0)],
    ids=["world", "central asia", "across the antimeridian"],
)
@pytest.mark.parametrize("cells", [10, 400])
def test_the_map_counts_events_per_cell(
    ctx: Context, known: Known, box: tuple[float, float, float, float], cells: int
) -> None:
    found = event_map(ctx, Filters(bbox=box), cells)
    assert found and len(found) <= cells
    size = found[0].size
    assert size in SIZES and all(c.size == size for c in found)
    counts, domains = expected_cells(list(known[1].values()), box, size)
    west, south = box[0], box[1]
    by_cell = {
        (
            math.floor((c.lat - south) / size),
            math.floor(((c.lon - west) % 360) / size),
        ): c
        for c in found
    }
    assert {k: c.count for k, c in by_cell.items()} == dict(counts)
    assert {k: c.domains for k, c in by_cell.items()} == {k: dict(domains[k]) for k in counts}
    with pytest.raises(BadQueryError, match=r"^cells: "):
        event_map(ctx, Filters(), 0)


def test_the_map_takes_the_event_filters(ctx: Context, known: Known) -> None:
    drugs = [e for e in known[1].values() if "drug_trafficking" in e.domains and e.point]
    found = event_map(ctx, Filters(domain="drug_trafficking"), 50)
    assert sum(c.count for c in found) == len(drugs) > 0
    assert all(c.domains.get("drug_trafficking") == c.count for c in found)


def test_actors_are_found_by_any_name_with_their_counts(ctx: Context, known: Known) -> None:
    articles, events = known
    (putin,) = find_actors(ctx, "ПУТИН", Window()).items  # by a Russian spelling
    assert putin.id == "person:putin" and putin.name == "Vladimir Putin"
    assert putin.events == sum("person:putin" in e.parties for e in events.values()) > 0
    assert putin.articles == sum("person:putin" in a.actors for a in articles.values()) > 0
    everyone, totals = walk(lambda c, _, w: find_actors(c, None, w), ctx, Filters(), limit=40)
    assert totals == {len(load_kb().entities)} == {len(everyone)}
    names = [(a.name.casefold(), a.id) for a in everyone]
    assert names == sorted(names)
    backwards, _ = walk(lambda c, _, w: find_actors(c, None, w), ctx, Filters(), "-name", 50)
    assert [a.id for a in backwards] == [a.id for a in reversed(everyone)]
    with pytest.raises(BadQueryError, match=r"^q: "):
        find_actors(ctx, "x" * 201, Window())


def test_an_actors_page(ctx: Context, known: Known) -> None:
    articles = known[0]
    profile = get_actor(ctx, "person:putin")
    assert profile is not None and profile.actor.id == "person:putin"
    assert sum(d.count for d in profile.days) == profile.actor.events
    assert [d.day for d in profile.days] == sorted(d.day for d in profile.days)
    with ctx.engine.connect() as conn:
        written = Counter(
            conn.execute(select(mentions.c.text).where(mentions.c.kb_id == "person:putin"))
            .scalars()
            .all()
        )
    assert {s.key: s.count for s in profile.spellings} == dict(written)
    with_putin = [a for a in articles.values() if "person:putin" in a.actors]
    beside = Counter(x for a in with_putin for x in a.actors if x != "person:putin")
    ranked = sorted(beside.items(), key=lambda kv: (-kv[1], kv[0]))[:20]
    assert [(c.key, c.count) for c in profile.beside] == ranked
    assert {s.id for s in profile.stories} == {a.story for a in with_putin}
    assert get_actor(ctx, "person:nobody") is None
