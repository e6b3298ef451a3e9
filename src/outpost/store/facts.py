"""Analysis results in the store: saved per article in one transaction (replacing what an
earlier analysis left), read back as rows for listings."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, delete, insert, or_, select

from outpost.records import Article, Doc, EventRow
from outpost.serialize import place_json
from outpost.store.articles import COLUMNS, to_article
from outpost.store.indicators import write_series
from outpost.store.schema import (
    ARTICLE_TIME,
    analyses,
    article_series,
    articles,
    dates,
    event_domains,
    event_parties,
    events,
    mentions,
    places,
    threats,
)
from outpost.store.times import now, to_db

PER_ARTICLE = (mentions, places, dates, threats, events, article_series)


def save_analysis(conn: Connection, article_id: int, doc: Doc, version: str) -> None:
    """Replace the article's analysis with `doc`'s facts (in the caller's transaction)."""
    for table in PER_ARTICLE:
        conn.execute(delete(table).where(table.c.article_id == article_id))
    conn.execute(delete(analyses).where(analyses.c.article_id == article_id))
    conn.execute(
        insert(analyses).values(
            article_id=article_id,
            version=version,
            analysed=to_db(now()),
            lang=doc.lang,
            event_type=doc.event_type.label if doc.event_type else None,
            event_type_score=doc.event_type.score if doc.event_type else None,
            focus=json.dumps(place_json(doc.focus)) if doc.focus else None,
            notes=json.dumps(list(doc.notes), ensure_ascii=False),
            vector=doc.vector.astype("<f4").tobytes() if doc.vector is not None else None,
        )
    )
    _insert_facts(conn, article_id, doc)
    write_series(conn, article_id, doc)


def _insert_facts(conn: Connection, article_id: int, doc: Doc) -> None:
    rows: list[tuple[Any, list[dict[str, Any]]]] = [
        (mentions, [_mention_row(m) for m in doc.mentions]),
        (places, [place_json(p) for p in doc.places]),
        (dates, [_plain(d, "text", "start", "end", "value", "role") for d in doc.dates]),
        (threats, [_plain(t, "domain", "score", "evidence", "start", "end") for t in doc.threats]),
    ]
    for table, values in rows:
        if values:
            conn.execute(insert(table), [{**v, "article_id": article_id} for v in values])
    if doc.events:
        _insert_events(conn, article_id, doc)


def _insert_events(conn: Connection, article_id: int, doc: Doc) -> None:
    # What the lists filter and sort events on, copied from the article (see schema.events).
    article = conn.execute(
        select(ARTICLE_TIME.label("published"), articles.c.lang, articles.c.source).where(
            articles.c.id == article_id
        )
    ).one()
    for event in doc.events:
        event_id = conn.execute(
            insert(events)
            .values(
                article_id=article_id,
                published=article.published,
                lang=article.lang,
                source=article.source,
                type=event.type,
                score=event.score,
                confidence=event.confidence,
                evidence=event.evidence,
                start=event.start,
                end=event.end,
                trigger=event.trigger,
                actors=json.dumps(list(event.actors), ensure_ascii=False),
                targets=json.dumps(list(event.targets), ensure_ascii=False),
                domains=json.dumps(list(event.domains)),
                place=json.dumps(place_json(event.place), ensure_ascii=False)
                if event.place
                else None,
                country=event.place.country if event.place else None,
                lat=event.place.lat if event.place else None,
                lon=event.place.lon if event.place else None,
                admin1=event.place.admin1[:64] if event.place and event.place.admin1 else None,
                date=event.date,
                deadline=event.deadline,
            )
            .returning(events.c.id)
        ).scalar_one()
        parties = {(a, "actor") for a in event.actors} | {(t, "target") for t in event.targets}
        if parties:
            conn.execute(
                insert(event_parties),
                [{"event_id": event_id, "party": p[:200], "role": r} for p, r in parties],
            )
        if event.domains:
            conn.execute(
                insert(event_domains),
                [{"event_id": event_id, "domain": d} for d in set(event.domains)],
            )


def _mention_row(m: Any) -> dict[str, Any]:
    return _plain(m, "start", "end", "text", "type", "name", "kb_id", "confidence", "method")


def _plain(record: Any, *names: str) -> dict[str, Any]:
    return {name: getattr(record, name) for name in names}


def stale_articles(
    conn: Connection, version: str, everything: bool = False, limit: int | None = None
) -> list[tuple[int, Article]]:
    """Articles never analysed, or analysed by another pipeline version (all with
    `everything`), oldest first."""
    query = select(articles.c.id, *COLUMNS).outerjoin(
        analyses, analyses.c.article_id == articles.c.id
    )
    if not everything:
        query = query.where(or_(analyses.c.version.is_(None), analyses.c.version != version))
    query = query.order_by(articles.c.id)
    if limit is not None:
        query = query.limit(limit)
    return [(row.id, to_article(row)) for row in conn.execute(query)]


@dataclass(frozen=True)
class EventFilter:
    type: str | None = None
    domain: str | None = None
    country: str | None = None
    actor: str | None = None
    since: date | None = None
    until: date | None = None
    limit: int | None = 100


def list_events(conn: Connection, f: EventFilter = EventFilter()) -> list[EventRow]:
    """Events matching every given filter, newest first."""
    query = select(events, articles.c.uid, articles.c.title).join(
        articles, articles.c.id == events.c.article_id
    )
    conditions: list[Any] = []
    if f.type:
        conditions.append(events.c.type == f.type)
    if f.country:
        conditions.append(events.c.country == f.country.upper())
    if f.since:
        conditions.append(events.c.date >= f.since.isoformat())
    if f.until:
        conditions.append(events.c.date < f.until.isoformat())
    if f.domain:
        conditions.append(
            events.c.id.in_(
                select(event_domains.c.event_id).where(event_domains.c.domain == f.domain)
            )
        )
    if f.actor:
        conditions.append(
            events.c.id.in_(
                select(event_parties.c.event_id).where(event_parties.c.party == f.actor)
            )
        )
    query = query.where(*conditions).order_by(events.c.date.desc(), events.c.id.desc())
    if f.limit is not None:
        query = query.limit(f.limit)
    return list(_event_rows(conn.execute(query)))


def _event_rows(rows: Any) -> Iterator[EventRow]:
    for r in rows:
        yield event_row(r)


def event_row(r: Any) -> EventRow:
    """An events row with its article's uid and title, as a record."""
    return EventRow(
        id=r.id,
        article=r.uid,
        title=r.title,
        type=r.type,
        score=r.score,
        confidence=r.confidence,
        date=r.date,
        deadline=r.deadline,
        country=r.country,
        place=json.loads(r.place) if r.place else None,
        actors=json.loads(r.actors),
        targets=json.loads(r.targets),
        domains=json.loads(r.domains),
        evidence=r.evidence,
        start=r.start,
        end=r.end,
    )
