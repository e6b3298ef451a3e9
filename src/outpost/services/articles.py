"""Articles: listing, one article, full-text search, counts, and what failed to ingest."""

from __future__ import annotations

from typing import Any

from outpost.records import Article, IngestError
from outpost.services.context import Context
from outpost.store import articles as store
from outpost.store.articles import ArticleFilter
from outpost.store.failures import list_failures
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
