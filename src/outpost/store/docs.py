"""An article's stored facts read back as a Doc, for the stages after analysis (stories,
rules) that must not run the models again."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy import Connection, Table, select

from outpost.records import Doc, Event, Label, Mention, Place, Threat
from outpost.store.articles import to_article
from outpost.store.dialect import in_lists
from outpost.store.schema import analyses, articles, events, mentions, places, threats

ANALYSED = select(
    articles, analyses.c.event_type, analyses.c.event_type_score, analyses.c.vector
).join(analyses, analyses.c.article_id == articles.c.id)


def stored_doc(conn: Connection, row: Any) -> Doc:
    """`row`: an articles row with the analysis' event_type, event_type_score and vector."""
    return stored_docs(conn, [row])[0]


def stored_docs(conn: Connection, rows: Sequence[Any]) -> list[Doc]:
    """`stored_doc` for many rows, reading each table of facts once for all of them."""
    ids = [row.id for row in rows]
    found = {
        table.name: _facts_of(conn, table, ids) for table in (mentions, places, threats, events)
    }
    return [
        _doc(row, {name: facts.get(row.id, []) for name, facts in found.items()}) for row in rows
    ]


def _facts_of(conn: Connection, table: Table, ids: Sequence[int]) -> dict[int, list[Any]]:
    by_article: dict[int, list[Any]] = defaultdict(list)
    for chunk in in_lists(ids):
        query = select(table).where(table.c.article_id.in_(chunk)).order_by(table.c.id)
        for fact in conn.execute(query):
            by_article[fact.article_id].append(fact)
    return by_article


def _doc(row: Any, facts: dict[str, list[Any]]) -> Doc:
    article = to_article(row)
    return Doc(
        id=article.uid,
        text=article.text,
        published=article.published or article.fetched,
        title=article.title,
        lang=article.lang,
        mentions=tuple(
            Mention(m.text, m.type, m.start, m.end, m.name, m.kb_id, m.confidence, m.method)
            for m in facts["mentions"]
        ),
        places=tuple(place(p._mapping) for p in facts["places"]),
        event_type=Label(row.event_type, row.event_type_score or 0.0) if row.event_type else None,
        threats=tuple(
            Threat(t.domain, t.score, t.evidence, t.start, t.end) for t in facts["threats"]
        ),
        events=tuple(_event(e) for e in facts["events"]),
        vector=np.frombuffer(row.vector, dtype="<f4").astype(np.float32) if row.vector else None,
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
