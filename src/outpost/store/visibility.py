"""The access rule of outpost.respond.visibility as query conditions, and the organisations
and people named on items.

`visible(who, table, kind)` is the one condition every query of marked items uses: lists,
counts, get-by-id, the items linked inside a case, the entries of a timeline. It reads the
principal's user and organisation from the store inside the query itself (a user disabled a
moment ago sees nothing at once), so nothing a caller holds can widen it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    Connection,
    Select,
    String,
    Table,
    and_,
    cast,
    delete,
    exists,
    false,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.sql.elements import ColumnElement

from outpost.markings import ALLIANCE, TLP
from outpost.records import Principal, Viewer
from outpost.store.dialect import insert_ignore
from outpost.store.schema import (
    alerts,
    assessments,
    audit_log,
    case_assessments,
    cases,
    comments,
    organisations,
    plans,
    shared_orgs,
    shared_people,
    tasks,
    users,
)

KINDS = ("assessment", "case", "comment", "plan", "imported")  # the kinds of marked items
Where = ColumnElement[bool]
# What an item's container gives it under AMBER (see the rule): per kind, the condition that
# the organisation `org` (a scalar subquery) is among those the container adds.
Container = Callable[[Table, Any], Where]


def visible(who: Principal, table: Table, kind: str) -> Where:
    """The rows of `table` (items of `kind`, with columns id, marking, owner_org) that `who`
    may see."""
    if kind not in KINDS:
        raise ValueError(f"kind: one of {', '.join(KINDS)}, not {kind!r}")
    marking = table.c.marking
    if who.user is None:
        return marking == TLP.CLEAR.value
    active = _active(who.user)
    mine = _org_of(who)
    if mine is None:
        return and_(active, marking == TLP.CLEAR.value)
    return and_(
        active,
        or_(
            _org_sees(table, kind, mine),
            and_(marking == TLP.RED.value, named_person(kind, table.c.id, who.user)),
        ),
    )


def audit_rows(who: Principal, everything: bool) -> Where:
    """The audit entries `who` may read. An administrator (`everything`): every entry
    about people, organisations, tokens and files, but one about a marked item (a case, its
    comment or task, an assessment, a plan, a plan's alert) only when it sees that item: the
    entries' details hold titles, and the log is no way around TLP. A coordinator: those
    about its own organisation and the people in it, never one about an item. Read from the
    store inside the query, as `visible` is: a disabled reader sees nothing at once."""
    if everything:
        about_item = or_(*(audit_log.c.target.startswith(p) for p in ITEM_TARGETS))
        return or_(~about_item, audit_log.c.target.in_(_items_seen(who)))
    mine = _org_of(who)
    if mine is None:
        return false()
    people = select(literal("user:") + users.c.username).where(users.c.org_id == mine)
    org = select(literal("org:") + organisations.c.code).where(organisations.c.id == mine)
    return or_(audit_log.c.target.in_(people), audit_log.c.target == org.scalar_subquery())


# The audit targets that name a marked item, as the services write them ("case:12").
ITEM_TARGETS = ("case:", "comment:", "task:", "assessment:", "plan:", "alert:")


def _items_seen(who: Principal) -> CompoundSelect[Any]:
    """The audit targets of the marked items `who` sees."""
    seen_cases = select(cases.c.id).where(visible(who, cases, "case"))
    seen_assessments = select(assessments.c.id).where(visible(who, assessments, "assessment"))
    of_task = or_(tasks.c.case_id.in_(seen_cases), tasks.c.assessment_id.in_(seen_assessments))
    return union_all(
        _targets("case:", cases.c.id, visible(who, cases, "case")),
        _targets("comment:", comments.c.id, visible(who, comments, "comment")),
        _targets("task:", tasks.c.id, of_task),
        _targets("assessment:", assessments.c.id, visible(who, assessments, "assessment")),
        select(literal("plan:") + plans.c.uid).where(visible(who, plans, "plan")),
        _targets("alert:", alerts.c.id, visible_alert(who)),
    )


def _targets(prefix: str, column: Any, seen: Where) -> Select[Any]:
    return select(literal(prefix) + cast(column, String)).where(seen)


def _org_sees(table: Table, kind: str, org: Any) -> Where:
    """The rows of `table` the organisation `org` (an id or a scalar subquery) sees as an
    organisation: everything short of RED, which only named people see."""
    marking = table.c.marking
    alliance = exists().where(organisations.c.id == org, organisations.c.kind.in_(ALLIANCE))
    amber = or_(
        table.c.owner_org == org,
        named_org(kind, table.c.id, org),
        CONTAINERS.get(kind, _no_container)(table, org),
    )
    return or_(
        marking == TLP.CLEAR.value,
        and_(marking == TLP.GREEN.value, alliance),
        and_(marking == TLP.AMBER.value, amber),
        and_(marking == TLP.AMBER_STRICT.value, table.c.owner_org == org),
    )


def seen_by_org(code: str | None, table: Table, kind: str) -> Where:
    """The rows of `table` that everyone of the organisation of this code may see: what may
    go to a delivery target belonging to it (a webhook, a mailbox), which is no person, so
    never RED. `code` None (a target of no organisation): CLEAR only."""
    if kind not in KINDS:
        raise ValueError(f"kind: one of {', '.join(KINDS)}, not {kind!r}")
    if code is None:
        return table.c.marking == TLP.CLEAR.value
    # Not correlated: it is used inside conditions over organisations too (the alliance's).
    org = (
        select(organisations.c.id)
        .where(organisations.c.code == code)
        .correlate(None)
        .scalar_subquery()
    )
    return _org_sees(table, kind, org)


# --- alerts: CLEAR, or seen through the plan that raised them ------------------------------


def visible_alert(who: Principal) -> Where:
    """The alerts `who` may see: one derived from open sources (no plan) as any CLEAR item,
    one a plan raised as that plan, read through the plan at every query so that a change of
    the plan's marking or sharing changes who sees its alerts at once."""
    clear = true() if who.user is None else _active(who.user)
    return _alert_through(clear, visible(who, plans, "plan"))


def alert_seen_by_org(code: str | None) -> Where:
    """The alerts a delivery target of the organisation `code` (None: of none) may receive."""
    return _alert_through(true(), seen_by_org(code, plans, "plan"))


def _alert_through(clear: Where, plan_seen: Where) -> Where:
    # Its own plans, never one a query of alerts joins (that one may be another's or none).
    through = exists().where(plans.c.id == alerts.c.plan_id, plan_seen).correlate_except(plans)
    return or_(and_(alerts.c.plan_id.is_(None), clear), through)


def _active(user: int) -> Where:
    return exists().where(users.c.id == user, users.c.disabled.is_(None))


def _org_of(who: Principal) -> Any:
    """The id of the principal's organisation as a scalar subquery: null when its user is not
    of the organisation it names (or is disabled). None when it names none."""
    if who.org is None or who.user is None:
        return None
    return (
        select(users.c.org_id)
        .join(organisations, organisations.c.id == users.c.org_id)
        .where(
            users.c.id == who.user,
            users.c.disabled.is_(None),
            organisations.c.code == who.org,
        )
        .scalar_subquery()
    )


def named_org(kind: str, item: Any, org: Any) -> Where:
    return exists().where(
        shared_orgs.c.kind == kind, shared_orgs.c.item_id == item, shared_orgs.c.org_id == org
    )


def named_person(kind: str, item: Any, user: Any) -> Where:
    return exists().where(
        shared_people.c.kind == kind,
        shared_people.c.item_id == item,
        shared_people.c.user_id == user,
    )


def _no_container(table: Table, org: Any) -> Where:
    return false()


def _comment_container(table: Table, org: Any) -> Where:
    """A comment's case: its owner and the organisations named on it."""
    owned = exists().where(cases.c.id == table.c.case_id, cases.c.owner_org == org)
    return or_(owned, named_org("case", table.c.case_id, org))


def _assessment_container(table: Table, org: Any) -> Where:
    """The cases linking an assessment that its own organisation owns: their named
    organisations."""
    return exists().where(
        case_assessments.c.assessment_id == table.c.id,
        cases.c.id == case_assessments.c.case_id,
        cases.c.owner_org == table.c.owner_org,
        named_org("case", cases.c.id, org),
    )


CONTAINERS: dict[str, Container] = {
    "comment": _comment_container,
    "assessment": _assessment_container,
}


def viewer_of(conn: Connection, who: Principal) -> Viewer:
    """The principal as the pure rule reads it."""
    if who.user is None:
        return Viewer(None, None, None)
    row = conn.execute(
        select(users.c.disabled, organisations.c.id, organisations.c.kind, organisations.c.code)
        .join(organisations, organisations.c.id == users.c.org_id)
        .where(users.c.id == who.user)
    ).first()
    if row is None:
        return Viewer(who.user, None, None, active=False)
    if row.code != who.org:
        return Viewer(who.user, None, None, active=row.disabled is None)
    return Viewer(who.user, row.id, row.kind, active=row.disabled is None)


# --- the organisations and people named on items ------------------------------------------


def name_orgs(conn: Connection, kind: str, item: int, orgs: Iterable[int]) -> None:
    for org in orgs:
        insert_ignore(conn, shared_orgs, {"kind": kind, "item_id": item, "org_id": org})


def name_people(conn: Connection, kind: str, item: int, people: Iterable[int]) -> None:
    for user in people:
        insert_ignore(conn, shared_people, {"kind": kind, "item_id": item, "user_id": user})


def unname_org(conn: Connection, kind: str, item: int, org: int) -> bool:
    done = conn.execute(
        delete(shared_orgs).where(
            shared_orgs.c.kind == kind, shared_orgs.c.item_id == item, shared_orgs.c.org_id == org
        )
    )
    return bool(done.rowcount)


def unname_person(conn: Connection, kind: str, item: int, user: int) -> bool:
    done = conn.execute(
        delete(shared_people).where(
            shared_people.c.kind == kind,
            shared_people.c.item_id == item,
            shared_people.c.user_id == user,
        )
    )
    return bool(done.rowcount)


def named_people_ids(conn: Connection, kind: str, item: int) -> list[int]:
    query = select(shared_people.c.user_id).where(
        shared_people.c.kind == kind, shared_people.c.item_id == item
    )
    return list(conn.execute(query).scalars())
