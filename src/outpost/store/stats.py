"""Counts for `outpost stats`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select

from outpost.store.schema import articles, feeds, ingest_errors


def stats(conn: Connection) -> dict[str, Any]:
    """`articles` counts every stored article, near duplicates included."""
    count = func.count()

    def grouped(column: Any) -> dict[str, int]:
        rows = conn.execute(
            select(column, count).group_by(column).order_by(count.desc(), column)
        ).all()
        return {str(key) if key is not None else "unknown": n for key, n in rows}

    total = conn.execute(select(count).select_from(articles)).scalar_one()
    near = conn.execute(
        select(count).select_from(articles).where(articles.c.near_duplicate_of.is_not(None))
    ).scalar_one()
    first, last = conn.execute(
        select(func.min(articles.c.published), func.max(articles.c.published))
    ).one()
    return {
        "articles": total,
        "near_duplicates": near,
        "originals": total - near,
        "failures": conn.execute(select(count).select_from(ingest_errors)).scalar_one(),
        "feeds": conn.execute(select(count).select_from(feeds)).scalar_one(),
        "published_first": first.date().isoformat() if first else None,
        "published_last": last.date().isoformat() if last else None,
        "by_source": grouped(articles.c.source),
        "by_lang": grouped(articles.c.lang),
    }
