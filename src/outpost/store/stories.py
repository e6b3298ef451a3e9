"""Stories in the store: the clustering state of open stories, assignments, and listing."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import Connection, Select, and_, case, delete, func, select, update

from outpost.records import Doc, Story, StoryArticle, StoryState, StoryStats
from outpost.store.dialect import in_lists, upsert
from outpost.store.docs import ANALYSED, stored_doc, stored_docs
from outpost.store.schema import (
    analyses,
    articles,
    stories,
    story_articles,
)
from outpost.store.times import aware, from_db, now, to_db

STREAMED = 500  # stories read at a time while looking for those that match
SUMMARY = ("langs", "sources", "types", "domains", "places", "actors")


def unclustered_ids(conn: Connection) -> list[int]:
    """Analysed articles in no story yet, oldest first: their ids, read once for a run (the
    scan passes every clustered article; reading the batches by id does not)."""
    query = (
        select(articles.c.id)
        .join(analyses, analyses.c.article_id == articles.c.id)
        .outerjoin(story_articles, story_articles.c.article_id == articles.c.id)
        .where(story_articles.c.article_id.is_(None))
        .order_by(func.coalesce(articles.c.published, articles.c.fetched), articles.c.id)
    )
    return list(conn.execute(query).scalars())


def analysed(conn: Connection, ids: Sequence[int]) -> list[tuple[int, Doc, str]]:
    """(article id, facts as a Doc, source) for these ids, in their order; an article gone
    since (deleted) is left out."""
    place = {article: n for n, article in enumerate(ids)}
    found = conn.execute(ANALYSED.where(articles.c.id.in_(list(ids)))).all()
    rows = sorted(found, key=lambda row: place[row.id])
    docs = stored_docs(conn, rows)
    return [(row.id, doc, row.source) for row, doc in zip(rows, docs, strict=True)]


def states_since(conn: Connection, since: datetime) -> list[StoryState]:
    """The stories an article of `since` or later could join (open or closed, not merged)."""
    rows = conn.execute(
        select(stories)
        .where(stories.c.state != "merged", stories.c.last_seen >= to_db(since))
        .order_by(stories.c.first_seen, stories.c.id)
    ).all()
    members = _members(conn, [row.id for row in rows])
    return [_state(row, members.get(row.id, [])) for row in rows]


def _members(conn: Connection, ids: Sequence[str]) -> dict[str, list[str]]:
    """Story id -> its articles' uids, for many stories in a few queries."""
    found: dict[str, list[str]] = {}
    for chunk in in_lists(ids):
        query = (
            select(story_articles.c.story_id, articles.c.uid)
            .join(articles, story_articles.c.article_id == articles.c.id)
            .where(story_articles.c.story_id.in_(chunk))
            .order_by(story_articles.c.story_id, story_articles.c.added, articles.c.id)
        )
        for story, uid in conn.execute(query):
            found.setdefault(story, []).append(uid)
    return found


def _state(row: Any, members: list[str]) -> StoryState:
    summary = json.loads(row.summary)
    state = StoryState(
        row.id,
        aware(row.first_seen),
        aware(row.last_seen),
        articles=members,
        vector_sum=np.frombuffer(row.vector_sum, dtype=np.float32).copy()
        if row.vector_sum
        else None,
        vector_count=row.vector_count,
        keys=Counter(json.loads(row.key_counts)),
        title=row.title,
        closed=row.state == "closed",
    )
    for name in SUMMARY:
        getattr(state, name).update(summary.get(name, {}))
    return state


def save_state(conn: Connection, state: StoryState) -> None:
    values = {
        "id": state.id,
        "title": state.title,
        "state": "merged" if state.merged_into else "closed" if state.closed else "open",
        "merged_into": state.merged_into,
        "first_seen": to_db(state.first),
        "last_seen": to_db(state.last),
        "article_count": len(state.articles),
        "summary": json.dumps({n: dict(getattr(state, n)) for n in SUMMARY}, ensure_ascii=False),
        "key_counts": json.dumps(dict(state.keys), ensure_ascii=False),
        "vector_sum": state.vector_sum.astype(np.float32).tobytes()
        if state.vector_sum is not None
        else None,
        "vector_count": state.vector_count,
        "updated": to_db(now()),
    }
    upsert(conn, stories, values, [k for k in values if k != "id"])


