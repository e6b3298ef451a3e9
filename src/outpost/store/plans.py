"""Plans and their measures in the store, always read through the visibility rule (a plan
is a marked item; its measures are seen through it).

A plan is written whole: the services take a Plan record, change it with the pure rules of
outpost.respond, and `save` writes what changed (new measures, changed fields, organisations,
the transitions added). Every function takes the caller's Connection and never opens a
transaction."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, exists, select, update

from outpost.markings import parse_tlp
from outpost.records import (
    EventRow,
    Evidence,
    Measure,
    MeasureState,
    Plan,
    Principal,
    StoredPlan,
    Transition,
)
from outpost.store import dialect, marked
from outpost.store.facts import event_row
from outpost.store.lists.keyset import Listed, Slice, Sort, sort_of
from outpost.store.schema import (
    articles,
    events,
    measure_history,
    measure_orgs,
    measures,
    organisations,
    plan_notices,
    plans,
)
from outpost.store.times import aware, to_db
from outpost.store.visibility import name_orgs, visible

KIND = "plan"
SORTS = {
    "-updated": Sort(plans.c.updated, plans.c.id, descending=True),
    "updated": Sort(plans.c.updated, plans.c.id, descending=False),
}


def insert(conn: Connection, plan: Plan, owner: tuple[int, int | None], now: datetime) -> int:
    """Store a new plan with its measures; its row id."""
    values = {
        "uid": plan.id,
        "title": plan.title,
        "description": plan.description,
        "template": plan.template,
        "due": plan.due,
        "marking": plan.marking.value,
        "owner_org": owner[0],
        "created_by": owner[1],
        "created": to_db(now),
        "updated": to_db(now),
    }
    row = int(conn.execute(plans.insert().values(values).returning(plans.c.id)).scalar_one())
    for measure in plan.measures:
        _insert_measure(conn, row, measure)
    _name_assigned(conn, row, plan)
    return row


def uid_taken(conn: Connection, uid: str) -> bool:
    return bool(conn.execute(select(exists().where(plans.c.uid == uid))).scalar())


def save(conn: Connection, row: int, before: Plan, after: Plan, now: datetime) -> None:
    """Write what changed from `before` to `after` (the same plan), and when."""
    conn.execute(
        update(plans)
        .where(plans.c.id == row)
        .values(title=after.title, description=after.description, due=after.due, updated=to_db(now))
    )
    old = {m.id: m for m in before.measures}
    for measure in after.measures:
        if measure.id not in old:
            _insert_measure(conn, row, measure)
        elif measure != old[measure.id]:
            _update_measure(conn, row, old[measure.id], measure)
    _name_assigned(conn, row, after)


def touch(conn: Connection, row: int, now: datetime) -> None:
    """Mark the plan changed at `now` (its marking or names changed, not its content)."""
    conn.execute(update(plans).where(plans.c.id == row).values(updated=to_db(now)))


def _name_assigned(conn: Connection, row: int, plan: Plan) -> None:
    """Name every organisation a measure is assigned to on the plan, so under AMBER they see
    what they are asked to do. Names are added, never taken away here: a coordinator unshares
    by hand (what an organisation once saw it may still need to read back)."""
    codes = {code for m in plan.measures for code in m.orgs} - {plan.owner}
    name_orgs(conn, KIND, row, _org_ids(conn, codes).values())


def _insert_measure(conn: Connection, plan_row: int, measure: Measure) -> None:
    values = {"plan_id": plan_row, "number": number(measure), **_fields(measure)}
    ident = int(
        conn.execute(measures.insert().values(values).returning(measures.c.id)).scalar_one()
    )
    _set_orgs(conn, ident, measure.orgs)
    _add_history(conn, ident, measure.history)


def _update_measure(conn: Connection, plan_row: int, old: Measure, new: Measure) -> None:
    ident = conn.execute(
        select(measures.c.id).where(
            measures.c.plan_id == plan_row, measures.c.number == number(new)
        )
    ).scalar_one()
    conn.execute(update(measures).where(measures.c.id == ident).values(_fields(new)))
    if new.orgs != old.orgs:
        conn.execute(delete(measure_orgs).where(measure_orgs.c.measure_id == ident))
        _set_orgs(conn, ident, new.orgs)
    _add_history(conn, ident, new.history[len(old.history) :])  # history only grows


def _fields(m: Measure) -> dict[str, Any]:
    return {
        "title": m.title,
        "description": m.description,
        "due": m.due,
        "critical": m.critical,
        "state": m.state.value,
        "owner": m.owner,
        "report": m.report,
        "blocked_reason": m.blocked_reason,
        "domain": m.domain,
        "evidence": json.dumps([asdict(e) for e in m.evidence], ensure_ascii=False),
    }


def _set_orgs(conn: Connection, measure: int, codes: Sequence[str]) -> None:
    ids = _org_ids(conn, codes)
    for position, code in enumerate(codes):
        values = {"measure_id": measure, "org_id": ids[code], "position": position}
        conn.execute(measure_orgs.insert().values(values))


def _add_history(conn: Connection, measure: int, steps: Iterable[Transition]) -> None:
    for step in steps:
        values = {
            "measure_id": measure,
            "at": to_db(step.at),
            "actor": step.who,
            "source": step.source.value if step.source is not None else None,
            "target": step.target.value,
            "note": step.note,
        }
        conn.execute(measure_history.insert().values(values))


def _org_ids(conn: Connection, codes: Iterable[str]) -> dict[str, int]:
    wanted = set(codes)
    if not wanted:
        return {}
    query = select(organisations.c.code, organisations.c.id).where(organisations.c.code.in_(wanted))
    found = {code: int(ident) for code, ident in conn.execute(query)}
    missing = sorted(wanted - set(found))
    if missing:
        raise LookupError(f"organisations: no organisation {', '.join(missing)}")
    return found


def number(measure: Measure) -> int:
    return int(measure.id.rsplit("/", 1)[1])


# --- reading ---------------------------------------------------------------------------------


def get(conn: Connection, who: Principal, uid: str) -> tuple[int, StoredPlan] | None:
    """(row id, the plan) if it exists and `who` may see it; None alike for both others."""
    query = marked.with_people(plans).where(plans.c.uid == uid, visible(who, plans, KIND))
    row = conn.execute(query).first()
    return None if row is None else (row.id, _convert(conn, [row])[0])


def page(conn: Connection, who: Principal, s: Slice) -> Listed[StoredPlan]:
    where = [visible(who, plans, KIND)]
    sort = sort_of(SORTS, s.sort)
    query = marked.with_people(plans)
    return marked.page(conn, plans, query, where, sort, s, lambda rows: _convert(conn, rows))


def all_visible(conn: Connection, who: Principal) -> list[StoredPlan]:
    """Every plan `who` may see (for a board or a roll-up of them all)."""
    query = marked.with_people(plans).where(visible(who, plans, KIND)).order_by(plans.c.id)
    return _convert(conn, conn.execute(query).all())


def open_plans(conn: Connection) -> list[tuple[int, StoredPlan]]:
    """Every plan with a measure not done, whoever may see it: for the notices only, which
    the system sends to the people each notice names (never shown to a caller)."""
    waiting = exists().where(
        measures.c.plan_id == plans.c.id, measures.c.state != MeasureState.DONE.value
    )
    query = marked.with_people(plans).where(waiting).order_by(plans.c.id)
    rows = conn.execute(query).all()
    return list(zip([r.id for r in rows], _convert(conn, rows), strict=True))


def _convert(conn: Connection, rows: Sequence[Row[Any]]) -> list[StoredPlan]:
    shared = marked.sharing(conn, KIND, rows)
    found = _measures_of(conn, [row.id for row in rows])
    return [
        StoredPlan(
            plan=Plan(
                id=row.uid,
                title=row.title,
                description=row.description,
                template=row.template,
                owner=row.owner_code,
                marking=parse_tlp(row.marking),
                due=row.due,
                created_by=f"user:{row.maker}" if row.maker else "",
                measures=tuple(found.get(row.id, [])),
            ),
            sharing=shared[row.id],
            created=aware(row.created),
            updated=aware(row.updated),
        )
        for row in rows
    ]


def _measures_of(conn: Connection, plan_rows: list[int]) -> dict[int, list[Measure]]:
    """Each plan's measures in number order, with organisations and history: four queries."""
    if not plan_rows:
        return {}
    rows = conn.execute(
        select(measures, plans.c.uid)
        .join(plans, plans.c.id == measures.c.plan_id)
        .where(measures.c.plan_id.in_(plan_rows))
        .order_by(measures.c.plan_id, measures.c.number)
    ).all()
    ids = [r.id for r in rows]
    orgs = _orgs_of(conn, ids)
    history = _history_of(conn, ids)
    found: dict[int, list[Measure]] = {}
    for r in rows:
        found.setdefault(r.plan_id, []).append(
            _measure(r, orgs.get(r.id, ()), history.get(r.id, ()))
        )
    return found


