"""Cases in the store, and what they link to, always read through the visibility rule.

Every function takes the caller's Connection and never opens a transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, and_, delete, exists, func, select, update

from outpost.markings import TLP
from outpost.records import Case, CaseLink, Principal, Sharing
from outpost.store import marked
from outpost.store.dialect import insert_ignore
from outpost.store.lists.keyset import Listed, Slice, Sort, sort_of
from outpost.store.schema import (
    alerts,
    assessments,
    case_assessments,
    case_links,
    cases,
    events,
    plans,
    stories,
    users,
)
from outpost.store.times import aware, to_db
from outpost.store.visibility import visible, visible_alert

KIND = "case"
SORTS = {
    "-updated": Sort(cases.c.updated, cases.c.id, descending=True),
    "updated": Sort(cases.c.updated, cases.c.id, descending=False),
}
# The tables of what the machine derived that a case links to, by kind.
MACHINE = {"story": stories, "event": events, "alert": alerts}


def insert(
    conn: Connection,
    title: str,
    origin: tuple[str, str | None],
    marking: TLP,
    owner: tuple[int, int | None],
    now: datetime,
) -> int:
    values = {
        "title": title,
        "status": "open",
        "origin_kind": origin[0],
        "origin_id": origin[1],
        "marking": marking.value,
        "owner_org": owner[0],
        "created_by": owner[1],
        "created": to_db(now),
        "updated": to_db(now),
    }
    return int(conn.execute(cases.insert().values(values).returning(cases.c.id)).scalar_one())


def set_values(conn: Connection, item: int, now: datetime, **values: Any) -> None:
    """Change columns of the case (status, assignee, title), and when it was updated."""
    values["updated"] = to_db(now)
    conn.execute(update(cases).where(cases.c.id == item).values(values))


def get(conn: Connection, who: Principal, item: int) -> Case | None:
    """The case if it exists and `who` may see it; None alike for both other cases."""
    query = _read().where(cases.c.id == item, visible(who, cases, KIND))
    row = conn.execute(query).first()
    return None if row is None else _convert(conn, [row])[0]


def page(conn: Connection, who: Principal, status: str | None, s: Slice) -> Listed[Case]:
    where: list[Any] = [visible(who, cases, KIND)]
    if status is not None:
        where.append(cases.c.status == status)
    sort = sort_of(SORTS, s.sort)
    return marked.page(conn, cases, _read(), where, sort, s, lambda rows: _convert(conn, rows))


def counts(conn: Connection, who: Principal) -> dict[str, int]:
    """How many cases `who` may see, by status."""
    query = (
        select(cases.c.status, func.count())
        .where(visible(who, cases, KIND))
        .group_by(cases.c.status)
    )
    return {status: int(n) for status, n in conn.execute(query)}


def _read() -> Any:
    assignee = users.alias("assignee_user")
    query = marked.with_people(cases).add_columns(assignee.c.username.label("assignee_name"))
    return query.outerjoin(assignee, assignee.c.id == cases.c.assignee)


def _convert(conn: Connection, rows: Sequence[Row[Any]]) -> list[Case]:
    shared = marked.sharing(conn, KIND, rows)
    return [_case(row, shared[row.id]) for row in rows]


def _case(row: Row[Any], sharing: Sharing) -> Case:
    return Case(
        id=row.id,
        title=row.title,
        status=row.status,
        assignee=row.assignee_name,
        origin_kind=row.origin_kind,
        origin_id=row.origin_id,
        sharing=sharing,
        created_by=row.maker,
        created=aware(row.created),
        updated=aware(row.updated),
    )


# --- links -----------------------------------------------------------------------------------


def machine_exists(conn: Connection, who: Principal, kind: str, ident: str) -> bool:
    """Whether the story, event or alert of this id exists for `who`: an alert a plan raised
    is seen as its plan is, so a hidden one answers as a missing one."""
    table = MACHINE[kind]
    key = ident if kind == "story" else int(ident)
    seen = [visible_alert(who)] if kind == "alert" else []
    return bool(conn.execute(select(exists().where(table.c.id == key, *seen))).scalar())


def link(conn: Connection, item: int, kind: str, ident: str, now: datetime) -> bool:
    """Link the case to a story, event, alert (`ident` its key) or assessment (its id, as
    text); False when it was linked already."""
    values: dict[str, object]
    if kind == "assessment":
        table, values = case_assessments, {"assessment_id": int(ident)}
    else:
        table, values = case_links, {"target_kind": kind, "target_id": ident}
    before = _linked(conn, item, kind, ident)
    insert_ignore(conn, table, {"case_id": item, "added": to_db(now), **values})
    return not before


def unlink(conn: Connection, item: int, kind: str, ident: str) -> bool:
    if kind == "assessment":
        done = conn.execute(
            delete(case_assessments).where(
                case_assessments.c.case_id == item,
                case_assessments.c.assessment_id == int(ident),
            )
        )
    else:
        done = conn.execute(
            delete(case_links).where(
                case_links.c.case_id == item,
                case_links.c.target_kind == kind,
                case_links.c.target_id == ident,
            )
        )
    return bool(done.rowcount)


def _linked(conn: Connection, item: int, kind: str, ident: str) -> bool:
    if kind == "assessment":
        where = and_(
            case_assessments.c.case_id == item, case_assessments.c.assessment_id == int(ident)
        )
    else:
        where = and_(
            case_links.c.case_id == item,
            case_links.c.target_kind == kind,
            case_links.c.target_id == ident,
        )
    return bool(conn.execute(select(exists().where(where))).scalar())


def links(conn: Connection, who: Principal, item: int) -> list[CaseLink]:
    """What the case links to that `who` may see: what the machine derived (CLEAR: all of
    it, to anyone who sees the case) but the alerts plans raised, seen as their plans, and
    each assessment through its own marking."""
    machine = select(case_links).where(case_links.c.case_id == item)
    rows = conn.execute(machine.order_by(case_links.c.added, case_links.c.target_id)).all()
    marked = _alert_markings(conn, who, [r.target_id for r in rows if r.target_kind == "alert"])
    found = [
        CaseLink(row.target_kind, row.target_id, aware(row.added), TLP.CLEAR.value)
        if row.target_kind != "alert"
        else CaseLink(row.target_kind, row.target_id, aware(row.added), marked[row.target_id])
        for row in rows
        if row.target_kind != "alert" or row.target_id in marked
    ]
    linked = (
        select(case_assessments.c.assessment_id, case_assessments.c.added, assessments.c.marking)
        .join(assessments, assessments.c.id == case_assessments.c.assessment_id)
        .where(case_assessments.c.case_id == item, visible(who, assessments, "assessment"))
        .order_by(case_assessments.c.added, case_assessments.c.assessment_id)
    )
    found += [
        CaseLink("assessment", str(row.assessment_id), aware(row.added), row.marking)
        for row in conn.execute(linked)
    ]
    return found


def _alert_markings(conn: Connection, who: Principal, idents: list[str]) -> dict[str, str]:
    """The markings of the alerts of these ids that `who` may see, by id."""
    if not idents:
        return {}
    query = (
        select(alerts.c.id, plans.c.marking)
        .outerjoin(plans, plans.c.id == alerts.c.plan_id)
        .where(alerts.c.id.in_([int(i) for i in idents]), visible_alert(who))
    )
    return {str(r.id): r.marking or TLP.CLEAR.value for r in conn.execute(query)}
