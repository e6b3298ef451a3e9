"""Alerts and deliveries in the store."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, update

from outpost.records import Alert, Delivery, Doc
from outpost.store.docs import ANALYSED, stored_doc
from outpost.store.schema import alert_checks, alerts, articles, deliveries, story_articles
from outpost.store.times import aware, from_db, to_db

MAX_EVIDENCE = 20  # per alert: enough to judge it, small enough to send
RANK = {
    "severity": ("unknown", "minor", "moderate", "severe", "extreme"),
    "urgency": ("unknown", "past", "future", "expected", "immediate"),
    "certainty": ("unknown", "unlikely", "possible", "likely", "observed"),
}


def unchecked(conn: Connection, limit: int | None = None) -> list[tuple[int, str, Doc, str | None]]:
    """Clustered articles the rules have not read: (id, story, facts, url), oldest first."""
    query = (
        ANALYSED.add_columns(story_articles.c.story_id)
        .join(story_articles, story_articles.c.article_id == articles.c.id)
        .outerjoin(alert_checks, alert_checks.c.article_id == articles.c.id)
        .where(alert_checks.c.article_id.is_(None))
        .order_by(func.coalesce(articles.c.published, articles.c.fetched), articles.c.id)
        .limit(limit)
    )
    rows = conn.execute(query).all()
    return [(r.id, r.story_id, stored_doc(conn, r), r.url) for r in rows]


def mark_checked(conn: Connection, article_id: int, now: datetime) -> None:
    conn.execute(alert_checks.insert().values(article_id=article_id, checked=to_db(now)))


def raise_alert(
    conn: Connection,
    rule_id: str,
    subject: str,
    story_id: str | None,
    grade: dict[str, str],
    title: str,
    evidence: Sequence[dict[str, Any]],
    targets: Sequence[str],
    now: datetime,
) -> tuple[int, bool]:
    """Create the alert of (rule, subject) with its deliveries, or update the one there is;
    (alert id, whether it is new). An update never queues a delivery again."""
    row = conn.execute(
        select(alerts).where(alerts.c.rule_id == rule_id, alerts.c.subject == subject)
    ).first()
    if row is None:
        result = conn.execute(
            alerts.insert().values(
                rule_id=rule_id,
                subject=subject,
                story_id=story_id,
                state="new",
                title=title,
                article_count=1,
                evidence=json.dumps(list(evidence)[:MAX_EVIDENCE], ensure_ascii=False),
                created=to_db(now),
                updated=to_db(now),
                **grade,
            )
        )
        key = result.inserted_primary_key
        assert key is not None
        alert_id = int(key[0])
        for target in targets:
            conn.execute(
                deliveries.insert().values(
                    alert_id=alert_id,
                    target=target,
                    state="pending",
                    attempts=0,
                    next_attempt=to_db(now),
                    created=to_db(now),
                )
            )
        return alert_id, True
    kept = json.loads(row.evidence)
    merged = (kept + list(evidence))[:MAX_EVIDENCE]
    stronger = {k: max(getattr(row, k), v, key=RANK[k].index) for k, v in grade.items()}
    conn.execute(
        update(alerts)
        .where(alerts.c.id == row.id)
        .values(
            article_count=row.article_count + 1,
            evidence=json.dumps(merged, ensure_ascii=False),
            updated=to_db(now),
            **stronger,
        )
    )
    return int(row.id), False


def due(conn: Connection, now: datetime, limit: int = 50) -> list[tuple[Delivery, Alert]]:
    rows = conn.execute(
        select(deliveries)
        .where(deliveries.c.state != "sent", deliveries.c.next_attempt <= to_db(now))
        .order_by(deliveries.c.next_attempt, deliveries.c.id)
        .limit(limit)
    ).all()
    out = []
    for row in rows:
        alert = get_alert(conn, row.alert_id)
        if alert is not None:
            out.append((_delivery(row), alert))
    return out


def record_attempt(
    conn: Connection, delivery: int, error: str | None, now: datetime, retry_at: datetime
) -> None:
    values: dict[str, Any] = {"attempts": deliveries.c.attempts + 1, "last_error": error}
    if error is None:
        values.update(state="sent", sent=to_db(now))
    else:
        values.update(state="failing", next_attempt=to_db(retry_at))
    conn.execute(update(deliveries).where(deliveries.c.id == delivery).values(**values))


def list_alerts(conn: Connection, state: str | None = None, limit: int | None = 50) -> list[Alert]:
    query = select(alerts).order_by(alerts.c.updated.desc(), alerts.c.id.desc()).limit(limit)
    if state:
        query = query.where(alerts.c.state == state)
    return [_alert(conn, row) for row in conn.execute(query).all()]


def get_alert(conn: Connection, alert_id: int) -> Alert | None:
    row = conn.execute(select(alerts).where(alerts.c.id == alert_id)).first()
    return _alert(conn, row) if row else None


def set_state(conn: Connection, alert_id: int, state: str, now: datetime) -> bool:
    result = conn.execute(
        update(alerts).where(alerts.c.id == alert_id).values(state=state, updated=to_db(now))
    )
    return bool(result.rowcount)


def _alert(conn: Connection, row: Any) -> Alert:
    sent = conn.execute(
        select(deliveries).where(deliveries.c.alert_id == row.id).order_by(deliveries.c.id)
    ).all()
    return Alert(
        id=row.id,
        rule_id=row.rule_id,
        subject=row.subject,
        story_id=row.story_id,
        state=row.state,
        severity=row.severity,
        urgency=row.urgency,
        certainty=row.certainty,
        title=row.title,
        article_count=row.article_count,
        evidence=tuple(json.loads(row.evidence)),
        created=aware(row.created),
        updated=aware(row.updated),
        deliveries=tuple(_delivery(d) for d in sent),
    )


def _delivery(row: Any) -> Delivery:
    return Delivery(
        id=row.id,
        alert_id=row.alert_id,
        target=row.target,
        state=row.state,
        attempts=row.attempts,
        next_attempt=aware(row.next_attempt),
        last_error=row.last_error,
        sent=from_db(row.sent),
    )
