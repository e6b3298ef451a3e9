"""An article's stored facts read back as a Doc, for the stages after analysis (stories,
rules) that must not run the models again."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, select

from outpost.records import Doc, Event, Label, Mention, Place, Threat
from outpost.store.articles import to_article
from outpost.store.schema import analyses, articles, events, mentions, places, threats

ANALYSED = select(articles, analyses.c.event_type, analyses.c.event_type_score).join(
    analyses, analyses.c.article_id == articles.c.id
)


def stored_doc(conn: Connection, row: Any) -> Doc:
    """`row`: an articles row with the analysis' event_type and event_type_score."""
    article = to_article(row)
    found = conn.execute(select(mentions).where(mentions.c.article_id == row.id)).all()
    located = conn.execute(select(places).where(places.c.article_id == row.id)).all()
    touched = conn.execute(select(threats).where(threats.c.article_id == row.id)).all()
    happened = conn.execute(select(events).where(events.c.article_id == row.id)).all()
    return Doc(
        id=article.uid,
        text=article.text,
        published=article.published or article.fetched,
        title=article.title,
        lang=article.lang,
        mentions=tuple(
            Mention(m.text, m.type, m.start, m.end, m.name, m.kb_id, m.confidence, m.method)
            for m in found
        ),
        places=tuple(place(p._mapping) for p in located),
        event_type=Label(row.event_type, row.event_type_score or 0.0) if row.event_type else None,
        threats=tuple(Threat(t.domain, t.score, t.evidence, t.start, t.end) for t in touched),
        events=tuple(_event(e) for e in happened),
    )


def place(p: Any) -> Place:
    return Place(
        p["text"],
        p["start"],
        p["end"],
        p["name"],
        p["lat"],
        p["lon"],
        p["country"],
        p["admin1"],
        p["geonames_id"],
        p["kind"],
        p["confidence"],
    )


def _event(e: Any) -> Event:
    return Event(
        type=e.type,
        score=e.score,
        evidence=e.evidence,
        start=e.start,
        end=e.end,
        trigger=e.trigger,
        actors=tuple(json.loads(e.actors)),
        targets=tuple(json.loads(e.targets)),
        place=place(json.loads(e.place)) if e.place else None,
        date=e.date,
        deadline=e.deadline,
        domains=tuple(json.loads(e.domains)),
        confidence=e.confidence,
    )
