"""Stories as the API and the pages list them, and how one grew, day by day."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, Select, select

from outpost.records import Story, StoryArticle, StoryDay, StoryTimeline
from outpost.store.lists.articles import article_conditions
from outpost.store.lists.common import FILTERS, Among, Asked, Conditions, Wanted, asked
from outpost.store.lists.keyset import Listed, Slice, Sort, Source, listed, sort_of
from outpost.store.schema import ARTICLE_TIME, articles, stories, story_articles
from outpost.store.stories import story_of_row
from outpost.store.times import from_db

SORTS = {
    "-last_seen": Sort(stories.c.last_seen, stories.c.id, descending=True),
    "last_seen": Sort(stories.c.last_seen, stories.c.id, descending=False),
    "-article_count": Sort(stories.c.article_count, stories.c.id, descending=True),
}
MEMBER_FILTERS = set(FILTERS) - {"since", "until"}


def story_conditions(dialect: str, a: Asked) -> Conditions:
    """A story is listed while it was active in the time range (its first and last article
    span overlaps it), and when one of its articles meets every other filter, as the
    articles list reads them (so its actors are its articles' mentions, the ones its summary
    counts). Merged stories are left out: they have no articles (merging moves them to the
    story kept), so a filter on the articles leaves them out by itself, and without one the
    state does."""
    plain: list[Any] = []
    if a.since is not None:
        plain.append(stories.c.last_seen >= a.since)
    if a.until is not None:
        plain.append(stories.c.first_seen < a.until)
    if not a.given() & MEMBER_FILTERS:
        return Conditions((*plain, stories.c.state != "merged"))
    sa = story_articles.c
    members = article_conditions(dialect, a, time=False, ident=sa.article_id)
    among = (Among(stories.c.id, sa.story_id, members),)
    return Conditions(tuple(plain), among, text=members.text)


def _rows(ids: Sequence[Any]) -> Select[Any]:
    return select(stories, stories.c.id.label("sort_id")).where(stories.c.id.in_(ids))


STORIES = Source(stories, stories.c.id, _rows, story_of_row)


def list_stories(conn: Connection, wanted: Wanted, s: Slice) -> Listed[Story]:
    """Stories matching every filter, in the sort's order; ListError names what cannot be."""
    sort = sort_of(SORTS, s.sort)
    conditions = story_conditions(conn.dialect.name, asked(wanted, FILTERS, "stories"))
    return listed(conn, STORIES, conditions, sort, s)


MAX_TIMELINE = 2000  # articles named in a timeline (all are counted)


def story_timeline(conn: Connection, story_id: str) -> StoryTimeline | None:
    """A story's days: how many articles each brought, and how big and how widely reported
    it was by its end; with the articles themselves, the first MAX_TIMELINE of them."""
    row = conn.execute(select(stories).where(stories.c.id == story_id)).first()
    if row is None:
        return None
    a, sa = articles.c, story_articles.c
    members = (
        select(
            ARTICLE_TIME.label("time"),
            a.uid,
            a.external_id,
            a.title,
            a.lang,
            a.source,
            a.url,
            a.published,
            sa.score,
            sa.pinned,
        )
        .join(story_articles, sa.article_id == a.id)
        .where(sa.story_id == story_id)
        .order_by(ARTICLE_TIME, a.id)
    )
    by_day: dict[date, list[Any]] = {}
    for member in conn.execute(members):
        by_day.setdefault(member.time.date(), []).append(member)
    days, total, sources, named = [], 0, set[str](), 0
    for day, rows in by_day.items():
        total += len(rows)
        sources.update(r.source for r in rows)
        shown = rows[: max(0, MAX_TIMELINE - named)]
        named += len(shown)
        days.append(StoryDay(day, len(rows), total, len(sources), tuple(map(_member, shown))))
    return StoryTimeline(story_of_row(row), tuple(days))


def _member(r: Any) -> StoryArticle:
    return StoryArticle(
        uid=r.uid,
        external_id=r.external_id,
        title=r.title,
        lang=r.lang,
        source=r.source,
        url=r.url,
        published=from_db(r.published),
        score=round(float(r.score), 3),
        pinned=bool(r.pinned),
    )