def _measure(r: Row[Any], orgs: Sequence[str], history: Sequence[Transition]) -> Measure:
    return Measure(
        id=f"{r.uid}/{r.number}",
        title=r.title,
        description=r.description,
        orgs=tuple(orgs),
        due=r.due,
        critical=r.critical,
        state=MeasureState(r.state),
        owner=r.owner,
        report=r.report,
        evidence=tuple(Evidence(**e) for e in json.loads(r.evidence)),
        blocked_reason=r.blocked_reason,
        history=tuple(history),
        domain=r.domain,
    )


def _orgs_of(conn: Connection, ids: list[int]) -> dict[int, list[str]]:
    query = (
        select(measure_orgs.c.measure_id, organisations.c.code)
        .join(organisations, organisations.c.id == measure_orgs.c.org_id)
        .where(measure_orgs.c.measure_id.in_(ids))
        .order_by(measure_orgs.c.measure_id, measure_orgs.c.position)
    )
    found: dict[int, list[str]] = {}
    for ident, code in conn.execute(query):
        found.setdefault(ident, []).append(code)
    return found


def _history_of(conn: Connection, ids: list[int]) -> dict[int, list[Transition]]:
    query = (
        select(measure_history)
        .where(measure_history.c.measure_id.in_(ids))
        .order_by(measure_history.c.measure_id, measure_history.c.id)
    )
    found: dict[int, list[Transition]] = {}
    for r in conn.execute(query):
        source = MeasureState(r.source) if r.source is not None else None
        step = Transition(r.actor, aware(r.at), source, MeasureState(r.target), r.note)
        found.setdefault(r.measure_id, []).append(step)
    return found


