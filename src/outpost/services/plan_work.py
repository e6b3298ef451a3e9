"""The work on a plan's measures: adding and assigning them (the owner's coordinators), and
every step of their life (acknowledge, start, report done, block, unblock: the assigned
organisations; reopen: the owner's coordinators). Each is written and audited in one
transaction; a plan the principal may not see is not found.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import Connection

from outpost.records import Evidence, Plan, StoredPlan, User
from outpost.respond import measures
from outpost.respond import plans as rules
from outpost.respond.checks import InvalidError
from outpost.services.context import Context
from outpost.services.plans import Detail, change
from outpost.store import people as people_store

STEPS = tuple(step.name for step in measures.STEPS)


def measure_id(plan_id: str, number: int) -> str:
    return f"{plan_id}/{number}"


def add_measure(
    ctx: Context,
    plan_id: str,
    title: str,
    orgs: Sequence[str],
    due: date,
    critical: date | None = None,
    description: str = "",
    owner: str | None = None,
    domain: str | None = None,
) -> StoredPlan:
    """The plan with one more measure, assigned to `orgs` (and a person of one of them)."""
    person = _person(ctx, owner)

    def how(plan: Plan, at: datetime) -> Plan:
        return rules.add_measure(
            plan,
            ctx.who,
            at,
            title=title,
            orgs=orgs,
            due=due,
            critical=critical,
            description=description,
            owner=person,
            domain=domain,
        )

    detail: Detail = {"title": title, "orgs": ",".join(orgs), "due": due.isoformat()}
    return change(ctx, plan_id, "measure.add", how, detail)


def assign_measure(
    ctx: Context, plan_id: str, number: int, orgs: Sequence[str], owner: str | None = None
) -> StoredPlan:
    person = _person(ctx, owner)
    ident = measure_id(plan_id, number)

    def how(plan: Plan, at: datetime) -> Plan:
        return rules.assign(plan, ident, ctx.who, at, orgs, person)

    detail: Detail = {"measure": ident, "orgs": ",".join(orgs), "owner": owner}
    return change(ctx, plan_id, "measure.assign", how, detail)


def date_measure(
    ctx: Context, plan_id: str, number: int, due: date, critical: date | None = None
) -> StoredPlan:
    ident = measure_id(plan_id, number)

    def how(plan: Plan, at: datetime) -> Plan:
        return rules.set_dates(plan, ident, ctx.who, due, critical)

    detail: Detail = {"measure": ident, "due": due.isoformat()}
    detail["critical"] = critical.isoformat() if critical else None
    return change(ctx, plan_id, "measure.dates", how, detail)


def step_measure(
    ctx: Context,
    plan_id: str,
    number: int,
    step: str,
    note: str = "",
    report: str | None = None,
    reason: str | None = None,
    evidence: Sequence[Evidence] = (),
) -> StoredPlan:
    """Take the step called `step` (one of STEPS): "report" needs a report, "block" a
    reason, "reopen" a note saying why."""
    if step not in STEPS:
        raise InvalidError(f"step: one of {', '.join(STEPS)}, not {step!r}")
    ident = measure_id(plan_id, number)

    def how(plan: Plan, at: datetime) -> Plan:
        return measures.move(
            plan,
            ident,
            step,
            ctx.who,
            at,
            note=note,
            report=report,
            reason=reason,
            evidence=evidence,
        )

    detail: Detail = {"measure": ident, "step": step}
    return change(ctx, plan_id, f"measure.{step}", how, detail)


def _person(ctx: Context, username: str | None) -> User | None:
    if username is None:
        return None
    with ctx.engine.connect() as conn:
        return _user(conn, username)


def _user(conn: Connection, username: str) -> User:
    found = people_store.user_by_name(conn, username.strip().lower())
    if found is None:
        raise InvalidError(f"owner: no user {username!r}")
    return found
