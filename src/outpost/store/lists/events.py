"""Events as the API and the pages list them, and one event with what a page shows of it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from outpost.records import EventDetail, EventRow
from outpost.store.articles import COLUMNS, to_article
from outpost.store.facts import event_row
from outpost.store.lists.common import (
    FILTERS,
    Asked,
    Listed,
    Slice,
    Sort,
    Wanted,
    asked,
    count,
    in_box,
    in_time,
    page,
    sort_of,
    text_match,
)
from outpost.store.schema import articles, event_domains, event_parties, events
from outpost.store.times import aware

SORTS = {
    "-published": Sort(events.c.published, events.c.id, descending=True),
    "published": Sort(events.c.published, events.c.id, descending=False),
    "-score": Sort(events.c.score, events.c.id, descending=True),
}


def event_conditions(conn: Connection, a: Asked) -> list[Any]:
    """Every filter on the events' own columns, but for the domain and the party (their
    tables, through covering indexes) and the text (its article's, full-text)."""
    e = events.c
    found = in_time(e.published, a)
    equal = {
        e.country: a.country,
        e.admin1: a.admin1,
        e.type: a.event_type,
        e.lang: a.lang,
        e.source: a.source,
    }
    found += [column == value for column, value in equal.items() if value is not None]
    if a.bbox is not None:
        found.append(in_box(e.lat, e.lon, a.bbox))
    if a.domain is not None:
        domain = event_domains.c
        found.append(e.id.in_(select(domain.event_id).where(domain.domain == a.domain)))
    if a.actor is not None:  # an actor or a target: whoever takes part
        party = event_parties.c
        found.append(e.id.in_(select(party.event_id).where(party.party == a.actor)))
    if a.q is not None:
        found.append(text_match(conn, e.article_id, a.q))
    return found


def list_events(conn: Connection, wanted: Wanted, s: Slice) -> Listed[EventRow]:
    """Events matching every filter, in the sort's order; ListError names what cannot be."""
    sort = sort_of(SORTS, s.sort)
    conditions = event_conditions(conn, asked(wanted, FILTERS, "events"))
    query = (
        select(events, articles.c.uid, articles.c.title)
        .join(articles, articles.c.id == events.c.article_id)
        .where(*conditions)
    )
    items, after = page(conn, query, sort, s, event_row)
    return Listed(items, count(conn, events, conditions), after)


def read_event(conn: Connection, event_id: int) -> EventDetail | None:
    """An event with its article (and its text), or None; its parties are the service's
    to name (from the knowledge base)."""
    row = conn.execute(
        select(events, articles.c.uid, articles.c.title)
        .join(articles, articles.c.id == events.c.article_id)
        .where(events.c.id == event_id)
    ).first()
    if row is None:
        return None
    article = conn.execute(select(*COLUMNS).where(articles.c.id == row.article_id)).one()
    return EventDetail(
        event=event_row(row),
        published=aware(row.published),
        lang=row.lang,
        source=row.source,
        lat=row.lat,
        lon=row.lon,
        admin1=row.admin1,
        article=to_article(article),
    )
