"""What differs between SQLite and PostgreSQL, in one place: upserts, full-text search, and
how one writer at a time is made to append to a table."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import snowballstemmer
from sqlalchemy import Connection, Integer, String, Table, func, literal, literal_column, text
from sqlalchemy import column as sql_column
from sqlalchemy import table as sql_table
from sqlalchemy.dialects import postgresql, sqlite

from outpost.store.errors import SearchRefusedError

# Values in one IN (...) list: a query with more is made in chunks of this many, well under
# every supported database's limit on bound parameters (SQLite's was 999 before 3.32).
IN_LIST = 900
T = TypeVar("T")
# Letters and digits: the index splits words at "_" too (FTS5 unicode61, PostgreSQL).
WORD = re.compile(r"[^\W_]+", re.UNICODE)
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_stemmers = {
    "ru": snowballstemmer.stemmer("russian"),
    "en": snowballstemmer.stemmer("english"),
}


def in_lists(values: Sequence[T]) -> Iterator[list[T]]:
    """`values` in lists of at most IN_LIST, for an IN (...) each."""
    for start in range(0, len(values), IN_LIST):
        yield list(values[start : start + IN_LIST])


def insert(conn: Connection, table: Table) -> Any:
    """The dialect's INSERT, which can yield to a row already there (ON CONFLICT)."""
    return _insert(conn.dialect.name, table)


def _insert(dialect: str, table: Table) -> Any:
    return (postgresql if dialect == "postgresql" else sqlite).insert(table)


def insert_ignore(conn: Connection, table: Table, values: Mapping[str, Any]) -> None:
    """Insert a row unless it conflicts with one already there (its key, a unique column)."""
    conn.execute(insert(conn, table).values(**values).on_conflict_do_nothing())


def upsert(conn: Connection, table: Table, values: Mapping[str, Any], update: list[str]) -> None:
    """Insert a row, or update the named columns of the row with the same primary key."""
    conn.execute(_upsert(conn.dialect.name, table, tuple(update)), dict(values))


@functools.cache
def _upsert(dialect: str, table: Table, update: tuple[str, ...]) -> Any:
    # Built once, its values bound at each call: building the statement anew for every row
    # cost more than running it (story clustering saves a story after every article).
    statement = _insert(dialect, table)
    keys = [c.name for c in table.primary_key.columns]
    return statement.on_conflict_do_update(
        index_elements=keys, set_={name: statement.excluded[name] for name in update}
    )


def lock_for_append(conn: Connection, table: Table) -> None:
    """Make the caller's transaction the only one that may write `table` until it ends (other
    readers go on): for appends that must read the last row and then write after it, as the
    audit chain does. PostgreSQL locks the table; SQLite has one writer per database, and a
    write that changes nothing takes its lock (and a fresh snapshot) just the same."""
    name = conn.dialect.identifier_preparer.format_table(table)
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"LOCK TABLE {name} IN EXCLUSIVE MODE"))
    else:
        key = conn.dialect.identifier_preparer.quote(next(iter(table.primary_key.columns)).name)
        conn.execute(text(f"UPDATE {name} SET {key} = {key} WHERE 1 = 0"))


# A query's bounds. Every prefix term makes the full-text index expand it to all the words it
# starts and intersect their lists, so cost grows with the number of terms and with how
# short their prefixes are: a query of many repeated short words once ran for minutes.
MAX_TERMS = 12  # different terms in one query; more is refused, not cut (cutting would
# silently answer another question than the one asked)
MAX_WORD = 64  # characters in one query word; no real word is longer
MIN_PREFIX = 3  # a shorter stem is matched as the whole word ("us", "в"), never as a prefix


@dataclass(frozen=True)
class Term:
    text: str  # lower case; a stem when `prefix`
    prefix: bool  # matched as the start of a word, or only as the whole word


def query_terms(query: str) -> list[Term]:
    """The query's different words, lower-cased and stemmed (Russian or English by script)
    for prefix matching: "Афганистане" → "афганистан"*, "trafficking" → "traffick"*. A word
    whose stem is shorter than MIN_PREFIX is matched whole: "US" finds "us", not "used".

    Raises SearchRefusedError (one line) for a query of more than MAX_TERMS different terms
    or with a word longer than MAX_WORD characters: such a query is refused whole.
    """
    terms: dict[Term, None] = {}
    seen: set[str] = set()
    for match in WORD.finditer(query.lower()):
        word = match.group()
        if word in seen:
            continue  # a repeated word adds nothing but cost
        seen.add(word)
        if len(word) > MAX_WORD:
            raise SearchRefusedError(
                f"search: a word may have at most {MAX_WORD} characters; "
                f"{word[:20]!r}… has {len(word)}"
            )
        terms[_term(word)] = None
        if len(terms) > MAX_TERMS:
            raise SearchRefusedError(
                f"search: a query may have at most {MAX_TERMS} different words; this one has "
                "more (leave out the common ones)"
            )
    return list(terms)


