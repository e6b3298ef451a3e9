"""What the store knows of knowledge-base actors: how often they appear, how the articles
write them, when they act, in which stories and beside whom."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, Select, func, select

from outpost.records import Counted, DayCount, Story
from outpost.store.schema import event_parties, events, mentions, stories, story_articles
from outpost.store.stories import story_of_row

# A profile reads the actor's most recent articles, at most this many, for its spellings,
# its stories and the actors beside it: enough to show them, bounded for the most
# mentioned actors (a head of state is in a third of a large store).
RECENT = 500
SHOWN = 20  # stories, actors beside it, spellings


def appearances(conn: Connection, ids: Sequence[str]) -> dict[str, tuple[int, int]]:
    """(events it takes part in, articles that mention it) per KB id, through the covering
    indexes (party, event_id) and (kb_id, article_id)."""
    p, m = event_parties.c, mentions.c
    took = select(p.party, func.count(func.distinct(p.event_id))).where(p.party.in_(ids))
    named = select(m.kb_id, func.count(func.distinct(m.article_id))).where(m.kb_id.in_(ids))
    in_events: dict[str, int] = dict(conn.execute(took.group_by(p.party)).all())
    in_articles: dict[str, int] = dict(conn.execute(named.group_by(m.kb_id)).all())
    return {i: (int(in_events.get(i, 0)), int(in_articles.get(i, 0))) for i in ids}


def _recent(actor: str) -> Select[Any]:
    """The ids of the actor's most recently stored articles."""
    m = mentions.c
    return (
        select(m.article_id)
        .where(m.kb_id == actor)
        .group_by(m.article_id)
        .order_by(m.article_id.desc())
        .limit(RECENT)
    )


def spellings(conn: Connection, actor: str) -> list[Counted]:
    """How its most recent articles write it, most frequent first."""
    m = mentions.c
    n = func.count().label("n")
    query = (
        select(m.text, n)
        .where(m.kb_id == actor, m.article_id.in_(_recent(actor).scalar_subquery()))
        .group_by(m.text)
        .order_by(n.desc(), m.text)
        .limit(SHOWN)
    )
    return [Counted(text, text, int(count)) for text, count in conn.execute(query)]


def event_days(conn: Connection, actor: str) -> list[DayCount]:
    """Its events per day (by their article's time), oldest first."""
    p = event_parties.c
    day = func.date(events.c.published)
    query = (
        select(day, func.count())
        .where(events.c.id.in_(select(p.event_id).where(p.party == actor)))
        .group_by(day)
        .order_by(day)
    )
    return [DayCount(_day(d), int(n)) for d, n in conn.execute(query)]


def _day(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def actor_stories(conn: Connection, actor: str) -> list[Story]:
    """The stories of its most recent articles, latest activity first."""
    sa = story_articles.c
    members = select(sa.story_id).where(sa.article_id.in_(_recent(actor).scalar_subquery()))
    query = (
        select(stories)
        .where(stories.c.id.in_(members), stories.c.state != "merged")
        .order_by(stories.c.last_seen.desc(), stories.c.id)
        .limit(SHOWN)
    )
    return [story_of_row(row) for row in conn.execute(query)]


def beside(conn: Connection, actor: str) -> list[tuple[str, int]]:
    """The other actors its most recent articles mention, in how many of them."""
    m = mentions.c
    n = func.count(func.distinct(m.article_id)).label("n")
    query = (
        select(m.kb_id, n)
        .where(
            m.article_id.in_(_recent(actor).scalar_subquery()),
            m.kb_id.is_not(None),
            m.kb_id != actor,
        )
        .group_by(m.kb_id)
        .order_by(n.desc(), m.kb_id)
        .limit(SHOWN)
    )
    return [(kb_id, int(count)) for kb_id, count in conn.execute(query)]
