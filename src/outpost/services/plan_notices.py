"""The time rules of plans at work: reminders before a measure's due date, an alert once it
is overdue, an escalation once it is past its critical date (outpost.respond.notices decides
which are due), each sent once.

Every notice is remembered by its key in the notice's own transaction, with its alert: a
second run (after a restart, or two at once) finds the key and sends nothing. Overdue and
escalated measures raise an alert of the "plan" rule, delivered as the rules' alerts are;
reminders raise one of minor severity.

Alerts are what every signed-in person may see (CLEAR), while a plan is marked: so an alert
names the plan and the measure by id and the dates, never their titles or descriptions,
which only those who may see the plan read (behind the id).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from outpost.records import AuditValue
from outpost.respond.notices import Notice, NoticeKind, due_notices
from outpost.services.audit import record
from outpost.services.context import Context
from outpost.store import alerts as alert_store
from outpost.store import plans as store
from outpost.store.schema import organisations

RULE = "plan"  # the rule id of the alerts plans raise
GRADE = {
    NoticeKind.REMINDER: {"severity": "minor", "urgency": "expected", "certainty": "observed"},
    NoticeKind.OVERDUE: {"severity": "moderate", "urgency": "immediate", "certainty": "observed"},
    NoticeKind.ESCALATED: {"severity": "severe", "urgency": "immediate", "certainty": "observed"},
}


@dataclass(frozen=True)
class Sent:
    """What one run sent: notices by kind, and the alerts raised for them."""

    reminders: int = 0
    overdue: int = 0
    escalated: int = 0
    alerts: int = 0


def send_due_notices(ctx: Context, now: datetime, targets: Sequence[str] = ()) -> Sent:
    """Send every notice due at `now` of every plan with a measure not done, once each;
    `targets` are the deliveries of each alert ("webhook:NAME", "email:NAME")."""
    with ctx.engine.connect() as conn:
        centre = _centre(conn)
        todo = [
            (row, notice)
            for row, found in store.open_plans(conn)
            for notice in due_notices(found.plan, now, store.sent_keys(conn, row), centre=centre)
        ]
    counts = dict.fromkeys(NoticeKind, 0)
    alerts = 0
    for row, notice in todo:
        with ctx.engine.begin() as conn:
            if not store.record_notice(conn, notice.key, row, notice.kind.value, now):
                continue  # another run sent it meanwhile
            alert, created = _raise(conn, notice, targets, now)
            store.link_alert(conn, notice.key, alert)
            detail: dict[str, AuditValue] = {"key": notice.key, "alert": alert}
            record(conn, ctx.who, f"plan.notice.{notice.kind}", f"plan:{notice.plan}", detail)
        counts[notice.kind] += 1
        alerts += created
    return Sent(
        counts[NoticeKind.REMINDER],
        counts[NoticeKind.OVERDUE],
        counts[NoticeKind.ESCALATED],
        alerts,
    )


def _centre(conn: Connection) -> str | None:
    """The code of the alliance's crisis-response centre, told of escalations (the first one
    made, should there be more)."""
    query = select(organisations.c.code).where(organisations.c.kind == "centre")
    return conn.execute(query.order_by(organisations.c.id).limit(1)).scalar()


def _raise(
    conn: Connection, notice: Notice, targets: Sequence[str], now: datetime
) -> tuple[int, bool]:
    title = alert_title(notice)
    evidence = [
        {
            "kind": "plan",
            "label": notice.measure,
            "sentence": f"{title}; for {', '.join(notice.orgs)}",
            "confidence": 1.0,
        }
    ]
    return alert_store.raise_alert(
        conn, RULE, notice.key, None, GRADE[notice.kind], title, evidence, targets, now
    )


def alert_title(notice: Notice) -> str:
    """What the alert says: the plan and measure by id, the kind and the date."""
    measure = f"measure {notice.measure} of plan {notice.plan}"
    if notice.kind is NoticeKind.REMINDER:
        return f"Reminder: {measure} is due on {notice.on} ({notice.days_before} days)"
    if notice.kind is NoticeKind.OVERDUE:
        return f"Overdue: {measure} was due on {notice.on} and is not done"
    return f"Escalated: {measure} is past its critical date {notice.on} and is not done"
