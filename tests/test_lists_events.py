"""The events list on the analysed samples, on SQLite and PostgreSQL: each filter finds
exactly the events the facts say it must, pages visit every event once in the sort's order
(ties on the sort value included), the total is right on every page, and what cannot be
answered is refused with a message naming it. One event's page: its article's text around
the evidence, its parties named from the knowledge base."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest

from outpost.services.context import Context
from outpost.services.events import find_events, get_event
from outpost.services.paging import BadQueryError, Filters, Window
from outpost.store.lists import keyset
from tests.lists_store import (
    READINGS,
    EventFact,
    Fact,
    analysed_context,
    dialects,
    facts,
    in_box,
    most_common,
    read_as,
    searched,
    walk,
)

Known = tuple[dict[int, Fact], dict[int, EventFact]]
Case = tuple[Filters, Callable[[EventFact], bool]]


@pytest.fixture(scope="module", params=dialects())
def ctx(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Context]:
    yield from analysed_context(request.param, tmp_path_factory.mktemp("events"))


@pytest.fixture(scope="module")
def known(ctx: Context) -> Known:
    return facts(ctx.engine)


def cases(ctx: Context, known: Known) -> dict[str, Case]:
    """A filter of each kind, with values taken from the data, and what it must find."""
    articles, events = known
    every = list(events.values())
    n = len(every)
    country = most_common((e.country for e in every), n)
    admin1 = most_common((e.admin1 for e in every), n)
    domain = most_common((d for e in every for d in e.domains), n)
    kind = most_common((e.type for e in every), n)
    actor = most_common((p for e in every for p in e.parties), n)
    source = most_common((e.source for e in every), n)
    lat, lon = next(e.point for e in every if e.point and e.country == "PK")
    box = (lon - 2, lat - 2, lon + 2, lat + 2)
    times = sorted(e.time for e in every)
    since, until = times[n // 4], times[3 * n // 4]
    uids = searched(ctx, "train attack")
    found = {a.id for a in articles.values() if a.uid in uids}
    return {
        "country": (Filters(country=country.lower()), lambda e: e.country == country),
        "admin1": (Filters(admin1=admin1), lambda e: e.admin1 == admin1),
        "bbox": (Filters(bbox=box), lambda e: in_box(e.point, box)),
        "domain": (Filters(domain=domain), lambda e: domain in e.domains),
        "event_type": (Filters(event_type=kind), lambda e: e.type == kind),
        "actor": (Filters(actor=actor), lambda e: actor in e.parties),
        "lang": (Filters(lang="ru"), lambda e: e.lang == "ru"),
        "source": (Filters(source=source), lambda e: e.source == source),
        "q": (Filters(q="train attack"), lambda e: e.article in found),
        "since": (Filters(since=since), lambda e: e.time >= since),
        "until": (Filters(until=until), lambda e: e.time < until),
        "three": (
            Filters(since=since - timedelta(days=3650), country=country, domain=domain),
            lambda e: e.country == country and domain in e.domains,
        ),
        "antimeridian": (  # west of east: the box from 60°E across 180° to 170°W
            Filters(bbox=(60.0, 0.0, -170.0, 60.0)),
            lambda e: in_box(e.point, (60.0, 0.0, -170.0, 60.0)),
        ),
    }


NAMES = [
    "country",
    "admin1",
    "bbox",
    "domain",
    "event_type",
    "actor",
    "lang",
    "source",
    "q",
    "since",
    "until",
    "three",
    "antimeridian",
]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("reading", READINGS)
def test_each_filter_finds_exactly_the_events_it_must(
    ctx: Context, known: Known, name: str, reading: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    read_as(monkeypatch, reading)
    filters, wanted = cases(ctx, known)[name]
    found = sorted((e for e in known[1].values() if wanted(e)), key=lambda e: (e.time, e.id))
    expected = [e.id for e in reversed(found)]  # newest first
    items, totals = walk(find_events, ctx, filters, limit=5)
    assert 0 < len(expected) < len(known[1]), f"{name}: the case must narrow"
    assert [e.id for e in items] == expected
    assert totals == {len(expected)}


SORTS = {
    "-published": (lambda e: (e.time, e.id), True),
    "published": (lambda e: (e.time, e.id), False),
    "-score": (lambda e: (e.score, e.id), True),
}


@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("limit", [1, 4, 500])
def test_pages_visit_every_event_once_in_order(
    ctx: Context, known: Known, sort: str, limit: int
) -> None:
    key, descending = SORTS[sort]
    expected = [e.id for e in sorted(known[1].values(), key=key, reverse=descending)]
    items, totals = walk(find_events, ctx, Filters(), sort, limit)
    assert [e.id for e in items] == expected
    assert totals == {len(expected)}
    values = [key(known[1][i])[0] for i in expected]
    assert len(set(values)) < len(values), "the data must hold ties on the sort value"


def test_the_default_sort_is_newest_first(ctx: Context, known: Known) -> None:
    first = find_events(ctx, Filters(), Window(limit=3))
    newest = max(known[1].values(), key=lambda e: (e.time, e.id))
    assert first.items[0].id == newest.id and first.next_cursor


def test_a_total_past_the_count_bound_says_more_than(
    ctx: Context, known: Known, monkeypatch: pytest.MonkeyPatch
) -> None:
    every = len(known[1])
    monkeypatch.setattr(keyset, "COUNTED", every - 1)
    page = find_events(ctx, Filters(), Window(limit=2))
    assert (page.total, page.exact) == (every - 1, False)  # "more than every - 1"
    assert len(page.items) == 2 and page.next_cursor  # the pages themselves are not bounded
    monkeypatch.setattr(keyset, "COUNTED", every)
    page = find_events(ctx, Filters(), Window(limit=2))
    assert (page.total, page.exact) == (every, True)
    one = most_common_country(known)
    assert find_events(ctx, Filters(country=one), Window()).exact


def most_common_country(known: Known) -> str:
    countries = [e.country for e in known[1].values() if e.country]
    return max(set(countries), key=lambda c: (countries.count(c), c))


def test_what_cannot_be_answered_is_refused_by_name(ctx: Context) -> None:
    page = find_events(ctx, Filters(), Window("-score", limit=2))
    assert page.next_cursor is not None
    refused = {
        "cursor": Window("-published", page.next_cursor),  # made for another sort
        "sort": Window("title"),
        "limit": Window(limit=0),
    }
    for name, window in refused.items():
        with pytest.raises(BadQueryError, match=rf"^{name}: "):
            find_events(ctx, Filters(), window)
    for cursor in ("nonsense", "W1siLXNjb3JlIiwgImEiLCAxXV0", "x" * 600):
        with pytest.raises(BadQueryError, match=r"^cursor: "):
            find_events(ctx, Filters(), Window("-score", cursor))
    bad = {
        "country": Filters(country="Afghanistan"),
        "bbox": Filters(bbox=(0.0, 10.0, 5.0, 5.0)),  # south above north
        "actor": Filters(actor="x" * 201),
    }
    for name, filters in bad.items():
        with pytest.raises(BadQueryError, match=rf"^{name}: "):
            find_events(ctx, filters, Window())


def test_a_tampered_cursor_value_is_refused(ctx: Context) -> None:
    from outpost.services.paging import encode_cursor

    for value, ident in (("yesterday", 3), (1.5, 3), ("2025-01-01T00:00:00", "3")):
        with pytest.raises(BadQueryError, match=r"^cursor: "):
            find_events(
                ctx, Filters(), Window("-published", encode_cursor("-published", value, ident))
            )


def test_hostile_text_is_bounded_as_search_is(ctx: Context) -> None:
    words = "kar rom mit tas sun ber gor lin ash ula dek vor tam"
    for q in (words, "a" * 65):
        with pytest.raises(BadQueryError, match=r"^q: "):
            find_events(ctx, Filters(q=q), Window())
    repeated = find_events(ctx, Filters(q=" ".join(["a"] * 1000)), Window())
    assert repeated.total == find_events(ctx, Filters(q="a"), Window()).total
    assert find_events(ctx, Filters(q="«»!?"), Window()).total == 0  # no word: nothing


def test_one_event_with_its_article_and_named_parties(ctx: Context, known: Known) -> None:
    articles, events = known
    event = next(e for e in events.values() if "person:putin" in e.parties)
    detail = get_event(ctx, event.id)
    assert detail is not None and detail.event.id == event.id
    assert detail.article.uid == articles[event.article].uid
    assert detail.published == event.time and detail.source == event.source
    span = detail.article.text[detail.event.start : detail.event.end]
    assert span and " ".join(span.split()) == " ".join(detail.event.evidence.split())
    putin = next(p for p in detail.parties if p.id == "person:putin")
    assert putin.name == "Vladimir Putin" and putin.kind
    assert [p.role for p in detail.parties] == sorted(p.role for p in detail.parties)
    assert get_event(ctx, 10**9) is None
