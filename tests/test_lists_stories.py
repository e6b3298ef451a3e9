"""The stories list on the analysed, clustered samples, on SQLite and PostgreSQL: a story is
found when it was active in the time range and one of its articles meets the other filters
(as the articles list reads them); pages visit every story once in each order, ties on the
sort value included; how a story grew, day by day."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

import pytest
from sqlalchemy import select

from outpost.services.context import Context
from outpost.services.paging import BadQueryError, Filters, Window
from outpost.services.stories import find_stories, story_timeline
from outpost.store.schema import stories
from outpost.store.times import aware
from tests.lists_store import (
    READINGS,
    Fact,
    analysed_context,
    dialects,
    facts,
    most_common,
    read_as,
    walk,
)


@dataclass(frozen=True)
class StoryFact:
    id: str
    first: datetime
    last: datetime
    count: int
    members: tuple[Fact, ...]


@pytest.fixture(scope="module", params=dialects())
def ctx(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Context]:
    yield from analysed_context(request.param, tmp_path_factory.mktemp("stories"))


@pytest.fixture(scope="module")
def known(ctx: Context) -> dict[str, StoryFact]:
    articles, _ = facts(ctx.engine)
    with ctx.engine.connect() as conn:
        rows = conn.execute(select(stories).where(stories.c.state != "merged")).all()
    return {
        r.id: StoryFact(
            r.id,
            aware(r.first_seen),
            aware(r.last_seen),
            r.article_count,
            tuple(a for a in articles.values() if a.story == r.id),
        )
        for r in rows
    }


def cases(known: dict[str, StoryFact]) -> dict[str, tuple[Filters, Callable[[StoryFact], bool]]]:
    every = [a for s in known.values() for a in s.members]
    n = len(known)
    country = most_common(
        (c for s in known.values() for c in {c for a in s.members for c in a.countries}), n
    )
    actor = most_common(
        (x for s in known.values() for x in {x for a in s.members for x in a.actors}), n
    )
    domain = most_common((d for a in every for d in a.domains), len(every))
    lasts = sorted(s.last for s in known.values())
    since = lasts[len(lasts) // 2]
    firsts = sorted(s.first for s in known.values())
    until = firsts[len(firsts) // 2]

    def member(test: Callable[[Fact], bool]) -> Callable[[StoryFact], bool]:
        return lambda s: any(test(a) for a in s.members)

    return {
        "country": (Filters(country=country), member(lambda a: country in a.countries)),
        "actor": (Filters(actor=actor), member(lambda a: actor in a.actors)),
        "lang": (Filters(lang="ru"), member(lambda a: a.lang == "ru")),
        "since": (Filters(since=since), lambda s: s.last >= since),
        "until": (Filters(until=until), lambda s: s.first < until),
        "same article": (  # both filters hold for one and the same article
            Filters(lang="en", domain=domain, country=country),
            member(lambda a: a.lang == "en" and domain in a.domains and country in a.countries),
        ),
    }


@pytest.mark.parametrize("name", ["country", "actor", "lang", "since", "until", "same article"])
@pytest.mark.parametrize("reading", READINGS)
def test_each_filter_finds_exactly_the_stories_it_must(
    ctx: Context,
    known: dict[str, StoryFact],
    name: str,
    reading: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    read_as(monkeypatch, reading)
    filters, wanted = cases(known)[name]
    found = sorted((s for s in known.values() if wanted(s)), key=lambda s: (s.last, s.id))
    expected = [s.id for s in reversed(found)]  # latest activity first
    items, totals = walk(find_stories, ctx, filters, limit=2)
    assert 0 < len(expected) < len(known), f"{name}: the case must narrow"
    assert [s.id for s in items] == expected
    assert totals == {len(expected)}
    assert all(not s.articles for s in items)  # a list carries no timelines


SORTS = {
    "-last_seen": (lambda s: (s.last, s.id), True),
    "last_seen": (lambda s: (s.last, s.id), False),
    "-article_count": (lambda s: (s.count, s.id), True),
}


@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("limit", [1, 3])
def test_pages_visit_every_story_once_in_order(
    ctx: Context, known: dict[str, StoryFact], sort: str, limit: int
) -> None:
    key, descending = SORTS[sort]
    expected = [s.id for s in sorted(known.values(), key=key, reverse=descending)]
    items, totals = walk(find_stories, ctx, Filters(), sort, limit)
    assert [s.id for s in items] == expected and totals == {len(expected)}
    values = [key(known[i])[0] for i in expected]
    assert len(set(values)) < len(values), "the data must hold ties on the sort value"


def test_a_bad_sort_or_cursor_is_refused(ctx: Context) -> None:
    page = find_stories(ctx, Filters(), Window("-article_count", limit=1))
    with pytest.raises(BadQueryError, match=r"^sort: "):
        find_stories(ctx, Filters(), Window("-published"))
    with pytest.raises(BadQueryError, match=r"^cursor: "):
        find_stories(ctx, Filters(), Window("-last_seen", page.next_cursor))


def test_how_a_story_grew(ctx: Context, known: dict[str, StoryFact]) -> None:
    biggest = max(known.values(), key=lambda s: (s.count, s.id))
    timeline = story_timeline(ctx, biggest.id)
    assert timeline is not None and timeline.story.id == biggest.id
    days = timeline.days
    assert [d.day for d in days] == sorted({a.time.date() for a in biggest.members})
    assert sum(d.count for d in days) == biggest.count == days[-1].total
    assert [d.total for d in days] == [
        sum(x.count for x in days[: i + 1]) for i in range(len(days))
    ]
    assert days[-1].sources == len({a.source for a in biggest.members})
    for day in days:
        assert len(day.articles) == day.count
        assert all((a.published or day.day) and a.uid for a in day.articles)
    named = [a.uid for d in days for a in d.articles]
    by_time = sorted(biggest.members, key=lambda a: (a.time, a.id))
    assert named == [a.uid for a in by_time]
    assert story_timeline(ctx, "no-such-story") is None
