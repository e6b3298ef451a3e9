"""Indicator series in the store: written with each analysis, read as daily counts."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from outpost.analyze.series import KINDS as SERIES_KINDS
from outpost.analyze.series import series_of
from outpost.records import Doc
from outpost.store.schema import article_series, articles
from outpost.store.times import from_db


def write_series(conn: Connection, article_id: int, doc: Doc) -> None:
    """The article's series rows (its old ones are already deleted with its facts)."""
    row = conn.execute(
        select(articles.c.published, articles.c.fetched).where(articles.c.id == article_id)
    ).one()
    when = from_db(row.published or row.fetched)
    assert when is not None
    rows = [
        {
            "article_id": article_id,
            "kind": s.kind,
            "key": s.key,
            "day": when.date(),
            "events": s.events,
        }
        for s in series_of(doc)
    ]
    if rows:
        conn.execute(article_series.insert(), rows)


def latest_day(conn: Connection) -> date | None:
    return _edge(conn, func.max)


def first_day(conn: Connection) -> date | None:
    return _edge(conn, func.min)


def _edge(conn: Connection, edge: Any) -> date | None:
    """The latest or first day counted, per kind then of those: each kind's is one step down
    the (kind, day) index, where one over the whole table reads every row (0.6 s for two
    million series rows)."""
    found = [
        conn.execute(
            select(edge(article_series.c.day)).where(article_series.c.kind == kind)
        ).scalar_one_or_none()
        for kind in SERIES_KINDS
    ]
    days = [_day(value) for value in found if value is not None]
    return (max(days) if edge is func.max else min(days)) if days else None


def daily_counts(
    conn: Connection, kind: str, first: date, last: date, measure: str = "articles"
) -> dict[str, list[int]]:
    """Per key of the kind: counts for every day from first to last, zeros included."""
    value = (
        func.count()
        if measure == "articles"
        else func.coalesce(func.sum(article_series.c.events), 0)
    )
    rows = conn.execute(
        select(article_series.c.key, article_series.c.day, value)
        .where(
            article_series.c.kind == kind,
            article_series.c.day >= first,
            article_series.c.day <= last,
        )
        .group_by(article_series.c.key, article_series.c.day)
    ).all()
    days = (last - first).days + 1
    series: dict[str, list[int]] = defaultdict(lambda: [0] * days)
    for key, day, count in rows:
        series[key][(_day(day) - first).days] = int(count)
    return dict(series)


def _day(value: object) -> date:
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def window(last: date, days: int) -> tuple[date, date]:
    return last - timedelta(days=days - 1), last
