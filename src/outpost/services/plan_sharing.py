"""A plan's marking and names, as cases' and assessments' are: tightened by anyone who sees
the plan, loosened only by a coordinator of its owner organisation, organisations and people
named or removed by the owner's coordinators; each change audited in its own transaction.

Tightening is the TLP rule's, not the plan's: a plan made AMBER+STRICT hides its measures
from the other organisations they are assigned to, which is what the one who tightens it
asks for (something in it must not travel). They see it again when it is loosened.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from outpost.records import StoredPlan
from outpost.respond.people import Action, require
from outpost.services import marking as rule
from outpost.services.context import Context
from outpost.services.plans import seen
from outpost.store import plans as store
from outpost.store.schema import plans as table
from outpost.store.times import now

PLAN = rule.Marked(store.KIND, table, Action.MANAGE_PLANS)


def mark_plan(ctx: Context, plan_id: str, marking: str) -> StoredPlan | None:
    """Tighten (anyone who sees it) or loosen (a coordinator of its owner) the plan's
    marking; the plan as it is now, or None when the principal no longer sees it."""
    new = rule.marking(marking)
    require(ctx.who, Action.READ)
    with ctx.engine.begin() as conn:
        row, found = seen(conn, ctx.who, plan_id)
        if rule.change(conn, ctx.who, PLAN, row, found.sharing, new, _target(plan_id)):
            store.touch(conn, row, now())
        return _still_seen(ctx, conn, plan_id)


def share_plan(
    ctx: Context,
    plan_id: str,
    orgs: Sequence[str] = (),
    people: Sequence[str] = (),
    remove: bool = False,
) -> StoredPlan | None:
    """Name organisations and people on the plan (or remove them), as a coordinator of its
    owner; None when the principal no longer sees it. An organisation a measure is assigned
    to is named again at the plan's next change: it must see what it is asked to do."""
    with ctx.engine.begin() as conn:
        row, found = seen(conn, ctx.who, plan_id)
        rule.require_owner(ctx.who, PLAN, found.sharing, "share a plan")
        change = rule.unshare if remove else rule.share
        change(conn, ctx.who, PLAN, row, orgs, people, _target(plan_id))
        store.touch(conn, row, now())
        return _still_seen(ctx, conn, plan_id)


def _still_seen(ctx: Context, conn: Connection, plan_id: str) -> StoredPlan | None:
    found = store.get(conn, ctx.who, plan_id)
    return None if found is None else found[1]


def _target(plan_id: str) -> str:
    """The plan as the audit log names it, as at its making (services.plans)."""
    return f"plan:{plan_id}"
