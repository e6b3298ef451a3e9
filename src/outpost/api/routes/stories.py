"""/stories: articles grouped by the development they report, across sources and languages;
how one grew; the analysts' corrections: merge two stories, take an article out of its
story (POST /articles/{id}/split); and how often they had to (GET /stories/stats)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status

from outpost.api.deps import ContextDep
from outpost.api.filters import Cursor, Limit, ListFilters, sort_query
from outpost.api.problems import ProblemError, documented, not_found
from outpost.api.routes.articles import ArticleId
from outpost.api.schemas.common import Page
from outpost.api.schemas.stories import (
    StoryDetail,
    StoryMerge,
    StoryPublic,
    StoryStatePublic,
    StoryStatsPublic,
    StoryTimelinePublic,
    story_detail,
    story_public,
    story_state_public,
    story_stats_public,
    timeline_public,
)
from outpost.records import StoryState
from outpost.respond.people import NotAllowedError
from outpost.services import stories as service
from outpost.services.paging import Window
from outpost.store.lists.stories import SORTS

router = APIRouter(tags=["stories"], responses=documented("unauthorized"))
StoryId = Annotated[str, Path(min_length=1, max_length=100, description="The story's id.")]
Sort = Annotated[
    str | None,
    sort_query(
        tuple(SORTS),
        "-last_seen (default: latest activity first), last_seen, or -article_count.",
    ),
]


@router.get("/stories", response_model=Page[StoryPublic], responses=documented("bad-query"))
def read_stories(
    ctx: ContextDep,
    filters: ListFilters,
    sort: Sort = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[StoryPublic]:
    """Stories active in the time range (their first and last article span overlaps it)
    with an article that meets every other filter, as GET /articles reads them; merged
    stories are left out."""
    page = service.find_stories(ctx, filters, Window(sort, cursor, limit))
    return Page[StoryPublic](
        items=[story_public(s) for s in page.items],
        total=page.total,
        total_exact=page.exact,
        next_cursor=page.next_cursor,
    )


# Before /stories/{story_id}, which would take "stats" for a story's id.
@router.get("/stories/stats", response_model=StoryStatsPublic)
def read_story_stats(
    ctx: ContextDep,
    since: Annotated[date | None, Query(description="From this day (UTC).")] = None,
) -> StoryStatsPublic:
    """Articles placed in stories, stories open, closed and of several articles, and how
    often analysts merged stories or split articles out: per hundred articles placed."""
    start = datetime.combine(since, time(), UTC) if since else None
    return story_stats_public(service.story_stats(ctx, start))


@router.get("/stories/{story_id}", response_model=StoryDetail, responses=documented("not-found"))
def read_story(ctx: ContextDep, story_id: StoryId) -> StoryDetail:
    """The story with its articles, oldest first; a merged story has none, and names the
    story it is part of now (merged_into)."""
    found = service.get_story(ctx, story_id)
    if found is None:
        raise not_found("story")
    return story_detail(found)


@router.get(
    "/stories/{story_id}/timeline",
    response_model=StoryTimelinePublic,
    responses=documented("not-found"),
)
def read_story_timeline(ctx: ContextDep, story_id: StoryId) -> StoryTimelinePublic:
    """How the story grew: per day, its articles and its size so far."""
    found = service.story_timeline(ctx, story_id)
    if found is None:
        raise not_found("story")
    return timeline_public(found)


@router.post(
    "/stories/{story_id}/merge",
    response_model=StoryStatePublic,
    responses=documented("not-found", "conflict", "bad-request", "forbidden"),
)
def merge_story(ctx: ContextDep, story_id: StoryId, body: StoryMerge) -> StoryStatePublic:
    """Merge the other story into this one: its articles move here, and from now on it
    redirects here (new articles that would join it join this one). 409 when either was
    merged already."""
    if body.other == story_id:
        raise ProblemError(
            "validation",
            "a story cannot be merged into itself",
            errors=[{"location": "body.other", "message": "the story itself"}],
        )
    return story_state_public(_corrected(lambda: service.merge_stories(ctx, story_id, body.other)))


@router.post(
    "/articles/{article_id}/split",
    response_model=StoryStatePublic,
    status_code=status.HTTP_201_CREATED,
    responses=documented("not-found", "conflict", "forbidden"),
)
def split_article(
    ctx: ContextDep, request: Request, response: Response, article_id: ArticleId
) -> StoryStatePublic:
    """Take the article out of its story into a new story of its own (its URL in
    Location), where it stays pinned; 409 when it is alone in its story already."""
    state = _corrected(lambda: service.split_article(ctx, article_id))
    response.headers["Location"] = str(request.url_for("read_story", story_id=state.id).path)
    return story_state_public(state)


def _corrected(change: Callable[[], StoryState]) -> StoryState:
    """An analyst's change, its refusals as problems: no such story or article (404), or a
    change the stories' state does not allow (409)."""
    try:
        return change()
    except NotAllowedError:
        raise  # a 403 problem (problems.install)
    except LookupError as exc:
        raise ProblemError("not-found", str(exc)) from None
    except ValueError as exc:
        raise ProblemError("conflict", str(exc)) from None
