"""The time rules of a plan: reminders before a measure's due date, an alert to the plan's
coordinators once it is overdue, an escalation once it is past its critical date.

A pure function of the plan, the time and the keys already sent: run it as often as you like
(every minute, after a restart), send what it returns, remember the keys. A key names the
measure, the kind and the date the notice is about, so moving a due date yields new notices
while the old ones are never sent twice.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence, Set
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from outpost.records import Measure, MeasureState, Plan
from outpost.respond.people import Role, org_code
from outpost.respond.plans import PlanError, day_of

REMINDER_DAYS = (7, 1)  # days before the due date


class NoticeKind(enum.StrEnum):
    REMINDER = "reminder"  # to the assigned organisations
    OVERDUE = "overdue"  # an alert to the plan's coordinators
    ESCALATED = "escalated"  # to the coordinators of the owner and of the centre


@dataclass(frozen=True)
class Notice:
    key: str  # "<measure id>/<kind>/<date>": send once
    kind: NoticeKind
    plan: str
    measure: str
    title: str  # the measure's
    on: date  # the due date (reminder, overdue) or the critical date (escalated)
    orgs: tuple[str, ...]  # the organisations whose people receive it
    role: Role  # the least role a recipient there has
    user: int | None = None  # the measure's owner, who receives reminders by name
    days_before: int | None = None  # reminders: how many days before the due date


def due_notices(
    plan: Plan,
    now: datetime,
    already_sent: Set[str],
    *,
    reminders: Sequence[int] = REMINDER_DAYS,
    centre: str | None = None,
) -> list[Notice]:
    """The notices due at `now` whose keys are not in `already_sent`, by date then key.
    `centre`: the code of the crisis-response centre, told of escalations."""
    days = _reminder_days(reminders)
    centre = org_code(centre) if centre is not None else None
    today = day_of(now)
    found: dict[str, Notice] = {}
    for measure in plan.measures:
        if measure.state is MeasureState.DONE:
            continue
        for notice in _for_measure(plan, measure, today, days, centre):
            if notice.key not in already_sent:
                found.setdefault(notice.key, notice)
    return sorted(found.values(), key=lambda n: (n.on, n.key))


def _for_measure(
    plan: Plan, measure: Measure, today: date, days: tuple[int, ...], centre: str | None
) -> list[Notice]:
    notices = []
    reminder = _reminder(plan, measure, today, days)
    if reminder is not None:
        notices.append(reminder)
    if today > measure.due:
        notices.append(_notice(plan, measure, NoticeKind.OVERDUE, measure.due, (plan.owner,)))
    if today > measure.critical:
        to = (plan.owner,) if centre in (None, plan.owner) else (plan.owner, str(centre))
        notices.append(_notice(plan, measure, NoticeKind.ESCALATED, measure.critical, to))
    return notices


def _reminder(plan: Plan, measure: Measure, today: date, days: tuple[int, ...]) -> Notice | None:
    """The latest reminder whose day has come, up to the due day: after a pause (a restart,
    a late first run) the organisations hear the nearest one, not every one they missed."""
    if today > measure.due:
        return None
    due_now = [n for n in days if measure.due - timedelta(days=n) <= today]
    if not due_now:
        return None
    n = min(due_now)
    return Notice(
        key=f"{measure.id}/{NoticeKind.REMINDER}-{n}d/{measure.due.isoformat()}",
        kind=NoticeKind.REMINDER,
        plan=plan.id,
        measure=measure.id,
        title=measure.title,
        on=measure.due,
        orgs=measure.orgs,
        role=Role.ANALYST,  # those who may act on it
        user=measure.owner,
        days_before=n,
    )


def _notice(
    plan: Plan, measure: Measure, kind: NoticeKind, on: date, orgs: tuple[str, ...]
) -> Notice:
    return Notice(
        key=f"{measure.id}/{kind}/{on.isoformat()}",
        kind=kind,
        plan=plan.id,
        measure=measure.id,
        title=measure.title,
        on=on,
        orgs=orgs,
        role=Role.COORDINATOR,
    )


def _reminder_days(reminders: Sequence[int]) -> tuple[int, ...]:
    days = tuple(reminders)
    bad = [n for n in days if not isinstance(n, int) or isinstance(n, bool) or n < 0]
    if bad:
        raise PlanError(f"reminders: days before the due date must be whole numbers >= 0: {bad}")
    if len(set(days)) != len(days):
        raise PlanError(f"reminders: a number of days given twice: {list(days)}")
    return days
