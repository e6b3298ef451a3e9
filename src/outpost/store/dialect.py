"""What differs between SQLite and PostgreSQL, in one place: upserts and full-text search."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import snowballstemmer
from sqlalchemy import Connection, Table, text
from sqlalchemy.dialects import postgresql, sqlite

WORD = re.compile(r"\w+", re.UNICODE)
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_stemmers = {
    "ru": snowballstemmer.stemmer("russian"),
    "en": snowballstemmer.stemmer("english"),
}


def insert_ignore(conn: Connection, table: Table, values: Mapping[str, Any]) -> None:
    """Insert a row unless its primary key is already there."""
    module: Any = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(module.insert(table).values(**values).on_conflict_do_nothing())


def upsert(conn: Connection, table: Table, values: Mapping[str, Any], update: list[str]) -> None:
    """Insert a row, or update the named columns of the row with the same primary key."""
    module: Any = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = module.insert(table).values(**values)
    keys = [c.name for c in table.primary_key.columns]
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=keys, set_={name: statement.excluded[name] for name in update}
        )
    )


def query_terms(query: str) -> list[str]:
    """The query's words, lower-cased and stemmed (Russian or English by script) for prefix
    matching: "Афганистане" → "афганистан", "trafficking" → "traffick"."""
    terms = []
    for word in WORD.findall(query.lower()):
        stemmer = _stemmers["ru" if CYRILLIC.search(word) else "en"]
        stem = stemmer.stemWord(word)
        terms.append(stem if len(stem) >= 3 else word)
    return terms


def search_sql(dialect: str, terms: list[str]) -> tuple[Any, dict[str, Any]]:
    """SQL returning (id, rank, snippet) of matching articles, best first, and its parameters."""
    if dialect == "postgresql":
        query = " & ".join(f"{t}:*" for t in terms)
        sql = text(
            """
            SELECT a.id, ts_rank(a.search, q) AS rank,
                   ts_headline('simple', a.text, q,
                     'StartSel=«, StopSel=», MaxWords=25, MinWords=10, MaxFragments=1') AS snippet
            FROM articles a, to_tsquery('simple', :query) q
            WHERE a.search @@ q
            ORDER BY rank DESC, a.id
            LIMIT :limit
            """
        )
        return sql, {"query": query}
    query = " AND ".join(f'"{t}"*' for t in terms)
    sql = text(
        """
        SELECT rowid AS id, bm25(articles_fts, 2.0, 1.0) AS rank,
               snippet(articles_fts, 1, '«', '»', '…', 20) AS snippet
        FROM articles_fts
        WHERE articles_fts MATCH :query
        ORDER BY rank, rowid
        LIMIT :limit
        """
    )
    return sql, {"query": query}