def _term(word: str) -> Term:
    stem = _stemmers["ru" if CYRILLIC.search(word) else "en"].stemWord(word)
    return Term(stem, prefix=True) if len(stem) >= MIN_PREFIX else Term(word, prefix=False)


RANKED = 1000  # the most recently stored matches that search ranks (see search_sql)


def index_first(conn: Connection) -> None:
    """For the rest of the transaction, have PostgreSQL find text matches through the
    full-text index rather than by testing every row. Its planner prices testing a row's
    tsvector as cheap, but the vector is stored out of line (5 GB beside a 356 MB table at
    half a million articles): a scan testing every row took 3.6 s where the index took 0.3 s.
    Other queries of the transaction lose nothing: they are planned on indexes anyway."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")


def search_sql(dialect: str, terms: list[Term]) -> tuple[Any, dict[str, Any]]:
    """SQL returning (id, rank, snippet) of matching articles, best first, and its parameters.

    Only the RANKED most recently stored matches are ranked: ranking reads every match's
    word positions (PostgreSQL's tsvector, FTS5's hit lists), so a common word over half a
    million articles took seconds, while the newest thousand are found along the ids alone.
    A watch looks for what is new; older articles are reached by the lists' time range."""
    query = match_query(dialect, terms)
    if dialect == "postgresql":
        sql = text(
            """
            SELECT a.id, ts_rank(a.search, q) AS rank,
                   ts_headline('simple', a.text, q,
                     'StartSel=«, StopSel=», MaxWords=25, MinWords=10, MaxFragments=1') AS snippet
            FROM (
                SELECT id FROM articles WHERE search @@ to_tsquery('simple', :query)
                ORDER BY id DESC LIMIT :pool
            ) AS pool
            JOIN articles a ON a.id = pool.id
            CROSS JOIN to_tsquery('simple', :query) q
            ORDER BY rank DESC, a.id
            LIMIT :limit
            """
        )
        return sql, {"query": query, "pool": RANKED}
    # FTS5 reads its matches in rowid order and takes a rowid bound as its own constraint.
    sql = text(
        """
        SELECT rowid AS id, bm25(articles_fts, 2.0, 1.0) AS rank,
               snippet(articles_fts, 1, '«', '»', '…', 20) AS snippet
        FROM articles_fts
        WHERE articles_fts MATCH :query AND rowid >= (
            SELECT coalesce(min(rowid), 0) FROM (
                SELECT rowid FROM articles_fts WHERE articles_fts MATCH :query
                ORDER BY rowid DESC LIMIT :pool
            )
        )
        ORDER BY rank, rowid
        LIMIT :limit
        """
    )
    return sql, {"query": query, "pool": RANKED}


def text_filter(dialect: str, terms: list[Term]) -> tuple[Any, list[Any]]:
    """The article-id column of the full-text index and the conditions under which its rows
    contain every term: the same match as `search_sql`, without ranking or snippets, for the
    lists to filter on (as `id IN (SELECT column ...)` or as a correlated EXISTS)."""
    query = literal(match_query(dialect, terms), String)
    if dialect == "postgresql":
        articles = sql_table("articles", sql_column("id", Integer), sql_column("search"))
        matched = articles.alias("matched")
        return matched.c.id, [matched.c.search.op("@@")(func.to_tsquery("simple", query))]
    fts = sql_table("articles_fts", sql_column("rowid", Integer))
    return fts.c.rowid, [literal_column("articles_fts").op("MATCH")(query)]


def match_query(dialect: str, terms: list[Term]) -> str:
    """The terms as the dialect's full-text query: all of them, each a prefix or a word."""
    if dialect == "postgresql":
        return " & ".join(f"{t.text}:*" if t.prefix else t.text for t in terms)
    return " AND ".join(f'"{t.text}"*' if t.prefix else f'"{t.text}"' for t in terms)
