"""Articles as the API and the pages list them, and the facts a page highlights in one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Select, select

from outpost.records import Article, ArticleFacts, DateMention, Mention, Related
from outpost.store.articles import COLUMNS, to_article
from outpost.store.docs import place
from outpost.store.lists.common import (
    FILTERS,
    Among,
    Asked,
    Conditions,
    Wanted,
    asked,
    in_box,
    in_time,
    text_match,
)
from outpost.store.lists.keyset import Listed, Slice, Sort, Source, listed, sort_of
from outpost.store.schema import (
    ARTICLE_TIME,
    article_series,
    articles,
    dates,
    events,
    mentions,
    places,
)
from outpost.store.times import from_db

# The time of an article is its publication time, else its fetch time (an expression index).
SORTS = {
    "-published": Sort(ARTICLE_TIME, articles.c.id, descending=True),
    "published": Sort(ARTICLE_TIME, articles.c.id, descending=False),
}


def article_conditions(
    dialect: str, a: Asked, *, time: bool = True, ident: Any = articles.c.id
) -> Conditions:
    """The filters on articles (whose id is `ident`: a story's list gives its members'),
    each through the rows that answer it with an index:

    - country, domain, event_type: the article's indicator series (article_series), which
      hold the countries of its places and events, the domains of its threats and events, its
      type and its events' types. So the articles listed for a country and a day are exactly
      the ones its indicator counted that day.
    - admin1: the places the article mentions (its events' places are among them).
    - bbox: the places of its events, which the map counts (a box drawn on the map lists the
      articles behind its events); through the events' index (lat, lon, domains, article_id),
      as an article mentions some thirty places and has two events or so.
    - actor: the knowledge-base ids of its mentions.
    - lang, source, time: its own columns; q: the full-text index.
    """
    plain: list[Any] = in_time(ARTICLE_TIME, a) if time else []
    own = [c == v for c, v in ((articles.c.lang, a.lang), (articles.c.source, a.source)) if v]
    among: list[Among] = []
    if ident is articles.c.id:
        plain += own  # the list's own columns, each with an index in time order
    elif own:
        # Another list's articles (a story's): as the set of ids with that language or
        # source, read once from its index. Never tested row by row: an article's language
        # is stored after its text, so reading it from the row reads the whole text.
        where = Conditions(tuple(own))
        among.append(Among(ident, articles.c.id, where, costly=True))
    series = {"country": a.country, "domain": a.domain, "event_type": a.event_type}
    for kind, key in series.items():
        if key is not None:
            among.append(_in_series(ident, kind, key, a if time else Asked()))
    p = places.c
    if a.admin1 is not None:
        among.append(Among(ident, p.article_id, Conditions((p.admin1 == a.admin1,))))
    if a.bbox is not None:
        e = events.c
        among.append(Among(ident, e.article_id, Conditions((in_box(e.lat, e.lon, a.bbox),))))
    if a.actor is not None:
        m = mentions.c
        among.append(Among(ident, m.article_id, Conditions((m.kb_id == a.actor,))))
    found = Conditions(tuple(plain), tuple(among))
    return found + text_match(dialect, ident, a.q) if a.q is not None else found


def _in_series(ident: Any, kind: str, key: str, a: Asked) -> Among:
    """The articles of a series; within the days of the time range, which the index
    (kind, key, day, article_id) narrows to before the exact times are compared."""
    s = article_series.c
    where = [s.kind == kind, s.key == key]
    if a.since is not None:
        where.append(s.day >= a.since.date())
    if a.until is not None:
        where.append(s.day <= a.until.date())
    return Among(ident, s.article_id, Conditions(tuple(where)))


def _rows(ids: Sequence[Any]) -> Select[Any]:
    return select(*COLUMNS, articles.c.id.label("sort_id")).where(articles.c.id.in_(ids))


ARTICLES = Source(articles, articles.c.id, _rows, to_article)


def list_articles(conn: Connection, wanted: Wanted, s: Slice) -> Listed[Article]:
    """Articles matching every filter, in the sort's order; ListError names what cannot be."""
    sort = sort_of(SORTS, s.sort)
    conditions = article_conditions(conn.dialect.name, asked(wanted, FILTERS, "articles"))
    return listed(conn, ARTICLES, conditions, sort, s)


MAX_RELATED = 100  # near duplicates named on an article's page


def article_facts(conn: Connection, uid: str) -> ArticleFacts | None:
    """An article's mentions, places and dates in text order, and its family of near
    duplicates (the original it repeats, and the others that repeat that original, in the
    order they came, the first MAX_RELATED)."""
    row = conn.execute(
        select(articles.c.id, articles.c.near_duplicate_of).where(articles.c.uid == uid)
    ).first()
    if row is None:
        return None
    m, p, d = mentions.c, places.c, dates.c
    found = conn.execute(select(mentions).where(m.article_id == row.id).order_by(m.start, m.id))
    located = conn.execute(select(places).where(p.article_id == row.id).order_by(p.start, p.id))
    dated = conn.execute(select(dates).where(d.article_id == row.id).order_by(d.start, d.id))
    root = row.near_duplicate_of or uid
    family = conn.execute(
        select(*RELATED)
        .where(articles.c.near_duplicate_of == root, articles.c.uid != uid)
        .order_by(articles.c.id)  # as they came: the index on near_duplicate_of is in id order
        .limit(MAX_RELATED)
    )
    original = None
    if row.near_duplicate_of is not None:
        first = conn.execute(select(*RELATED).where(articles.c.uid == root)).first()
        original = _related(first) if first is not None else None
    return ArticleFacts(
        article=uid,
        mentions=tuple(
            Mention(r.text, r.type, r.start, r.end, r.name, r.kb_id, r.confidence) for r in found
        ),
        places=tuple(place(r._mapping) for r in located),
        dates=tuple(DateMention(r.text, r.start, r.end, r.value, r.role) for r in dated),
        original=original,
        near_duplicates=tuple(_related(r) for r in family),
    )


RELATED = (
    articles.c.uid,
    articles.c.title,
    articles.c.source,
    articles.c.published,
    articles.c.similarity,
)


def _related(row: Any) -> Related:
    return Related(row.uid, row.title, row.source, from_db(row.published), row.similarity)
