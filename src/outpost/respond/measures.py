"""The life of a measure: assigned → acknowledged → in progress → done (with a report) or
blocked (with a reason); blocked → in progress; done → in progress when a coordinator of the
plan's owner reopens it.

Each step is a row of STEPS: where it starts, where it leads, who may take it. Anything else
is refused with TransitionError naming from, to and why; a principal not allowed is refused
with people.NotAllowedError. Pure: the caller passes `now`.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from outpost.records import Evidence, Measure, MeasureState, Plan, Principal, Transition
from outpost.respond.plans import (
    TransitionError,
    measure_of,
    require_assigned,
    require_coordinator,
    text,
    with_measure,
)

S = MeasureState


class Actor(enum.Enum):
    ASSIGNED = "an assigned organisation"
    COORDINATOR = "a coordinator of the plan's owner"


@dataclass(frozen=True)
class Step:
    name: str  # the verb a board shows: "acknowledge", "report"...
    source: MeasureState
    target: MeasureState
    actor: Actor


STEPS: tuple[Step, ...] = (
    Step("acknowledge", S.ASSIGNED, S.ACKNOWLEDGED, Actor.ASSIGNED),
    Step("start", S.ACKNOWLEDGED, S.IN_PROGRESS, Actor.ASSIGNED),
    Step("report", S.IN_PROGRESS, S.DONE, Actor.ASSIGNED),
    Step("block", S.IN_PROGRESS, S.BLOCKED, Actor.ASSIGNED),
    Step("unblock", S.BLOCKED, S.IN_PROGRESS, Actor.ASSIGNED),
    Step("reopen", S.DONE, S.IN_PROGRESS, Actor.COORDINATOR),
)

# Why a target cannot be reached from elsewhere: the reason an error gives.
WHY: dict[MeasureState, str] = {
    S.ASSIGNED: "a measure goes back to assigned only when a coordinator reassigns it",
    S.ACKNOWLEDGED: "only an assigned measure is acknowledged",
    S.IN_PROGRESS: "work starts once the assigned organisation has acknowledged the measure, "
    "resumes from blocked, or a coordinator reopens a done one",
    S.DONE: "only a measure in progress can be reported done",
    S.BLOCKED: "only a measure in progress can be blocked",
}


def next_step(state: MeasureState) -> str | None:
    """What the assigned organisation does next from `state` (None: nothing, it is done)."""
    for step in STEPS:
        if step.source is state and step.actor is Actor.ASSIGNED:
            return step.name
    return None


def step_between(measure: Measure, target: MeasureState) -> Step:
    for step in STEPS:
        if step.source is measure.state and step.target is target:
            return step
    why = f"it is already {target}" if measure.state is target else WHY[target]
    raise TransitionError(
        f"measure {measure.id}: cannot go from {measure.state} to {target}: {why}"
    )


def step_named(measure: Measure, name: str) -> Step:
    """The step called `name`, if the measure's state is where it starts."""
    step = next((s for s in STEPS if s.name == name), None)
    if step is None:
        names = ", ".join(s.name for s in STEPS)
        raise TransitionError(f"measure {measure.id}: no step {name!r} (one of {names})")
    if measure.state is not step.source:
        raise TransitionError(
            f"measure {measure.id}: cannot go from {measure.state} to {step.target} "
            f"({name}): only a measure that is {step.source} can be {PAST[name]}"
        )
    return step


PAST = {
    "acknowledge": "acknowledged",
    "start": "started",
    "report": "reported done",
    "block": "blocked",
    "unblock": "unblocked",
    "reopen": "reopened",
}


def move(
    plan: Plan,
    measure_id: str,
    target: MeasureState | str,
    who: Principal,
    now: datetime,
    *,
    note: str = "",
    report: str | None = None,
    reason: str | None = None,
    evidence: Sequence[Evidence] = (),
) -> Plan:
    """The plan with the measure moved by `who` to the state `target` (or by the step of
    that name: "reopen", "unblock"...). Done needs a report (evidence optional), blocked a
    reason, reopening a note saying why."""
    measure = measure_of(plan, measure_id)
    known = _known_step(target)
    if known is not None:  # who may not take the step is told so, whatever the state
        _require(known, plan, measure, who)
    if isinstance(target, MeasureState):
        step = step_between(measure, target)
    else:
        step = step_named(measure, target)
    if known is None:
        _require(step, plan, measure, who)
    moved, kept = _with_outcome(measure, step, who, note, report, reason, evidence)
    entry = Transition(who.id, now, measure.state, step.target, kept)
    return with_measure(plan, replace(moved, state=step.target, history=(*measure.history, entry)))


def _known_step(target: MeasureState | str) -> Step | None:
    """The step `target` names whatever the measure's state, when it names one: a step's
    name does, as does a state only one step leads to (in progress has three)."""
    steps = [
        s
        for s in STEPS
        if (s.target is target if isinstance(target, MeasureState) else s.name == target)
    ]
    return steps[0] if len(steps) == 1 else None


def _require(step: Step, plan: Plan, measure: Measure, who: Principal) -> None:
    what = f"{step.name} measure {measure.id}"
    if step.actor is Actor.ASSIGNED:
        require_assigned(measure, who, what)
    else:
        require_coordinator(plan.owner, who, what)


def _with_outcome(
    measure: Measure,
    step: Step,
    who: Principal,
    note: str,
    report: str | None,
    reason: str | None,
    evidence: Sequence[Evidence],
) -> tuple[Measure, str]:
    """The measure with what the step records (report, reason, owner), and the history note:
    the report or reason itself, so a later reopening or unblocking keeps it on record."""
    note = text(note, "note")
    if step.target is S.DONE:
        kept = text(report or "", f"report on measure {measure.id}", required=True)
        return replace(measure, report=kept, evidence=(*measure.evidence, *evidence)), kept
    if step.target is S.BLOCKED:
        kept = text(reason or "", f"reason measure {measure.id} is blocked", required=True)
        return replace(measure, blocked_reason=kept), kept
    if step.name == "reopen":
        kept = text(note, f"why measure {measure.id} is reopened", required=True)
        return replace(measure, report=None), kept
    if step.name == "unblock":
        return replace(measure, blocked_reason=None), note
    if step.name == "acknowledge" and measure.owner is None:
        return replace(measure, owner=who.user), note  # who acknowledges answers for it
    return measure, note


# The steps by name, as the services and surfaces call them.


def acknowledge(plan: Plan, measure_id: str, who: Principal, now: datetime, note: str = "") -> Plan:
    return move(plan, measure_id, "acknowledge", who, now, note=note)


def start(plan: Plan, measure_id: str, who: Principal, now: datetime, note: str = "") -> Plan:
    return move(plan, measure_id, "start", who, now, note=note)


def complete(
    plan: Plan,
    measure_id: str,
    who: Principal,
    now: datetime,
    report: str,
    evidence: Sequence[Evidence] = (),
) -> Plan:
    return move(plan, measure_id, "report", who, now, report=report, evidence=evidence)


def block(plan: Plan, measure_id: str, who: Principal, now: datetime, reason: str) -> Plan:
    return move(plan, measure_id, "block", who, now, reason=reason)


def unblock(plan: Plan, measure_id: str, who: Principal, now: datetime, note: str = "") -> Plan:
    return move(plan, measure_id, "unblock", who, now, note=note)


def reopen(plan: Plan, measure_id: str, who: Principal, now: datetime, note: str) -> Plan:
    return move(plan, measure_id, "reopen", who, now, note=note)
