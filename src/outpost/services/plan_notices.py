"""The time rules of plans at work: reminders before a measure's due date, an alert once it
is overdue, an escalation once it is past its critical date (outpost.respond.notices decides
which are due), each sent once.

Every notice is remembered by its key in the notice's own transaction, with its alert: a
second run (after a restart, or two at once) finds the key and sends nothing. Overdue and
escalated measures raise an alert of the "plan" rule, delivered as the rules' alerts are;
reminders raise one of minor severity.

A plan's alert is seen as the plan is (the store reads the plan's marking and sharing at every
query, outpost.store.visibility.visible_alert), so it names the plan and the measure by their
titles. It is delivered only to the rule file's targets that belong to an organisation the
notice is for and that may see the plan (a target of no organisation: only a CLEAR plan's);
the delivery checks that again when it sends, as the plan is then.
"""

from __future__ import annotations

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
from outpost.warn.rules import RuleSet

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


def send_due_notices(ctx: Context, now: datetime, rules: RuleSet | None = None) -> Sent:
    """Send every notice due at `now` of every plan with a measure not done, once each, to
    the targets of `rules` that may receive it (see the module)."""
    targets = rules if rules is not None else RuleSet(())
    with ctx.engine.connect() as conn:
        centre = _centre(conn)
        todo = [
            (row, found.plan.title, notice)
            for row, found in store.open_plans(conn)
            for notice in due_notices(found.plan, now, store.sent_keys(conn, row), centre=centre)
        ]
    counts = dict.fromkeys(NoticeKind, 0)
    alerts = 0
    for row, plan_title, notice in todo:
        with ctx.engine.begin() as conn:
            if not store.record_notice(conn, notice.key, row, notice.kind.value, now):
                continue  # another run sent it meanwhile
            to = _recipients(conn, targets, row, notice)
            alert, created = _raise(conn, (row, plan_title), notice, to, now)
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


def _recipients(conn: Connection, rules: RuleSet, plan_row: int, notice: Notice) -> list[str]:
    """The targets of the notice: the watch's general ones and those of the organisations
    it is for, each only if its organisation (or none) may see the plan now."""
    found = []
    for target in dict.fromkeys((*rules.watch.deliver, *rules.owned_by(notice.orgs))):
        owner = rules.owner_of(target)
        if owner is not None and owner not in notice.orgs:
            continue  # the watch names another organisation's target: not its notice
        if alert_store.plan_reaches(conn, plan_row, owner):
            found.append(target)
    return found


def _raise(
    conn: Connection, plan: tuple[int, str], notice: Notice, targets: list[str], now: datetime
) -> tuple[int, bool]:
    row, plan_title = plan
    title = alert_title(notice, plan_title)
    evidence = [
        {
            "kind": "plan",
            "label": notice.measure,
            "sentence": f"{title}; for {', '.join(notice.orgs)}",
            "confidence": 1.0,
        }
    ]
    grade = GRADE[notice.kind]
    return alert_store.raise_alert(
        conn, RULE, notice.key, None, grade, title, evidence, targets, now, plan=row
    )


def alert_title(notice: Notice, plan_title: str) -> str:
    """What the alert says: the plan and measure by title and id, the kind and the date
    (seen only by those who may see the plan)."""
    measure = f"measure {notice.measure} «{notice.title}» of plan {notice.plan} «{plan_title}»"
    if notice.kind is NoticeKind.REMINDER:
        return f"Reminder: {measure} is due on {notice.on} ({notice.days_before} days)"
    if notice.kind is NoticeKind.OVERDUE:
        return f"Overdue: {measure} was due on {notice.on} and is not done"
    return f"Escalated: {measure} is past its critical date {notice.on} and is not done"
