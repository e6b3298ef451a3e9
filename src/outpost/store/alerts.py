"""Alerts and deliveries in the store.

Two runs may work at once (`outpost watch` and an `outpost warn`, or two of either): an
article is claimed before it is read, an alert is created with an insert that yields to the
one already there, and a delivery is claimed before it is sent, so none of them raises a
conflict or happens twice, on SQLite as on PostgreSQL.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select, update

from outpost.markings import TLP
from outpost.records import Alert, Delivery, Doc, Principal
from outpost.store import dialect
from outpost.store.docs import ANALYSED, stored_doc
from outpost.store.schema import (
    alert_checks,
    alerts,
    articles,
    deliveries,
    plans,
    story_articles,
)
from outpost.store.times import aware, from_db, to_db
from outpost.store.visibility import alert_seen_by_org, seen_by_org, visible_alert

# Deliveries never tried again: sent, or withheld (their target may not receive the alert).
DONE = ("sent", "withheld")
MAX_EVIDENCE = 20  # per alert: enough to judge it, small enough to send
# The orders a page of alerts can take: (time column, newest first).
SORTS = {
    "-updated": (alerts.c.updated, True),
    "updated": (alerts.c.updated, False),
    "-created": (alerts.c.created, True),
    "created": (alerts.c.created, False),
}
RANK = {
    "severity": ("unknown", "minor", "moderate", "severe", "extreme"),
    "urgency": ("unknown", "past", "future", "expected", "immediate"),
    "certainty": ("unknown", "unlikely", "possible", "likely", "observed"),
}


@dataclass(frozen=True)
class Handled:
    """An alert with who acknowledged and closed it, and when."""

    alert: Alert
    acknowledged_by: str | None = None  # a principal's id
    acknowledged_at: datetime | None = None
    closed_by: str | None = None
    closed_at: datetime | None = None


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


def mark_checked(conn: Connection, article_id: int, now: datetime) -> bool:
    """Claim the article for reading; False when another run has read it (or is reading it:
    PostgreSQL waits for that run to commit, SQLite lets one writer in at a time). Call it
    first in the transaction that reads the article."""
    statement = dialect.insert(conn, alert_checks).values(article_id=article_id, checked=to_db(now))
    # RETURNING, not rowcount: psycopg reports no row count for these inserts.
    claimed = statement.on_conflict_do_nothing().returning(alert_checks.c.article_id)
    return conn.execute(claimed).first() is not None


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
    plan: int | None = None,
) -> tuple[int, bool]:
    """Create the alert of (rule, subject) with its deliveries, or update the one there is;
    (alert id, whether it is new). An update never queues a delivery again. `plan`: the row
    id of the plan that raises it, whose marking and sharing it takes.

    Safe when another run raises the same alert at the same moment: the insert yields to the
    other's row (waiting for its commit), and the update then reads it under a row lock."""
    inserted = conn.execute(
        dialect.insert(conn, alerts)
        .values(
            rule_id=rule_id,
            subject=subject,
            story_id=story_id,
            state="new",
            title=title.replace("\x00", ""),  # PostgreSQL text cannot hold NUL; keep both alike
            article_count=1,
            evidence=json.dumps(list(evidence)[:MAX_EVIDENCE], ensure_ascii=False),
            created=to_db(now),
            updated=to_db(now),
            plan_id=plan,
            **grade,
        )
        .on_conflict_do_nothing(index_elements=["rule_id", "subject"])
        .returning(alerts.c.id)
    ).scalar()
    if inserted is not None:
        _queue(conn, int(inserted), targets, now)
        return int(inserted), True
    return _update_alert(conn, rule_id, subject, grade, evidence, now), False


def _queue(conn: Connection, alert_id: int, targets: Sequence[str], now: datetime) -> None:
    for target in targets:  # a target named twice is queued once
        values = {
            "alert_id": alert_id,
            "target": target,
            "state": "pending",
            "attempts": 0,
            "next_attempt": to_db(now),
            "created": to_db(now),
        }
        dialect.insert_ignore(conn, deliveries, values)


