"""What a case holds besides its links: comments (marked items of their own), the timeline
(an entry about a marked item shown only to who may see that item) and tasks.

Every function takes the caller's Connection and never opens a transaction."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Row, exists, or_, select, update

from outpost.markings import TLP
from outpost.records import AuditValue, Comment, Principal, Task, TimelineEntry
from outpost.store import marked
from outpost.store.assessments import task as task_record
from outpost.store.schema import alerts, assessments, case_timeline, cases, comments, tasks
from outpost.store.times import aware, to_db
from outpost.store.visibility import visible, visible_alert

COMMENT = "comment"
Detail = Mapping[str, AuditValue]


def insert_comment(
    conn: Connection, case: int, body: str, marking: TLP, owner: tuple[int, int], now: datetime
) -> int:
    values = {
        "case_id": case,
        "body": body,
        "marking": marking.value,
        "owner_org": owner[0],
        "created_by": owner[1],
        "created": to_db(now),
    }
    made = conn.execute(comments.insert().values(values).returning(comments.c.id))
    return int(made.scalar_one())


def comments_of(conn: Connection, who: Principal, case: int) -> list[Comment]:
    """The case's comments that `who` may see, oldest first."""
    query = marked.with_people(comments).where(
        comments.c.case_id == case, visible(who, comments, COMMENT)
    )
    rows = conn.execute(query.order_by(comments.c.id)).all()
    shared = marked.sharing(conn, COMMENT, rows)
    return [
        Comment(row.id, row.case_id, row.body, shared[row.id], row.maker, aware(row.created))
        for row in rows
    ]


def comments_looser_than(conn: Connection, case: int, floor: TLP) -> list[int]:
    """The ids of the case's comments marked less restrictively than `floor`."""
    looser = [m.value for m in TLP if m < floor]
    query = select(comments.c.id).where(comments.c.case_id == case, comments.c.marking.in_(looser))
    return list(conn.execute(query).scalars())


# --- the timeline ----------------------------------------------------------------------------


def add_entry(
    conn: Connection,
    case: int,
    at: datetime,
    actor: str,
    what: str,
    detail: Detail,
    item: tuple[str, int] | None = None,
) -> None:
    values = {
        "case_id": case,
        "at": to_db(at),
        "actor": actor,
        "what": what,
        "item_kind": item[0] if item else None,
        "item_id": item[1] if item else None,
        "detail": json.dumps(dict(detail), sort_keys=True),
    }
    conn.execute(case_timeline.insert().values(values))


def timeline(conn: Connection, who: Principal, case: int) -> list[TimelineEntry]:
    """The case's entries, oldest first, but those about an item `who` may not see."""
    t = case_timeline
    shown = or_(
        t.c.item_kind.is_(None),
        (t.c.item_kind == "assessment")
        & exists().where(assessments.c.id == t.c.item_id, visible(who, assessments, "assessment")),
        (t.c.item_kind == COMMENT)
        & exists().where(comments.c.id == t.c.item_id, visible(who, comments, COMMENT)),
        (t.c.item_kind == "alert") & exists().where(alerts.c.id == t.c.item_id, visible_alert(who)),
    )
    query = select(t).where(t.c.case_id == case, shown).order_by(t.c.id)
    return [
        TimelineEntry(row.id, aware(row.at), row.actor, row.what, json.loads(row.detail))
        for row in conn.execute(query)
    ]


# --- tasks -----------------------------------------------------------------------------------


def insert_task(conn: Connection, case: int, title: str, due: date | None, now: datetime) -> int:
    values = {"case_id": case, "title": title, "due": due, "created": to_db(now)}
    return int(conn.execute(tasks.insert().values(values).returning(tasks.c.id)).scalar_one())


def tasks_of(conn: Connection, case: int, assessment_ids: Sequence[int]) -> list[Task]:
    """The case's own tasks and the reviews of the linked assessments given (those its
    viewer may see), by due date (undated last)."""
    query = select(tasks).where(
        or_(tasks.c.case_id == case, tasks.c.assessment_id.in_(list(assessment_ids)))
    )
    found = [task_record(row) for row in conn.execute(query)]
    return sorted(found, key=lambda t: (t.due is None, t.due or date.min, t.id))


def task_seen(conn: Connection, who: Principal, task: int) -> Task | None:
    """The task if `who` may see what it belongs to (its case, or its assessment)."""
    query = select(tasks).where(
        tasks.c.id == task,
        or_(
            exists().where(cases.c.id == tasks.c.case_id, visible(who, cases, "case")),
            exists().where(
                assessments.c.id == tasks.c.assessment_id,
                visible(who, assessments, "assessment"),
            ),
        ),
    )
    row: Row[Any] | None = conn.execute(query).first()
    return None if row is None else task_record(row)


def set_task_done(conn: Connection, task: int, done: bool, by: str, now: datetime) -> None:
    values = {"done": to_db(now), "done_by": by} if done else {"done": None, "done_by": None}
    conn.execute(update(tasks).where(tasks.c.id == task).values(values))