def assign(conn: Connection, article_id: int, story: str, score: float, pinned: bool) -> None:
    conn.execute(delete(story_articles).where(story_articles.c.article_id == article_id))
    row = {"story_id": story, "score": score, "pinned": int(pinned), "added": to_db(now())}
    conn.execute(story_articles.insert(), {"article_id": article_id, **row})


def stats(conn: Connection, since: datetime | None = None) -> StoryStats:
    """Counts of what clustering made and what analysts corrected, since a time or in all:
    articles placed since then, stories active since then, merges and splits made since then
    (a split is an article an analyst pinned; a merge, a story marked merged)."""
    placed = select(func.count(), func.coalesce(func.sum(story_articles.c.pinned), 0)).select_from(
        story_articles
    )
    several = func.sum(case((stories.c.article_count > 1, 1), else_=0))
    made = select(stories.c.state, func.count(), several)
    merged = select(func.count()).where(stories.c.state == "merged")
    if since is not None:
        placed = placed.where(story_articles.c.added >= to_db(since))
        made = made.where(stories.c.last_seen >= to_db(since))
        merged = merged.where(stories.c.updated >= to_db(since))
    articles_placed, pinned = conn.execute(placed).one()
    states = {row[0]: (row[1], row[2] or 0) for row in conn.execute(made.group_by(stories.c.state))}
    return StoryStats(
        articles=int(articles_placed),
        split=int(pinned),
        open=int(states.get("open", (0, 0))[0]),
        closed=int(states.get("closed", (0, 0))[0]),
        merged=int(conn.execute(merged.select_from(stories)).scalar_one()),
        several=int(sum(several for state, (_, several) in states.items() if state != "merged")),
        since=since,
    )


def pins(conn: Connection) -> dict[str, str]:
    rows = conn.execute(
        select(articles.c.uid, story_articles.c.story_id)
        .join(story_articles, story_articles.c.article_id == articles.c.id)
        .where(story_articles.c.pinned == 1)
    ).all()
    return {row.uid: row.story_id for row in rows}


def members(conn: Connection, story: str) -> list[tuple[int, Doc, str]]:
    """The story's articles as clustering reads them, oldest first."""
    rows = conn.execute(
        ANALYSED.join(story_articles, story_articles.c.article_id == articles.c.id)
        .where(story_articles.c.story_id == story)
        .order_by(func.coalesce(articles.c.published, articles.c.fetched), articles.c.id)
    ).all()
    return [(row.id, stored_doc(conn, row), row.source) for row in rows]


def mark_merged(conn: Connection, story: str, into: str) -> None:
    conn.execute(
        update(stories)
        .where(stories.c.id == story)
        .values(state="merged", merged_into=into, article_count=0, updated=to_db(now()))
    )
    conn.execute(
        update(story_articles).where(story_articles.c.story_id == story).values(story_id=into)
    )


def close_quiet(conn: Connection, before: datetime) -> int:
    """Close open stories whose last article is older than `before`; how many."""
    result = conn.execute(
        update(stories)
        .where(and_(stories.c.state == "open", stories.c.last_seen < to_db(before)))
        .values(state="closed", updated=to_db(now()))
    )
    return int(result.rowcount or 0)


def latest_time(conn: Connection) -> datetime | None:
    return from_db(conn.execute(select(func.max(stories.c.last_seen))).scalar_one_or_none())


@dataclass(frozen=True)
class StoryFilter:
    since: datetime | None = None
    state: str | None = None  # open, closed, merged; None: open and closed
    lang: str | None = None
    country: str | None = None  # among the story's keys
    domain: str | None = None
    min_articles: int = 1
    limit: int | None = 50


def list_stories(
    conn: Connection, f: StoryFilter = StoryFilter(), with_articles: bool = False
) -> list[Story]:
    """Stories matching the filter, latest activity first."""
    query = select(stories).order_by(stories.c.last_seen.desc(), stories.c.id)
    query = query.where(
        stories.c.state == f.state if f.state else stories.c.state.in_(("open", "closed"))
    )
    query = query.where(stories.c.article_count >= f.min_articles)
    if f.since:
        query = query.where(stories.c.last_seen >= to_db(f.since))
    found = _first(conn, query, f)
    return [_with_articles(conn, s) for s in found] if with_articles else found


