"""What a plan adds up to, and what each organisation has to do.

A plan's state: not started (nothing acknowledged yet), in progress, done (every measure
done), at risk (a measure not done is past its due date), critical (one is past its critical
date). A board lists one organisation's measures in due order with its next step.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from outpost.records import Measure, MeasureState, Plan
from outpost.respond.measures import next_step
from outpost.respond.plans import day_of


class PlanState(enum.StrEnum):
    NOT_STARTED = "not started"
    IN_PROGRESS = "in progress"
    DONE = "done"
    AT_RISK = "at risk"
    CRITICAL = "critical"


@dataclass(frozen=True)
class Rollup:
    plan: str
    counts: dict[MeasureState, int]  # every state, zero included
    total: int
    share_done: float  # 0..1 (0 for a plan without measures)
    state: PlanState
    next_due: date | None  # the earliest due date of a measure not done
    overdue: tuple[str, ...]  # ids of measures past their due date and not done
    critical: tuple[str, ...]  # ids of those also past their critical date


@dataclass(frozen=True)
class BoardItem:
    """One measure on an organisation's board."""

    plan: str
    plan_title: str
    measure: Measure
    next_step: str | None  # "acknowledge", "start", "report", "unblock"; None once done
    overdue: bool
    critical: bool


def is_overdue(measure: Measure, today: date) -> bool:
    """Past its due date and not done (a measure is due by the end of its due day)."""
    return measure.state is not MeasureState.DONE and today > measure.due


def is_critical(measure: Measure, today: date) -> bool:
    return measure.state is not MeasureState.DONE and today > measure.critical


def rollup(plan: Plan, now: datetime) -> Rollup:
    today = day_of(now)
    counts = Counter(m.state for m in plan.measures)
    done = counts[MeasureState.DONE]
    total = len(plan.measures)
    overdue = tuple(m.id for m in plan.measures if is_overdue(m, today))
    critical = tuple(m.id for m in plan.measures if is_critical(m, today))
    waiting = [m.due for m in plan.measures if m.state is not MeasureState.DONE]
    return Rollup(
        plan=plan.id,
        counts={state: counts[state] for state in MeasureState},
        total=total,
        share_done=done / total if total else 0.0,
        state=_state(counts, total, bool(overdue), bool(critical)),
        next_due=min(waiting, default=None),
        overdue=overdue,
        critical=critical,
    )


def _state(counts: Counter[MeasureState], total: int, overdue: bool, critical: bool) -> PlanState:
    if total and counts[MeasureState.DONE] == total:
        return PlanState.DONE
    if critical:
        return PlanState.CRITICAL
    if overdue:
        return PlanState.AT_RISK
    if counts[MeasureState.ASSIGNED] == total:  # no one has taken anything up yet
        return PlanState.NOT_STARTED
    return PlanState.IN_PROGRESS


def board(plans: Iterable[Plan], org: str, now: datetime) -> list[BoardItem]:
    """The measures of `plans` assigned to `org`, earliest due first (then by plan and
    measure, so the order is stable), each with what the organisation does next."""
    today = day_of(now)
    items = [
        BoardItem(
            plan=plan.id,
            plan_title=plan.title,
            measure=m,
            next_step=next_step(m.state),
            overdue=is_overdue(m, today),
            critical=is_critical(m, today),
        )
        for plan in plans
        for m in plan.measures
        if org in m.orgs
    ]
    return sorted(items, key=lambda i: (i.measure.due, i.plan, _number(i.measure)))


def _number(measure: Measure) -> int:
    return int(measure.id.rsplit("/", 1)[1])  # "plan/10" after "plan/9"
