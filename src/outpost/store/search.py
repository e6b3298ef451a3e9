"""Full-text search over titles and texts, in Russian and English alike."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from outpost.records import Article
from outpost.store import dialect
from outpost.store.articles import COLUMNS, to_article
from outpost.store.errors import SearchRefusedError
from outpost.store.schema import articles

MAX_HITS = dialect.RANKED  # each hit costs a snippet, made from its whole text


@dataclass(frozen=True)
class Hit:
    article: Article
    snippet: str  # matched words between « and »


def search(conn: Connection, query: str, limit: int = 20) -> list[Hit]:
    """Articles containing every word of the query (in any inflection), best first among
    the dialect.RANKED most recently stored ones that do.

    Raises SearchRefusedError for a query over the bounds of `dialect.query_terms` (more than
    12 different words, or a word of more than 64 characters) or a `limit` over MAX_HITS;
    StatementTimeoutError when the search itself runs past the statement time-out.
    """
    if not 1 <= limit <= MAX_HITS:
        raise SearchRefusedError(f"search: ask for 1 to {MAX_HITS} hits, not {limit}")
    terms = dialect.query_terms(query)
    if not terms:
        return []
    sql, params = dialect.search_sql(conn.dialect.name, terms)
    dialect.index_first(conn)
    found = conn.execute(sql, {**params, "limit": limit}).all()
    if not found:
        return []
    ids = [row.id for row in found]
    rows = conn.execute(select(articles.c.id, *COLUMNS).where(articles.c.id.in_(ids))).all()
    by_id = {row.id: to_article(row) for row in rows}
    return [Hit(by_id[row.id], " ".join(row.snippet.split())) for row in found if row.id in by_id]