# --- notices ---------------------------------------------------------------------------------


def sent_keys(conn: Connection, plan_row: int) -> set[str]:
    query = select(plan_notices.c.key).where(plan_notices.c.plan_id == plan_row)
    return set(conn.execute(query).scalars())


def record_notice(conn: Connection, key: str, plan_row: int, kind: str, now: datetime) -> bool:
    """Remember the notice as sent; False when it was already (another run sent it: the
    insert yields to its row, so of two runs at once exactly one sends)."""
    values = {"key": key, "plan_id": plan_row, "kind": kind, "sent": to_db(now)}
    statement = dialect.insert(conn, plan_notices).values(values).on_conflict_do_nothing()
    return conn.execute(statement.returning(plan_notices.c.key)).scalar() is not None


def link_alert(conn: Connection, key: str, alert: int) -> None:
    conn.execute(update(plan_notices).where(plan_notices.c.key == key).values(alert_id=alert))


# --- the events a draft is made from --------------------------------------------------------

MAX_DRAFT_EVENTS = 500  # a draft of more decisions than this is no plan anyone can read


def deadline_events(
    conn: Connection, types: Iterable[str], ids: Sequence[int] | None = None
) -> list[EventRow]:
    """The events of `types` that carry a deadline (those of `ids` only, when given), oldest
    first. Events are what the machine derived from open sources: CLEAR, seen by all."""
    query = (
        select(events, articles.c.uid, articles.c.title)
        .join(articles, articles.c.id == events.c.article_id)
        .where(events.c.deadline.is_not(None), events.c.type.in_(list(types)))
    )
    if ids is not None:
        query = query.where(events.c.id.in_(list(ids)))
    query = query.order_by(events.c.id).limit(MAX_DRAFT_EVENTS)
    return [event_row(r) for r in conn.execute(query)]