def _update_alert(
    conn: Connection,
    rule_id: str,
    subject: str,
    grade: dict[str, str],
    evidence: Sequence[dict[str, Any]],
    now: datetime,
) -> int:
    row = conn.execute(
        select(alerts)
        .where(alerts.c.rule_id == rule_id, alerts.c.subject == subject)
        .with_for_update()  # two runs adding evidence at once: the second reads the first's
    ).one()
    kept = json.loads(row.evidence)
    merged = (kept + list(evidence))[:MAX_EVIDENCE]
    stronger = {k: max(getattr(row, k), v, key=RANK[k].index) for k, v in grade.items()}
    conn.execute(
        update(alerts)
        .where(alerts.c.id == row.id)
        .values(
            article_count=alerts.c.article_count + 1,
            evidence=json.dumps(merged, ensure_ascii=False),
            updated=to_db(now),
            **stronger,
        )
    )
    return int(row.id)


def due(conn: Connection, now: datetime, limit: int = 50) -> list[tuple[Delivery, Alert]]:
    """Deliveries due at `now`, longest due first: one that failed was moved back by its
    back-off, so it never stays ahead of the others."""
    rows = conn.execute(
        select(deliveries)
        .where(deliveries.c.state.not_in(DONE), deliveries.c.next_attempt <= to_db(now))
        .order_by(deliveries.c.next_attempt, deliveries.c.id)
        .limit(limit)
    ).all()
    out = []
    for row in rows:
        found = conn.execute(select(alerts).where(alerts.c.id == row.alert_id)).first()
        if found is not None:
            out.append((_delivery(row), _alerts(conn, [found])[0]))
    return out


def plan_reaches(conn: Connection, plan_row: int, org: str | None) -> bool:
    """Whether a delivery target of the organisation of code `org` (None: of none) may
    receive the alerts of this plan, as its marking and sharing are now."""
    query = select(plans.c.id).where(plans.c.id == plan_row, seen_by_org(org, plans, "plan"))
    return conn.execute(query).first() is not None


def may_receive(conn: Connection, alert_id: int, org: str | None) -> bool:
    """Whether a delivery target of the organisation of code `org` (None: of none) may
    receive the alert, as its plan's marking and sharing are now."""
    query = select(alerts.c.id).where(alerts.c.id == alert_id, alert_seen_by_org(org))
    return conn.execute(query).first() is not None


def withhold(conn: Connection, delivery: int, reason: str, now: datetime) -> None:
    """Never send this delivery: its target may not receive the alert. Kept (not removed)
    so that the alert's deliveries say why it did not go out."""
    values = {"state": "withheld", "last_error": reason, "next_attempt": to_db(now)}
    conn.execute(update(deliveries).where(deliveries.c.id == delivery).values(**values))


def claim(conn: Connection, delivery: Delivery, now: datetime, until: datetime) -> bool:
    """Take a due delivery for one attempt (it is not due again before `until`); False when
    another run has taken or tried it since it was read."""
    result = conn.execute(
        update(deliveries)
        .where(
            deliveries.c.id == delivery.id,
            deliveries.c.state.not_in(DONE),
            deliveries.c.attempts == delivery.attempts,
            deliveries.c.next_attempt <= to_db(now),
        )
        .values(next_attempt=to_db(until))
    )
    return bool(result.rowcount)


def record_attempt(
    conn: Connection, delivery: int, error: str | None, now: datetime, retry_at: datetime
) -> None:
    values: dict[str, Any] = {"attempts": deliveries.c.attempts + 1, "last_error": error}
    if error is None:
        values.update(state="sent", sent=to_db(now))
    else:
        values.update(state="failing", next_attempt=to_db(retry_at))
    conn.execute(update(deliveries).where(deliveries.c.id == delivery).values(**values))


def list_alerts(
    conn: Connection, who: Principal, state: str | None = None, limit: int | None = 50
) -> list[Alert]:
    query = select(alerts).where(visible_alert(who))
    query = query.order_by(alerts.c.updated.desc(), alerts.c.id.desc()).limit(limit)
    if state:
        query = query.where(alerts.c.state == state)
    return _alerts(conn, conn.execute(query).all())


def changed_since(conn: Connection, who: Principal, since: datetime, limit: int) -> list[Alert]:
    """Alerts `who` may see raised or changed at `since` or later, oldest change first (so a
    reader that takes `limit` of them at a time goes on from the last one's time and misses
    none)."""
    query = select(alerts).where(alerts.c.updated >= to_db(since), visible_alert(who))
    rows = conn.execute(query.order_by(alerts.c.updated, alerts.c.id).limit(limit)).all()
    return _alerts(conn, rows)


