"""The people and the plan the plan tests share: the alliance's crisis-response centre (crc)
owns the plan; two member states' agencies (kz-knb, tj-gknb) take its measures."""

from __future__ import annotations

from datetime import UTC, date, datetime

from outpost.markings import TLP
from outpost.records import MeasureState, Plan, Principal, User
from outpost.respond import measures
from outpost.respond.plans import add_measure, new_plan


def person(user: int, name: str, org: str | None, role: str) -> Principal:
    return Principal(f"user:{name}", name.title(), user, org, role)


CRC_COORDINATOR = person(1, "aigerim", "crc", "coordinator")
CRC_ADMIN = person(2, "root-crc", "crc", "administrator")
CRC_ANALYST = person(3, "daniyar", "crc", "analyst")
KZ_ANALYST = person(4, "nurlan", "kz-knb", "analyst")
KZ_VIEWER = person(5, "saule", "kz-knb", "viewer")
KZ_COORDINATOR = person(6, "yerlan", "kz-knb", "coordinator")
TJ_ANALYST = person(7, "firuz", "tj-gknb", "analyst")
OPERATOR = Principal("operator:root", "root", role="administrator")  # the CLI's: no org

NOW = datetime(2021, 8, 23, 16, 0, tzinfo=UTC)
DUE = date(2021, 9, 16)
CRITICAL = date(2021, 9, 30)


def user_of(who: Principal, disabled: bool = False) -> User:
    assert who.user is not None and who.org is not None and who.role is not None
    return User(
        id=who.user,
        username=who.id.removeprefix("user:"),
        display_name=who.name,
        org=who.org,
        role=who.role,
        created=NOW,
        disabled=NOW if disabled else None,
    )


def plan_with(
    *orgs: tuple[str, ...], due: date = DUE, critical: date = CRITICAL, plan_due: date = DUE
) -> Plan:
    """A TLP:AMBER plan of crc due on `plan_due`, with one measure per entry of `orgs`, all
    due on `due`."""
    plan = new_plan(
        CRC_COORDINATOR, id="afg-2021", title="Joint response", due=plan_due, marking=TLP.AMBER
    )
    for i, assigned in enumerate(orgs, 1):
        plan = add_measure(
            plan,
            CRC_COORDINATOR,
            NOW,
            title=f"Measure {i}",
            orgs=assigned,
            due=due,
            critical=critical,
        )
    return plan


# The steps that bring a fresh measure to each state, and who takes them.
PATH: dict[MeasureState, tuple[str, ...]] = {
    MeasureState.ASSIGNED: (),
    MeasureState.ACKNOWLEDGED: ("acknowledge",),
    MeasureState.IN_PROGRESS: ("acknowledge", "start"),
    MeasureState.DONE: ("acknowledge", "start", "report"),
    MeasureState.BLOCKED: ("acknowledge", "start", "block"),
}


def in_state(plan: Plan, measure_id: str, state: MeasureState, at: datetime = NOW) -> Plan:
    """The plan with the measure brought to `state` by kz-knb's analyst, step by step."""
    for step in PATH[state]:
        plan = measures.move(
            plan, measure_id, step, KZ_ANALYST, at, report="Done so.", reason="No boats."
        )
    return plan
