"""The articles list on the analysed samples, on SQLite and PostgreSQL: each filter finds
exactly the articles their facts say it must (country, domain and type as the indicator
series count them, division through their places, box through their events' places, actor
through their mentions),
pages visit every article once in both orders with ties on the time, articles without a
publication time sort at their fetch time. One article's facts, for a page that highlights
them: spans that point into its text, and its near duplicates."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import pytest

from outpost.services.articles import article_facts, find_articles
from outpost.services.context import Context
from outpost.services.paging import BadQueryError, Filters, Window
from tests.lists_store import (
    READINGS,
    TIED,
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


@pytest.fixture(scope="module", params=dialects())
def ctx(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Context]:
    yield from analysed_context(request.param, tmp_path_factory.mktemp("articles"))


@pytest.fixture(scope="module")
def known(ctx: Context) -> Known:
    return facts(ctx.engine)


def cases(ctx: Context, known: Known) -> dict[str, tuple[Filters, Callable[[Fact], bool]]]:
    every = list(known[0].values())
    n = len(every)
    country = most_common((c for a in every for c in a.countries), n)
    admin1 = most_common((d for a in every for d in a.admin1), n)
    domain = most_common((d for a in every for d in a.domains), n)
    kind = most_common((t for a in every for t in a.types), n)
    actor = most_common((x for a in every for x in a.actors), n)
    box = (66.0, 29.0, 71.0, 34.0)  # around Balochistan
    times = sorted(a.time for a in every)
    since, until = times[n // 3], times[2 * n // 3]
    uids = searched(ctx, "Pakistan")
    return {
        "country": (Filters(country=country), lambda a: country in a.countries),
        "admin1": (Filters(admin1=admin1.lower()), lambda a: admin1 in a.admin1),
        "bbox": (Filters(bbox=box), lambda a: any(in_box(p, box) for p in a.event_points)),
        "domain": (Filters(domain=domain), lambda a: domain in a.domains),
        "event_type": (Filters(event_type=kind), lambda a: kind in a.types),
        "actor": (Filters(actor=actor), lambda a: actor in a.actors),
        "lang": (Filters(lang="RU"), lambda a: a.lang == "ru"),
        "source": (Filters(source="ties"), lambda a: a.source == "ties"),
        "q": (Filters(q="Pakistan"), lambda a: a.uid in uids),
        "since and until": (Filters(since=since, until=until), lambda a: since <= a.time < until),
        "three": (
            Filters(until=until, domain=domain, country=country),
            lambda a: a.time < until and domain in a.domains and country in a.countries,
        ),
    }


@pytest.mark.parametrize(
    "name",
    [
        "country",
        "admin1",
        "bbox",
        "domain",
        "event_type",
        "actor",
        "lang",
        "source",
        "q",
        "since and until",
        "three",
    ],
)
@pytest.mark.parametrize("reading", READINGS)
def test_each_filter_finds_exactly_the_articles_it_must(
    ctx: Context, known: Known, name: str, reading: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    read_as(monkeypatch, reading)
    filters, wanted = cases(ctx, known)[name]
    found = sorted((a for a in known[0].values() if wanted(a)), key=lambda a: (a.time, a.id))
    expected = [a.uid for a in reversed(found)]  # newest first
    items, totals = walk(find_articles, ctx, filters, limit=3)
    assert 0 < len(expected) < len(known[0]), f"{name}: the case must narrow"
    assert [a.uid for a in items] == expected
    assert totals == {len(expected)}


@pytest.mark.parametrize("sort", ["-published", "published"])
@pytest.mark.parametrize("limit", [1, 2, 500])
def test_pages_visit_every_article_once_in_order(
    ctx: Context, known: Known, sort: str, limit: int
) -> None:
    ordered = sorted(known[0].values(), key=lambda a: (a.time, a.id), reverse=sort[0] == "-")
    items, totals = walk(find_articles, ctx, Filters(), sort, limit)
    assert [a.uid for a in items] == [a.uid for a in ordered]
    assert totals == {len(ordered)}
    tied = datetime.fromisoformat(TIED)
    assert sum(a.time == tied for a in ordered) >= 4, "ties on the sort value"
    unknown = [a for a in items if a.published is None]
    assert unknown and all(a.fetched > tied for a in unknown)  # at their fetch time


def test_refusals_name_what_cannot_be(ctx: Context) -> None:
    page = find_articles(ctx, Filters(), Window(limit=2))
    with pytest.raises(BadQueryError, match=r"^sort: "):
        find_articles(ctx, Filters(), Window("-score"))  # an events sort
    with pytest.raises(BadQueryError, match=r"^cursor: "):
        find_articles(ctx, Filters(), Window("published", page.next_cursor))
    with pytest.raises(BadQueryError, match=r"^q: "):
        find_articles(ctx, Filters(q="x" * 65), Window())
    with pytest.raises(BadQueryError, match=r"^bbox: "):
        find_articles(ctx, Filters(bbox=(0.0, -91.0, 5.0, 5.0)), Window())
    for nul in (
        Filters(source="Voice\x00of America"),
        Filters(q="border\x00"),
        Filters(lang="\x00"),
    ):
        with pytest.raises(BadQueryError, match=r"^\w+: NUL is not allowed$"):
            find_articles(ctx, nul, Window())  # PostgreSQL refuses NUL in a query: a 500 once


def test_the_time_range_is_half_open(ctx: Context, known: Known) -> None:
    tied = datetime.fromisoformat(TIED)
    at = find_articles(ctx, Filters(since=tied, until=tied + timedelta(seconds=1)), Window())
    before = find_articles(ctx, Filters(until=tied), Window(limit=500))
    assert at.total == sum(a.time == tied for a in known[0].values()) >= 4
    assert all((a.published or a.fetched) < tied for a in before.items)


def test_an_articles_facts_point_into_its_text(ctx: Context, known: Known) -> None:
    article = max(known[0].values(), key=lambda a: len(a.points))
    found = article_facts(ctx, article.uid)
    text = find_articles(ctx, Filters(source=article.source), Window(limit=500))
    (full,) = [a for a in text.items if a.uid == article.uid]
    assert found is not None and found.mentions and found.places and found.dates
    for span in (*found.mentions, *found.places, *found.dates):
        assert full.text[span.start : span.end] == span.text
    assert [m.start for m in found.mentions] == sorted(m.start for m in found.mentions)
    assert {m.kb_id for m in found.mentions if m.kb_id} == article.actors
    assert article_facts(ctx, "no-such-article") is None


def test_near_duplicates_are_named_both_ways(ctx: Context) -> None:
    ties = find_articles(ctx, Filters(source="ties"), Window(limit=500)).items
    (near,) = [a for a in ties if a.near_duplicate_of is not None]
    original = article_facts(ctx, near.near_duplicate_of or "")
    copy = article_facts(ctx, near.uid)
    assert original is not None and copy is not None
    assert [r.uid for r in original.near_duplicates] == [near.uid]
    assert original.original is None
    assert copy.original is not None and copy.original.uid == near.near_duplicate_of
    assert copy.near_duplicates == ()
