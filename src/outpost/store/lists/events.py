"""Events as the API and the pages list them, and one event with what a page shows of it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Select, select

from outpost.records import EventDetail, EventRow, LocatedEvent
from outpost.store.articles import COLUMNS, to_article
from outpost.store.dialect import in_lists
from outpost.store.facts import event_row
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
from outpost.store.schema import articles, event_domains, event_parties, events
from outpost.store.times import aware

SORTS = {
    "-published": Sort(events.c.published, events.c.id, descending=True),
    "published": Sort(events.c.published, events.c.id, descending=False),
    "-score": Sort(events.c.score, events.c.id, descending=True),
}


def event_conditions(dialect: str, a: Asked) -> Conditions:
    """Every filter on the events' own columns, but for the domain and the party (their
    tables, through covering indexes) and the text (its article's, full-text)."""
    e = events.c
    plain = in_time(e.published, a)
    equal = {
        e.country: a.country,
        e.admin1: a.admin1,
        e.type: a.event_type,
        e.lang: a.lang,
        e.source: a.source,
    }
    plain += [column == value for column, value in equal.items() if value is not None]
    found = Conditions(plain=tuple(plain))
    if a.bbox is not None:
        box = (in_box(e.lat, e.lon, a.bbox), in_box(e.lat + 0, e.lon + 0, a.bbox))
        found += Conditions(broad=(box,))
    if a.domain is not None:
        d = event_domains.c
        found += Conditions(among=(Among(e.id, d.event_id, Conditions((d.domain == a.domain,))),))
    if a.actor is not None:  # an actor or a target: whoever takes part
        p = event_parties.c
        found += Conditions(among=(Among(e.id, p.event_id, Conditions((p.party == a.actor,))),))
    if a.q is not None:
        found += text_match(dialect, e.article_id, a.q)
    return found


def _rows(ids: Sequence[Any]) -> Select[Any]:
    return (
        select(events, articles.c.uid, articles.c.title, events.c.id.label("sort_id"))
        .join(articles, articles.c.id == events.c.article_id)
        .where(events.c.id.in_(ids))
    )


EVENTS = Source(events, events.c.id, _rows, event_row)


def list_events(conn: Connection, wanted: Wanted, s: Slice) -> Listed[EventRow]:
    """Events matching every filter, in the sort's order; ListError names what cannot be."""
    sort = sort_of(SORTS, s.sort)
    conditions = event_conditions(conn.dialect.name, asked(wanted, FILTERS, "events"))
    return listed(conn, EVENTS, conditions, sort, s)


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


def located_events(conn: Connection, ids: Sequence[int]) -> list[LocatedEvent]:
    """The events of these ids with their place, time and source (and their article's
    address), in the order given; an id of no event is left out."""
    found: dict[int, LocatedEvent] = {}
    for chunk in in_lists(ids):
        query = (
            select(events, articles.c.uid, articles.c.title, articles.c.url)
            .join(articles, articles.c.id == events.c.article_id)
            .where(events.c.id.in_(chunk))
        )
        for row in conn.execute(query):
            found[row.id] = LocatedEvent(
                event_row(row),
                aware(row.published),
                row.source,
                row.url,
                row.lang,
                row.lat,
                row.lon,
                row.admin1,
            )
    return [found[i] for i in ids if i in found]
