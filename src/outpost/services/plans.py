"""Joint response plans: made from a template, drafted from the decisions the analysis found,
or by hand, by coordinators of the organisation that owns them; read through the visibility
rule (a plan one may not see is not found, as one that does not exist); every change written
and audited in one transaction.

The rules themselves (who may do what, which step leads where) are outpost.respond's: this
module reads a plan, hands it to them, and writes what they return. The work on measures is
in outpost.services.plan_work.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import Connection, select

from outpost.markings import TLP
from outpost.records import (
    AuditValue,
    EventRow,
    Evidence,
    Organisation,
    Plan,
    Principal,
    StoredPlan,
)
from outpost.respond import drafting
from outpost.respond import plans as rules
from outpost.respond.checks import InvalidError
from outpost.respond.people import NotAllowedError, NotFoundError, PeopleError
from outpost.respond.rollup import BoardItem, Rollup, board, rollup
from outpost.respond.templates import PlanTemplate, load_templates, plan_from_template
from outpost.services import marking as rule
from outpost.services.audit import record
from outpost.services.context import Context
from outpost.services.paging import Page, Window, paged
from outpost.store import people as people_store
from outpost.store import plans as store
from outpost.store.schema import plans as table
from outpost.store.times import now as clock
from outpost.store.visibility import name_people

KIND = store.KIND
SORTS = tuple(store.SORTS)
ENDING = 5  # random letters after the id asked for
ENDING_LETTERS = "abcdefghjkmnpqrstuvwxyz23456789"  # none read as another (l and 1, o and 0)
Detail = dict[str, AuditValue]


@contextmanager
def checked() -> Iterator[None]:
    """The rules' errors as the surfaces answer them: a plan that cannot be so is invalid
    input (naming why), a measure that is not in the plan is not found."""
    try:
        yield
    except rules.MeasureNotFoundError:
        raise NotFoundError("no measure with this id in the plan") from None
    except rules.PlanError as exc:
        raise InvalidError(str(exc)) from None
    except LookupError as exc:  # an organisation code the store does not know
        raise InvalidError(str(exc).strip("'\"")) from None
    except NotAllowedError:
        raise
    except PeopleError as exc:  # a malformed organisation code or username
        raise InvalidError(str(exc)) from None


def templates() -> list[PlanTemplate]:
    """The plan templates shipped with Outpost, by id."""
    return sorted(load_templates().values(), key=lambda t: t.id)


def create_from_template(
    ctx: Context,
    template_id: str,
    plan_id: str | None,
    start: date,
    orgs: Sequence[str],
    marking: str | None = None,
    decisions: bool = False,
    fixed_id: bool = False,
) -> StoredPlan:
    """The template as a plan of the acting coordinator's organisation, started on `start`,
    each measure assigned to the organisations of `orgs` of the kind that takes it. With
    `decisions`, the decisions the analysis found whose deadline is a measure's due date are
    its evidence (the sentence that asks for it). The plan's id is `plan_id` (by default the
    template's) with a random ending; `fixed_id` keeps it as given, for a plan no person
    asks for through a surface (the demo's seed), and refuses it when taken."""
    found = load_templates().get(template_id)
    if found is None:
        raise InvalidError(f"template: no template {template_id!r} (see the templates list)")
    chosen = _marking(marking)
    with ctx.engine.begin() as conn:
        given = [_org(conn, code) for code in orgs]
        with checked():
            plan = plan_from_template(
                found,
                ctx.who,
                start,
                given,
                plan_id=rules.id_base(plan_id, template_id),
                now=clock(),
                marking=chosen,
            )
            if decisions:
                plan = _with_decisions(conn, plan)
        return _insert(conn, ctx.who, plan, {"template": template_id}, fixed_id)


def _with_decisions(conn: Connection, plan: Plan) -> Plan:
    """The plan with, on each measure, the decisions due on its due date as evidence."""
    found = store.deadline_events(conn, drafting.COMMITMENT_TYPES)
    by_day: dict[date, list[Evidence]] = {}
    for e in found:
        quote = Evidence(article=e.article, event=e.id, start=e.start, end=e.end, quote=e.evidence)
        by_day.setdefault(drafting.deadline_date(e), []).append(quote)
    measures = tuple(
        replace(m, evidence=(*m.evidence, *by_day.get(m.due, ()))) for m in plan.measures
    )
    return replace(plan, measures=measures)


def draft_from_events(
    ctx: Context,
    plan_id: str | None,
    title: str,
    event_ids: Sequence[int] | None = None,
    orgs: Sequence[str] | None = None,
    marking: str | None = None,
    fixed_id: bool = False,
) -> StoredPlan:
    """A draft plan from the decisions with deadlines among the events (those of `event_ids`,
    or all there are), one measure per decision, assigned to `orgs` (default: the owner).
    Its id as create_from_template makes it (by default from the title)."""
    chosen = _marking(marking)
    with ctx.engine.begin() as conn:
        found = store.deadline_events(conn, drafting.COMMITMENT_TYPES, event_ids)
        with checked():
            plan = drafting.draft_plan(
                found,
                ctx.who,
                plan_id=rules.id_base(plan_id, title),
                title=title,
                now=clock(),
                orgs=orgs,
                marking=chosen,
            )
        return _insert(conn, ctx.who, plan, {"events": len(found)}, fixed_id)


def create_plan(
    ctx: Context,
    plan_id: str | None,
    title: str,
    description: str = "",
    due: date | None = None,
    marking: str | None = None,
    fixed_id: bool = False,
) -> StoredPlan:
    """An empty plan of the acting coordinator's organisation; its id as
    create_from_template makes it (by default from the title)."""
    chosen = _marking(marking)
    with checked():
        plan = rules.new_plan(
            ctx.who,
            id=rules.id_base(plan_id, title),
            title=title,
            description=description,
            due=due,
            marking=chosen,
        )
    with ctx.engine.begin() as conn:
        return _insert(conn, ctx.who, plan, {}, fixed_id)


def _marking(value: str | None) -> TLP:
    return rule.marking(value) if value is not None else rules.DEFAULT_MARKING


def _org(conn: Connection, code: str) -> Organisation:
    found = people_store.org_by_code(conn, code.strip().lower())
    if found is None:
        raise InvalidError(f"orgs: no organisation {code!r}")
    return found


def _insert(
    conn: Connection, who: Principal, plan: Plan, detail: Detail, fixed_id: bool = False
) -> StoredPlan:
    if not fixed_id:
        plan = replace(plan, id=_fresh_id(conn, plan.id))
    elif store.uid_taken(conn, plan.id):
        raise InvalidError(f"id: {plan.id!r} is taken; choose another")
    owner = rule.owner_of(conn, who)
    with checked():
        row = store.insert(conn, plan, owner, clock())
    if plan.marking is TLP.RED:  # its maker must not lose sight of what it just made
        name_people(conn, KIND, row, [owner[1]])
    full: Detail = {"title": plan.title, "marking": plan.marking.value, **detail}
    record(conn, who, "plan.create", f"plan:{plan.id}", {**full, "measures": len(plan.measures)})
    return seen(conn, who, plan.id)[1]


def _fresh_id(conn: Connection, wanted: str) -> str:
    """`wanted` with a random ending no plan has. Plan ids are one namespace for all the
    organisations: an id taken as asked would have to be refused, and the refusal would tell
    one who may not see that plan that it exists."""
    base = wanted[: rules.MAX_ID - ENDING - 1]
    while True:
        ending = "".join(secrets.choice(ENDING_LETTERS) for _ in range(ENDING))
        if not store.uid_taken(conn, uid := f"{base}-{ending}"):
            return uid


# --- reading ---------------------------------------------------------------------------------


def get_plan(ctx: Context, plan_id: str) -> StoredPlan:
    """The plan; NotFoundError alike for no plan and for one the principal may not see."""
    with ctx.engine.connect() as conn:
        return seen(conn, ctx.who, plan_id)[1]


def page_plans(ctx: Context, window: Window) -> Page[StoredPlan]:
    """A page of the plans the principal may see, most recently changed first."""
    with ctx.engine.connect() as conn:
        return paged(window, SORTS, lambda s: store.page(conn, ctx.who, s))


def rollup_of(found: StoredPlan, now: datetime | None = None) -> Rollup:
    """What a plan already read adds up to."""
    return rollup(found.plan, now or clock())


def plan_rollup(ctx: Context, plan_id: str, now: datetime | None = None) -> Rollup:
    return rollup(get_plan(ctx, plan_id).plan, now or clock())


def org_board(ctx: Context, org: str | None = None, now: datetime | None = None) -> list[BoardItem]:
    """The measures assigned to `org` (the principal's own by default) in the plans the
    principal may see, earliest due first."""
    code = (org or ctx.who.org or "").strip().lower()
    if not code:
        raise InvalidError("org: name an organisation (this principal is of none)")
    with ctx.engine.connect() as conn:
        if people_store.org_by_code(conn, code) is None:
            raise InvalidError(f"org: no organisation {code!r}")
        found = store.all_visible(conn, ctx.who)
    return board((p.plan for p in found), code, now or clock())


@dataclass(frozen=True)
class PlanView:
    """A plan as its page shows it: the plan, what it adds up to, and the usernames of the
    people who answer for its measures (the store keeps their ids)."""

    stored: StoredPlan
    rollup: Rollup
    owners: dict[int, str]


def plan_view(ctx: Context, plan_id: str, now: datetime | None = None) -> PlanView:
    with ctx.engine.connect() as conn:
        found = seen(conn, ctx.who, plan_id)[1]
        ids = {m.owner for m in found.plan.measures if m.owner is not None}
        users = (people_store.user_by_id(conn, i) for i in sorted(ids))
        owners = {u.id: u.username for u in users if u is not None}
    return PlanView(found, rollup(found.plan, now or clock()), owners)


def decisions(ctx: Context) -> list[EventRow]:
    """The decisions with a deadline the analysis found, that a draft plan may be made of:
    events, derived from open sources, so CLEAR (seen by all)."""
    with ctx.engine.connect() as conn:
        return store.deadline_events(conn, drafting.COMMITMENT_TYPES)


# --- shared by the plan services --------------------------------------------------------------


def seen(conn: Connection, who: Principal, plan_id: str) -> tuple[int, StoredPlan]:
    found = store.get(conn, who, plan_id)
    if found is None:
        raise rule.not_found(KIND)
    return found


def change(
    ctx: Context,
    plan_id: str,
    action: str,
    how: Callable[[Plan, datetime], Plan],
    detail: Detail,
) -> StoredPlan:
    """Read the plan (locked for the change), apply `how`, write what changed and audit it,
    in one transaction."""
    with ctx.engine.begin() as conn:
        row, found = seen(conn, ctx.who, plan_id)
        _lock(conn, row)
        row, found = seen(conn, ctx.who, plan_id)  # as it is now that no one else writes it
        at = clock()
        with checked():
            after = how(found.plan, at)
            store.save(conn, row, found.plan, after, at)
        record(conn, ctx.who, f"plan.{action}", f"plan:{plan_id}", detail, at)
        return seen(conn, ctx.who, plan_id)[1]


def _lock(conn: Connection, row: int) -> None:
    """Hold the plan's row until the transaction ends (PostgreSQL; SQLite writes one at a
    time anyway), so two changes of one plan never write over each other."""
    conn.execute(select(table.c.id).where(table.c.id == row).with_for_update()).first()
