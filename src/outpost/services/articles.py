"""Articles: listing, one article, full-text search, counts, and what failed to ingest."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from outpost.records import Article, ArticleFacts, IngestError
from outpost.services.context import Context
from outpost.services.paging import BadQueryError, Filters, Page, Window, paged
from outpost.store import articles as store
from outpost.store.articles import ArticleFilter
from outpost.store.errors import SearchRefusedError
from outpost.store.failures import list_failures
from outpost.store.lists import articles as lists
from outpost.store.search import Hit, search
from outpost.store.stats import stats


def list_articles(ctx: Context, f: ArticleFilter) -> list[Article]:
    with ctx.engine.connect() as conn:
        return store.list_articles(conn, f)


def get_article(ctx: Context, key: str) -> Article | None:
    """By id, a unique id prefix, or external id."""
    with ctx.engine.connect() as conn:
        return store.get_article(conn, key)


def search_articles(ctx: Context, query: str, limit: int = 20) -> list[Hit]:
    """Full-text search (SearchRefusedError names a query that is too large)."""
    with ctx.engine.connect() as conn:
        return search(conn, query, limit)


def store_stats(ctx: Context) -> dict[str, Any]:
    with ctx.engine.connect() as conn:
        return stats(conn)


def ingest_errors(ctx: Context, limit: int | None = 100) -> list[IngestError]:
    with ctx.engine.connect() as conn:
        return list_failures(conn, limit)


def find_articles(ctx: Context, filters: Filters, window: Window) -> Page[Article]:
    """Articles matching the filters, a page at a time ("-published", newest first, by
    default, or "published"); BadQueryError names a filter, sort or cursor that cannot be."""
    with ctx.engine.connect() as conn:
        return paged(window, tuple(lists.SORTS), lambda s: lists.list_articles(conn, filters, s))


def article_facts(ctx: Context, uid: str) -> ArticleFacts | None:
    """What a page highlights in the article: its mentions (with their KB ids), places,
    dates, and its near duplicates; None when there is no such article."""
    with ctx.engine.connect() as conn:
        return lists.article_facts(conn, uid)


@dataclass(frozen=True)
class Searched:
    hits: tuple[Hit, ...]  # best first
    total: int  # every article that matches, beyond the hits asked for (see `exact`)
    exact: bool = True  # False: more than `total` match


def search_counted(ctx: Context, query: str, limit: int = 20) -> Searched:
    """Full-text search, best first, with how many articles match in all (counted as the
    articles list's q filter finds them, which reads the same index the same way).
    BadQueryError names a query that is refused (too many words, a word too long)."""
    with ctx.engine.connect() as conn:
        try:
            hits = search(conn, query, limit)
        except SearchRefusedError as exc:
            raise BadQueryError(f"q: {str(exc).removeprefix('search: ')}") from None
        sorts = tuple(lists.SORTS)
        counted = paged(
            Window(limit=1), sorts, lambda s: lists.list_articles(conn, Filters(q=query), s)
        )
    return Searched(tuple(hits), counted.total, counted.exact)