def get_alert(conn: Connection, who: Principal, alert_id: int) -> Alert | None:
    query = select(alerts).where(alerts.c.id == alert_id, visible_alert(who))
    row = conn.execute(query).first()
    return _alerts(conn, [row])[0] if row else None


def set_state(conn: Connection, who: Principal, alert_id: int, state: str, now: datetime) -> bool:
    """Move the alert to `state`, recording who did it and when; False when there is no such
    alert that `who` may see. An alert already in that state keeps who put it there and when.
    Acknowledging a closed alert reopens it (it is no longer closed); "new" forgets both."""
    seen = visible_alert(who)
    values: dict[str, Any] = {"state": state, "updated": to_db(now)}
    if state == "acknowledged":
        values.update(acknowledged_by=who.id, acknowledged_at=to_db(now), closed_by=None)
        values.update(closed_at=None)
    elif state == "closed":
        values.update(closed_by=who.id, closed_at=to_db(now))
    else:
        values.update(acknowledged_by=None, acknowledged_at=None, closed_by=None, closed_at=None)
    changed = conn.execute(
        update(alerts)
        .where(alerts.c.id == alert_id, alerts.c.state != state, seen)
        .values(**values)
        .returning(alerts.c.id)  # RETURNING, not rowcount, as elsewhere in the store
    ).first()
    if changed is not None:
        return True
    query = select(alerts.c.id).where(alerts.c.id == alert_id, seen)
    return conn.execute(query).first() is not None


def get_handled(conn: Connection, who: Principal, alert_id: int) -> Handled | None:
    query = select(alerts).where(alerts.c.id == alert_id, visible_alert(who))
    row = conn.execute(query).first()
    return _handled(conn, [row])[0] if row else None


def page_alerts(
    conn: Connection,
    who: Principal,
    state: str | None,
    sort: str,
    after: tuple[datetime, int] | None,
    limit: int,
) -> tuple[list[Handled], int]:
    """Up to `limit` alerts `who` may see in the `state` (None: any) in the order of `sort`
    (one of SORTS), starting after the alert whose sort time and id are `after`; and how many
    of them there are in that state."""
    column, descending = SORTS[sort]
    matching = [visible_alert(who), *([alerts.c.state == state] if state else [])]
    total = conn.execute(select(func.count()).select_from(alerts).where(*matching)).scalar_one()
    query = select(alerts).where(*matching)
    if after is not None:
        when, ident = to_db(after[0]), after[1]
        if descending:
            query = query.where(or_(column < when, and_(column == when, alerts.c.id < ident)))
        else:
            query = query.where(or_(column > when, and_(column == when, alerts.c.id > ident)))
    order = (column.desc(), alerts.c.id.desc()) if descending else (column, alerts.c.id)
    rows = conn.execute(query.order_by(*order).limit(limit)).all()
    return _handled(conn, rows), int(total)


def _handled(conn: Connection, rows: Sequence[Any]) -> list[Handled]:
    return [
        Handled(
            alert,
            row.acknowledged_by,
            from_db(row.acknowledged_at),
            row.closed_by,
            from_db(row.closed_at),
        )
        for alert, row in zip(_alerts(conn, rows), rows, strict=True)
    ]


def _alerts(conn: Connection, rows: Sequence[Any]) -> list[Alert]:
    """The alerts of these rows with their deliveries, read in one query for them all (a
    page of the inbox is two queries, not one per alert)."""
    sent: dict[int, list[Delivery]] = defaultdict(list)
    ids = [row.id for row in rows]
    raised_by: dict[int, tuple[str, str]] = {}
    if ids:
        query = select(deliveries).where(deliveries.c.alert_id.in_(ids))
        for d in conn.execute(query.order_by(deliveries.c.id)):
            sent[d.alert_id].append(_delivery(d))
        of_plans = (
            select(alerts.c.id, plans.c.uid, plans.c.marking)
            .join(plans, plans.c.id == alerts.c.plan_id)
            .where(alerts.c.id.in_(ids))
        )
        raised_by = {r.id: (r.uid, r.marking) for r in conn.execute(of_plans)}
    return [_alert(row, sent[row.id], raised_by.get(row.id)) for row in rows]


def _alert(row: Any, sent: list[Delivery], plan: tuple[str, str] | None) -> Alert:
    uid, marking = plan if plan is not None else (None, TLP.CLEAR.value)
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
        deliveries=tuple(sent),
        plan=uid,
        marking=marking,
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
