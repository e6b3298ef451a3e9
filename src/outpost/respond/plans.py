"""Joint response plans as rules: creating a plan, adding, assigning and dating its measures,
and who may do it (the coordinators of the organisation that owns the plan).

Pure: records in, records out; no store and no clock (the caller passes `now`). The state of
a measure moves in outpost.respond.measures; roll-up and boards are in respond.rollup.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from functools import cache
from importlib import resources

import yaml

from outpost.markings import TLP
from outpost.records import Evidence, Measure, MeasureState, Plan, Principal, Transition, User
from outpost.respond.people import ROLES, Role, display_name, org_code, refusal, role_of

MAX_TEXT = 20_000  # a description or report is a few paragraphs; more is a paste gone wrong
MAX_ID = 64
PLAN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
ID_BASE = 40  # the longest beginning of an id made from a name
# What people write defaults to AMBER+STRICT (DESIGN "Sharing") until they choose.
DEFAULT_MARKING = TLP.AMBER_STRICT


class PlanError(ValueError):
    """A plan or measure that cannot be made or changed so; the message says why."""


class MeasureNotFoundError(PlanError, LookupError):
    """No measure with that id in the plan."""


class TransitionError(PlanError):
    """A step a measure cannot take from its state; the message names from, to and why."""


def day_of(now: datetime) -> date:
    """The UTC day of `now`; a naive time is taken as UTC, as the store keeps times."""
    if now.tzinfo is not None:
        now = now.astimezone(UTC)
    return now.date()


# Who may act -------------------------------------------------------------------------------


def at_least(who: Principal, role: Role) -> bool:
    own = role_of(who)
    return own is not None and ROLES.index(own) >= ROLES.index(role)


def require_coordinator(plan_owner: str, who: Principal, what: str) -> None:
    """Coordinators (and administrators) of the owning organisation shape a plan; no one
    else, not even an administrator of another organisation: the plan is theirs."""
    if not (at_least(who, Role.COORDINATOR) and who.org == plan_owner):
        raise refusal(who, f"{what} (only a coordinator of {plan_owner} may)")


def require_assigned(measure: Measure, who: Principal, what: str) -> None:
    """Analysts and above of an organisation the measure is assigned to carry it out."""
    if not (at_least(who, Role.ANALYST) and who.org in measure.orgs):
        orgs = ", ".join(measure.orgs)
        raise refusal(who, f"{what} (only an analyst or above of {orgs} may)")


# Creating a plan and its measures ----------------------------------------------------------


def id_base(given: str | None, name: str | None) -> str:
    """The beginning of a new plan's id: the one given, else the name's ASCII letters and
    digits joined by '-', else "plan" (a name in another script)."""
    if given is not None and given.strip():
        return given.strip()
    slug = re.sub(r"[^a-z0-9]+", "-", (name or "").lower()).strip("-")[:ID_BASE].strip("-")
    return slug or "plan"


def new_plan(
    who: Principal,
    *,
    id: str,
    title: str,
    description: str = "",
    owner: str | None = None,
    due: date | None = None,
    marking: TLP = DEFAULT_MARKING,
    template: str | None = None,
) -> Plan:
    """An empty plan owned by `owner` (the acting coordinator's organisation by default)."""
    code = org_code(owner if owner is not None else (who.org or ""))
    require_coordinator(code, who, "create a plan")
    if not PLAN_ID.fullmatch(id):
        raise PlanError(f"plan id: 1 to 64 letters, digits, '.', '_' or '-'; got {id!r}")
    return Plan(
        id=id,
        title=display_name(title, "plan title"),
        description=text(description, "plan description"),
        template=template,
        owner=code,
        marking=marking,
        due=due,
        created_by=who.id,
    )


def add_measure(
    plan: Plan,
    who: Principal,
    now: datetime,
    *,
    title: str,
    orgs: Sequence[str],
    due: date,
    critical: date | None = None,
    description: str = "",
    owner: User | None = None,
    domain: str | None = None,
    evidence: Sequence[Evidence] = (),
) -> Plan:
    """The plan with one more measure, assigned to `orgs` (critical date: the due date
    unless given)."""
    require_coordinator(plan.owner, who, f"add a measure to plan {plan.id}")
    measure = Measure(
        id=next_measure_id(plan),
        title=display_name(title, "measure title"),
        description=text(description, "measure description"),
        orgs=codes(orgs),
        due=due,
        critical=critical if critical is not None else due,
        owner=owner.id if owner is not None else None,
        evidence=tuple(evidence),
        domain=domain,
        history=(Transition(who.id, now, None, MeasureState.ASSIGNED, "created"),),
    )
    check_measure(plan, measure, owner)
    return replace(plan, measures=(*plan.measures, measure))


def next_measure_id(plan: Plan) -> str:
    """'<plan>/<n>', one more than the highest n so far: ids are never reused, so a notice
    key sent for a removed measure can never silence a new one."""
    numbers = [int(m.id.rsplit("/", 1)[1]) for m in plan.measures]
    return f"{plan.id}/{max(numbers, default=0) + 1}"


def check_measure(plan: Plan, measure: Measure, owner: User | None = None) -> None:
    """PlanError naming what is wrong with the measure within its plan."""
    name = f"measure {measure.title!r}"
    if measure.critical < measure.due:
        raise PlanError(
            f"{name}: critical date {measure.critical} is before its due date {measure.due}"
        )
    if plan.due is not None and measure.due > plan.due:
        raise PlanError(f"{name}: due {measure.due}, after the plan's due date {plan.due}")
    _check_marking(plan, measure.orgs, name)
    if measure.domain is not None and measure.domain not in threat_domains():
        known = ", ".join(sorted(threat_domains()))
        raise PlanError(f"{name}: unknown threat domain {measure.domain!r} (one of {known})")
    if owner is not None:
        if owner.org not in measure.orgs:
            raise PlanError(
                f"{name}: owner {owner.username} is of {owner.org}, not of an assigned "
                f"organisation ({', '.join(measure.orgs)})"
            )
        if not owner.active:
            raise PlanError(f"{name}: owner {owner.username} is disabled")


def _check_marking(plan: Plan, orgs: Iterable[str], name: str) -> None:
    """A measure's organisations must be able to see the plan: under AMBER+STRICT or RED
    only the owner (or named people) may, so assigning others would hand them a task they
    cannot read."""
    others = sorted(set(orgs) - {plan.owner})
    if others and plan.marking >= TLP.AMBER_STRICT:
        raise PlanError(
            f"{name}: plan {plan.id} is {plan.marking.value}, which {', '.join(others)} may "
            f"not see; mark the plan TLP:AMBER (the organisations named on it) or looser first"
        )


# Changing a measure (coordinators) ---------------------------------------------------------


def measure_of(plan: Plan, measure_id: str) -> Measure:
    for measure in plan.measures:
        if measure.id == measure_id:
            return measure
    raise MeasureNotFoundError(f"plan {plan.id}: no measure {measure_id!r}")


def with_measure(plan: Plan, measure: Measure) -> Plan:
    """The plan with `measure` in place of the one with its id."""
    return replace(
        plan, measures=tuple(measure if m.id == measure.id else m for m in plan.measures)
    )


def assign(
    plan: Plan,
    measure_id: str,
    who: Principal,
    now: datetime,
    orgs: Sequence[str],
    owner: User | None = None,
) -> Plan:
    """Assign the measure to `orgs` (and a person of one of them). An organisation new to
    it has not acknowledged it, so the measure goes back to assigned."""
    measure = measure_of(plan, measure_id)
    require_coordinator(plan.owner, who, f"assign measure {measure.id}")
    if measure.state is MeasureState.DONE:
        raise TransitionError(
            f"measure {measure.id}: cannot reassign from done: it is finished; reopen it first"
        )
    new = codes(orgs)
    changed = replace(measure, orgs=new, owner=_owner_after(measure, new, owner))
    if set(new) - set(measure.orgs) and measure.state is not MeasureState.ASSIGNED:
        step = Transition(
            who.id, now, measure.state, MeasureState.ASSIGNED, f"assigned to {', '.join(new)}"
        )
        changed = replace(
            changed,
            state=MeasureState.ASSIGNED,
            blocked_reason=None,
            history=(*measure.history, step),
        )
    check_measure(plan, changed, owner)
    return with_measure(plan, changed)


def _owner_after(measure: Measure, orgs: tuple[str, ...], owner: User | None) -> int | None:
    if owner is not None:
        return owner.id
    return measure.owner if orgs == measure.orgs else None  # they may be of a removed org


def set_dates(
    plan: Plan, measure_id: str, who: Principal, due: date, critical: date | None = None
) -> Plan:
    """Move the measure's due date (and critical date: kept if still on or after the due
    date, else moved with it)."""
    measure = measure_of(plan, measure_id)
    require_coordinator(plan.owner, who, f"change the dates of measure {measure.id}")
    if critical is None:
        critical = max(measure.critical, due)
    changed = replace(measure, due=due, critical=critical)
    check_measure(plan, changed)
    return with_measure(plan, changed)


# Values ------------------------------------------------------------------------------------


def text(value: str, field: str, required: bool = False) -> str:
    """A free text as kept: stripped, at most MAX_TEXT characters, present when required."""
    kept = value.strip()
    if required and not kept:
        raise PlanError(f"{field}: required, and empty")
    if len(kept) > MAX_TEXT:
        raise PlanError(f"{field}: at most {MAX_TEXT} characters (this one has {len(kept)})")
    return kept


def codes(orgs: Sequence[str]) -> tuple[str, ...]:
    """Organisation codes, checked, in the order given; one at least, none twice."""
    if isinstance(orgs, str):  # a lone code would otherwise be read letter by letter
        orgs = [orgs]
    found = tuple(org_code(o) for o in orgs)
    if not found:
        raise PlanError("organisations: assign the measure to one organisation at least")
    twice = sorted({o for o in found if found.count(o) > 1})
    if twice:
        raise PlanError(f"organisations: {', '.join(twice)} given twice")
    return found


@cache
def threat_domains() -> frozenset[str]:
    """The ids of the threat domains of the knowledge base (outpost/kb/threats.yaml)."""
    raw = resources.files("outpost.kb").joinpath("threats.yaml").read_text("utf-8")
    return frozenset(str(d["id"]) for d in yaml.safe_load(raw)["domains"])