def _first(conn: Connection, query: Select[Any], f: StoryFilter) -> list[Story]:
    """The first f.limit stories of the query that match the filters a column cannot
    answer: limited in SQL when there are none, else read in batches until enough match,
    so a page of the latest stories never reads 200,000 of them."""
    if not (f.lang or f.domain or f.country):
        limited = query.limit(f.limit) if f.limit else query
        return [story_of_row(row) for row in conn.execute(limited)]
    found: list[Story] = []
    result = conn.execute(query.execution_options(yield_per=STREAMED))
    try:
        for row in result:
            if _matches(row, f):
                found.append(story_of_row(row))
                if f.limit and len(found) >= f.limit:
                    break
    finally:
        result.close()  # the rest unread (a server-side cursor on PostgreSQL)
    return found


def _matches(row: Any, f: StoryFilter) -> bool:
    """The filters a column cannot answer, read from the row's JSON (no second query)."""
    summary = json.loads(row.summary)
    if f.lang and f.lang not in summary.get("langs", {}):
        return False
    if f.domain and f.domain not in summary.get("domains", {}):
        return False
    return not f.country or f"country:{f.country.upper()}" in json.loads(row.key_counts)


def story_title(conn: Connection, story_id: str) -> str | None:
    found = conn.execute(select(stories.c.title).where(stories.c.id == story_id)).scalar()
    return str(found) if found is not None else None


def get_story(conn: Connection, story_id: str) -> Story | None:
    row = conn.execute(select(stories).where(stories.c.id == story_id)).first()
    return _with_articles(conn, story_of_row(row)) if row else None


def story_of_row(row: Any) -> Story:
    """A story as a row of `stories` holds it (the lists read the same rows)."""
    summary = json.loads(row.summary)

    def ranked(name: str) -> dict[str, int]:
        return dict(Counter(summary.get(name, {})).most_common())

    return Story(
        id=row.id,
        title=row.title,
        state=row.state,
        merged_into=row.merged_into,
        first_seen=aware(row.first_seen),
        last_seen=aware(row.last_seen),
        updated=aware(row.updated),
        article_count=row.article_count,
        languages=ranked("langs"),
        sources=ranked("sources"),
        places=ranked("places"),
        actors=ranked("actors"),
        event_types=ranked("types"),
        domains=ranked("domains"),
    )


def _with_articles(conn: Connection, story: Story) -> Story:
    rows = conn.execute(
        select(articles, story_articles.c.score, story_articles.c.pinned)
        .join(story_articles, story_articles.c.article_id == articles.c.id)
        .where(story_articles.c.story_id == story.id)
        .order_by(func.coalesce(articles.c.published, articles.c.fetched), articles.c.id)
    ).all()
    timeline = tuple(
        StoryArticle(
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
        for r in rows
    )
    return Story(**{**story.__dict__, "articles": timeline})


def article_row_id(conn: Connection, key: str) -> tuple[int, str] | None:
    """(row id, current story) of an article given by uid or external id."""
    row = conn.execute(
        select(articles.c.id, story_articles.c.story_id)
        .join(story_articles, story_articles.c.article_id == articles.c.id)
        .where((articles.c.uid == key) | (articles.c.external_id == key))
    ).first()
    return (row.id, row.story_id) if row else None


def stories_of_articles(conn: Connection, uids: Sequence[str]) -> list[str]:
    """The ids of the stories that hold any of these articles, in id order."""
    found: set[str] = set()
    for start in range(0, len(uids), 500):
        query = (
            select(story_articles.c.story_id)
            .join(articles, articles.c.id == story_articles.c.article_id)
            .where(articles.c.uid.in_(uids[start : start + 500]))
            .distinct()
        )
        found.update(conn.execute(query).scalars())
    return sorted(found)


def article_uids(conn: Connection, story_id: str) -> list[str]:
    """The uids of the story's articles, in article order."""
    query = (
        select(articles.c.uid)
        .join(story_articles, story_articles.c.article_id == articles.c.id)
        .where(story_articles.c.story_id == story_id)
        .order_by(articles.c.id)
    )
    return list(conn.execute(query).scalars())
