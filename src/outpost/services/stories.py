"""Stories: placing stored articles in them, the analysts' merge and split, and reading them.

Each article's assignment and its story's new state are written in one transaction, so a
run stopped at any moment leaves every article either in exactly one story, with the story
counting it, or in none (and the next run takes it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from outpost.records import (
    Doc,
    Principal,
    Sketch,
    Story,
    StoryState,
    StoryStats,
    StoryTimeline,
)
from outpost.respond.people import Action, require_of_people
from outpost.services.audit import record
from outpost.services.context import Context
from outpost.services.paging import Filters, Page, Window, paged
from outpost.services.progress import Progress, Quiet
from outpost.store import stories as store
from outpost.store.lists import stories as lists
from outpost.store.stories import StoryFilter
from outpost.warn.sketches import sketches
from outpost.warn.stories import QUIET, WINDOW, Clusterer, story_id

BATCH = 64  # articles read and vectorised at once


@dataclass(frozen=True)
class Clustered:
    articles: int
    new_stories: int
    joined: int  # articles that joined an existing story
    closed: int  # stories closed as quiet


def cluster(ctx: Context, progress: Progress | None = None) -> Clustered:
    """Place every analysed article that is in no story yet; oldest first, BATCH at a time."""
    return cluster_store(ctx.engine, progress)


def merge_stories(ctx: Context, keep: str, other: str) -> StoryState:
    """Merge `other` into `keep` (LookupError: no such story; ValueError: not possible;
    NotAllowedError, which is checked first, for a viewer)."""
    require_of_people(ctx.who, Action.CORRECT_STORIES)
    return merge(ctx.engine, keep, other, ctx.who)


def split_article(ctx: Context, article: str) -> StoryState:
    """Take an article out of its story (LookupError, ValueError, NotAllowedError as for
    merge)."""
    require_of_people(ctx.who, Action.CORRECT_STORIES)
    return split(ctx.engine, article, ctx.who)


def story_stats(ctx: Context, since: datetime | None = None) -> StoryStats:
    """What clustering made and how often analysts corrected it, since `since` or in all."""
    with ctx.engine.connect() as conn:
        return store.stats(conn, since)


def list_stories(ctx: Context, f: StoryFilter, *, with_articles: bool = False) -> list[Story]:
    with ctx.engine.connect() as conn:
        return store.list_stories(conn, f, with_articles=with_articles)


def get_story(ctx: Context, story_id: str) -> Story | None:
    with ctx.engine.connect() as conn:
        return store.get_story(conn, story_id)


def cluster_store(engine: Engine, progress: Progress | None = None) -> Clustered:
    """`cluster` on an engine (the watch loop, tests)."""
    progress = progress or Quiet()
    with engine.connect() as conn:
        todo = store.unclustered_ids(conn)  # those analysed later wait for the next run
        batch = store.analysed(conn, todo[:BATCH])
        since = min((doc.published for _, doc, _ in batch if doc.published), default=None)
        near = store.states_since(conn, since - WINDOW) if since else []
        clusterer = Clusterer(near, store.pins(conn))
    progress.start(len(todo))
    done = new = joined = 0
    latest = None
    for start in range(0, len(todo), BATCH):
        if start:
            with engine.connect() as conn:
                batch = store.analysed(conn, todo[start : start + BATCH])
        for (article_id, _, _), sketch in zip(batch, _sketches(batch), strict=True):
            story, score = clusterer.add(sketch)
            new += len(story.articles) == 1
            joined += len(story.articles) > 1
            latest = max(latest or sketch.when, sketch.when)
            with engine.begin() as conn:
                store.save_state(conn, story)  # first: the assignment refers to it
                store.assign(conn, article_id, story.id, score, pinned=False)
            progress.advance()
        done += len(batch)
    closed = 0
    if latest is not None:
        with engine.begin() as conn:
            closed = store.close_quiet(conn, latest - QUIET)
    return Clustered(done, new, joined, closed)


def _sketches(rows: Sequence[tuple[int, Doc, str]]) -> list[Sketch]:
    docs = [doc for _, doc, _ in rows]
    return sketches(docs, [source for _, _, source in rows], [d.published for d in docs])


def _state(story: str, rows: Sequence[tuple[int, Doc, str]], title: str | None) -> StoryState:
    """A story's state computed from its articles (oldest first)."""
    found = _sketches(rows)
    state = StoryState(story, found[0].when, found[0].when)
    for sketch in found:
        state.add(sketch)
    state.title = title or state.title
    return state


def merge(engine: Engine, keep: str, other: str, who: Principal | None = None) -> StoryState:
    """Move every article of `other` into `keep`; `other` redirects there from now on. With
    `who`, the audit log records who merged them, in the same transaction."""
    if keep == other:
        raise ValueError("a story cannot be merged into itself")
    with engine.connect() as conn:
        kept, gone = store.get_story(conn, keep), store.get_story(conn, other)
        for key, story in ((keep, kept), (other, gone)):
            if story is None:
                raise LookupError(f"no story {key!r}")
            if story.state == "merged":
                raise ValueError(f"story {key!r} was already merged into {story.merged_into!r}")
        rows = store.members(conn, keep) + store.members(conn, other)
    assert kept is not None
    rows.sort(key=lambda row: (row[1].published, row[0]))
    state = _state(keep, rows, kept.title)  # computed first, so the writes are one transaction
    with engine.begin() as conn:
        store.mark_merged(conn, other, keep)
        store.save_state(conn, state)
        if who is not None:
            record(conn, who, "story.merge", f"story:{other}", {"into": keep})
    return state


def split(engine: Engine, article: str, who: Principal | None = None) -> StoryState:
    """Take an article out of its story into a story of its own, pinned there (audited as
    `merge` is)."""
    with engine.connect() as conn:
        found = store.article_row_id(conn, article)
        if found is None:
            raise LookupError(f"article {article!r} is in no story")
        article_id, old = found
        story = store.get_story(conn, old)
        rows = store.members(conn, old)
    assert story is not None
    if len(rows) <= 1:
        raise ValueError(f"article {article!r} is already alone in story {old!r}")
    moved = [row for row in rows if row[0] == article_id]
    new = f"{story_id(moved[0][1].id)}-{len(rows)}"  # apart from the id it may have started
    state = _state(new, moved, None)
    rest = _state(old, [row for row in rows if row[0] != article_id], story.title)
    with engine.begin() as conn:
        store.save_state(conn, state)
        store.assign(conn, article_id, new, 1.0, pinned=True)
        store.save_state(conn, rest)
        if who is not None:
            record(conn, who, "story.split", f"article:{article}", {"from": old, "to": new})
    return state


def find_stories(ctx: Context, filters: Filters, window: Window) -> Page[Story]:
    """Stories matching the filters (without their articles), a page at a time: latest
    activity first by default, or "last_seen", "-article_count"."""
    with ctx.engine.connect() as conn:
        return paged(window, tuple(lists.SORTS), lambda s: lists.list_stories(conn, filters, s))


def story_timeline(ctx: Context, story_id: str) -> StoryTimeline | None:
    """How the story grew: per day, its articles and its size so far."""
    with ctx.engine.connect() as conn:
        return lists.story_timeline(conn, story_id)
