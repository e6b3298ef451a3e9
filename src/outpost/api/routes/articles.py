"""/articles and /search: the stored articles, a page at a time under any filter, one with
what its analysis found in it, and full-text search, best first."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from outpost.api.deps import ContextDep
from outpost.api.filters import Cursor, Limit, ListFilters, sort_query
from outpost.api.problems import documented, not_found
from outpost.api.schemas.articles import (
    ArticleDetail,
    ArticlePublic,
    SearchPublic,
    article_detail,
    article_public,
    hit_public,
)
from outpost.api.schemas.common import Page
from outpost.services import articles as service
from outpost.services.paging import Window
from outpost.store.lists.articles import SORTS

router = APIRouter(tags=["articles"], responses=documented("unauthorized"))
ArticleId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=200,
        description="The article's id (or a unique prefix of it, or its external id).",
    ),
]
Sort = Annotated[
    str | None,
    sort_query(tuple(SORTS), "-published (default: newest first) or published."),
]
MAX_HITS = 100  # search hits of one answer: each costs a snippet made from its whole text


@router.get("/articles", response_model=Page[ArticlePublic], responses=documented("bad-query"))
def read_articles(
    ctx: ContextDep,
    filters: ListFilters,
    sort: Sort = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[ArticlePublic]:
    """Articles matching every filter, a page at a time. Its time is its publication time,
    else when it was fetched; country, domain and event type are those of its places,
    threats and events; bbox holds its events' places."""
    page = service.find_articles(ctx, filters, Window(sort, cursor, limit))
    return Page[ArticlePublic](
        items=[article_public(a) for a in page.items],
        total=page.total,
        total_exact=page.exact,
        next_cursor=page.next_cursor,
    )


@router.get(
    "/articles/{article_id}", response_model=ArticleDetail, responses=documented("not-found")
)
def read_article(ctx: ContextDep, article_id: ArticleId) -> ArticleDetail:
    """The article, its text, and the names, places and dates found in it (their offsets
    point into the text), with its near duplicates."""
    found = service.get_article(ctx, article_id)
    facts = service.article_facts(ctx, found.uid) if found is not None else None
    if found is None or facts is None:
        raise not_found("article")
    return article_detail(found, facts)


@router.get("/search", response_model=SearchPublic, responses=documented("bad-query"))
def search_articles(
    ctx: ContextDep,
    q: Annotated[
        str,
        Query(
            min_length=1,
            description="Every word, in any inflection, Russian or English (at most 12 "
            "different words, each at most 64 characters).",
        ),
    ],
    limit: Annotated[int, Query(ge=1, le=MAX_HITS, description="Hits of the answer.")] = 20,
) -> SearchPublic:
    """Articles containing every word of q, best first, each with the words that matched;
    `total` counts all that match (GET /articles?q= lists them all, a page at a time)."""
    found = service.search_counted(ctx, q, limit)
    return SearchPublic(
        items=[hit_public(h) for h in found.hits], total=found.total, total_exact=found.exact
    )
