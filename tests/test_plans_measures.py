"""A measure's life: every step allowed from where it starts and by whom it may be taken,
every other move refused with an error that names from, to and why; what each step records;
and the coordinators' changes (creating, assigning, dating), refused to anyone else."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from outpost.markings import TLP
from outpost.records import Evidence, MeasureState, Principal
from outpost.respond import measures
from outpost.respond.people import NotAllowedError
from outpost.respond.plans import (
    MeasureNotFoundError,
    PlanError,
    TransitionError,
    add_measure,
    assign,
    measure_of,
    new_plan,
    set_dates,
)
from tests.plan_parts import (
    CRC_ADMIN,
    CRC_ANALYST,
    CRC_COORDINATOR,
    CRITICAL,
    DUE,
    KZ_ANALYST,
    KZ_COORDINATOR,
    KZ_VIEWER,
    NOW,
    OPERATOR,
    TJ_ANALYST,
    in_state,
    plan_with,
    user_of,
)

S = MeasureState
M = "afg-2021/1"
LATER = NOW + timedelta(days=3)
ALLOWED = {
    (S.ASSIGNED, S.ACKNOWLEDGED),
    (S.ACKNOWLEDGED, S.IN_PROGRESS),
    (S.IN_PROGRESS, S.DONE),
    (S.IN_PROGRESS, S.BLOCKED),
    (S.BLOCKED, S.IN_PROGRESS),
    (S.DONE, S.IN_PROGRESS),
}


def actor_for(source: S, target: S) -> Principal:
    """Who may take the step: the coordinator of crc reopens, kz-knb's analyst does the rest."""
    return CRC_COORDINATOR if (source, target) == (S.DONE, S.IN_PROGRESS) else KZ_ANALYST


@pytest.mark.parametrize(("source", "target"), sorted(ALLOWED))
def test_every_allowed_step_moves_the_measure_and_records_it(source: S, target: S) -> None:
    plan = in_state(plan_with(("kz-knb",)), M, source)
    moved = measures.move(
        plan, M, target, actor_for(source, target), LATER, report="Patrols doubled.",
        reason="No vehicles.", note="Reopened: the report lacks numbers.",
    )  # fmt: skip
    measure = measure_of(moved, M)
    assert measure.state is target
    last = measure.history[-1]
    assert (last.who, last.at, last.source, last.target) == (
        actor_for(source, target).id, LATER, source, target,
    )  # fmt: skip
    assert len(measure.history) == len(measure_of(plan, M).history) + 1
    assert measure_of(plan, M).state is source  # the plan given is unchanged: records are values


@pytest.mark.parametrize(
    ("source", "target"),
    sorted((a, b) for a in S for b in S if (a, b) not in ALLOWED),
)
def test_every_other_move_is_refused_naming_from_to_and_why(source: S, target: S) -> None:
    plan = in_state(plan_with(("kz-knb",)), M, source)
    with pytest.raises(TransitionError) as refused:  # by one who may take the step
        measures.move(plan, M, target, KZ_ANALYST, LATER, report="r", reason="r", note="n")
    message = str(refused.value)
    assert f"measure {M}: cannot go from {source} to {target}: " in message
    why = message.split(": ", 2)[2]
    if source is target:
        assert why == f"it is already {target}"
    else:
        assert why == measures.WHY[target]


def test_a_named_step_from_the_wrong_state_says_which_state_it_needs() -> None:
    blocked = in_state(plan_with(("kz-knb",)), M, S.BLOCKED)
    with pytest.raises(TransitionError, match="only a measure that is done can be reopened"):
        measures.reopen(blocked, M, CRC_COORDINATOR, LATER, "again")
    with pytest.raises(TransitionError, match=r"from assigned to in progress \(start\)"):
        measures.start(plan_with(("kz-knb",)), M, KZ_ANALYST, LATER)
    with pytest.raises(TransitionError, match=r"no step 'finish' \(one of acknowledge, start"):
        measures.move(blocked, M, "finish", KZ_ANALYST, LATER)


def test_the_whole_life_of_a_measure() -> None:
    plan = plan_with(("kz-knb", "tj-gknb"))
    plan = measures.acknowledge(plan, M, TJ_ANALYST, NOW, "Seen.")
    plan = measures.start(plan, M, KZ_ANALYST, NOW)
    plan = measures.block(plan, M, TJ_ANALYST, NOW, "  Waiting for the border guards.  ")
    assert measure_of(plan, M).blocked_reason == "Waiting for the border guards."
    plan = measures.unblock(plan, M, TJ_ANALYST, LATER)
    assert measure_of(plan, M).blocked_reason is None
    proof = Evidence(article="c8b7f20b9437ae65", event=16)
    plan = measures.complete(
        plan, M, KZ_ANALYST, LATER, "Joint patrols since 1 September.", [proof]
    )
    done = measure_of(plan, M)
    assert (done.state, done.report, done.evidence) == (
        S.DONE, "Joint patrols since 1 September.", (proof,),
    )  # fmt: skip
    plan = measures.reopen(plan, M, CRC_COORDINATOR, LATER, "Numbers missing.")
    reopened = measure_of(plan, M)
    assert reopened.report is None and reopened.evidence == (proof,)
    # The history keeps what was cleared: the reason, the report, why it was reopened.
    assert [(t.who, t.source, t.target, t.note) for t in reopened.history] == [
        (CRC_COORDINATOR.id, None, S.ASSIGNED, "created"),
        (TJ_ANALYST.id, S.ASSIGNED, S.ACKNOWLEDGED, "Seen."),
        (KZ_ANALYST.id, S.ACKNOWLEDGED, S.IN_PROGRESS, ""),
        (TJ_ANALYST.id, S.IN_PROGRESS, S.BLOCKED, "Waiting for the border guards."),
        (TJ_ANALYST.id, S.BLOCKED, S.IN_PROGRESS, ""),
        (KZ_ANALYST.id, S.IN_PROGRESS, S.DONE, "Joint patrols since 1 September."),
        (CRC_COORDINATOR.id, S.DONE, S.IN_PROGRESS, "Numbers missing."),
    ]


def test_who_acknowledges_answers_for_the_measure_unless_someone_was_named() -> None:
    plan = measures.acknowledge(plan_with(("kz-knb",)), M, KZ_ANALYST, NOW)
    assert measure_of(plan, M).owner == KZ_ANALYST.user
    named = assign(
        plan_with(("kz-knb",)), M, CRC_COORDINATOR, NOW, ["kz-knb"], user_of(KZ_COORDINATOR)
    )
    named = measures.acknowledge(named, M, KZ_ANALYST, NOW)
    assert measure_of(named, M).owner == KZ_COORDINATOR.user


@pytest.mark.parametrize(
    ("who", "why"),
    [
        (TJ_ANALYST, "only an analyst or above of kz-knb may"),  # not assigned
        (KZ_VIEWER, "only an analyst or above of kz-knb may"),  # assigned, but a viewer
        (CRC_COORDINATOR, "only an analyst or above of kz-knb may"),  # owns the plan only
        (OPERATOR, "only an analyst or above of kz-knb may"),
    ],
)
def test_only_the_assigned_organisations_analysts_take_its_steps(who: Principal, why: str) -> None:
    plan = plan_with(("kz-knb",))
    with pytest.raises(NotAllowedError) as refused:
        measures.acknowledge(plan, M, who, NOW)
    assert str(refused.value) == f"{who.id} ({who.role}) may not acknowledge measure {M} ({why})"
    started = in_state(plan, M, S.IN_PROGRESS)
    for step in (measures.block, measures.complete):
        with pytest.raises(NotAllowedError, match=f"may not (block|report) measure {M}"):
            step(started, M, who, NOW, "text")
    # Refused as not theirs before the state is looked at: from the wrong state too.
    for target in ("report", S.DONE, S.BLOCKED):
        with pytest.raises(NotAllowedError, match=f"may not (report|block) measure {M}"):
            measures.move(plan, M, target, who, NOW, report="r", reason="r", note="n")


def test_assigned_coordinators_and_administrators_take_steps_too() -> None:
    plan = measures.acknowledge(plan_with(("kz-knb",)), M, KZ_COORDINATOR, NOW)
    assert measure_of(plan, M).state is S.ACKNOWLEDGED


@pytest.mark.parametrize("who", [KZ_ANALYST, KZ_COORDINATOR, CRC_ANALYST, OPERATOR])
def test_only_a_coordinator_of_the_owner_reopens(who: Principal) -> None:
    done = in_state(plan_with(("kz-knb",)), M, S.DONE)
    with pytest.raises(
        NotAllowedError, match=f"may not reopen measure {M} .only a coordinator of crc"
    ):
        measures.reopen(done, M, who, NOW, "why")
    reopened = measures.reopen(done, M, CRC_ADMIN, NOW, "why")  # administrators of crc may
    assert measure_of(reopened, M).state is S.IN_PROGRESS


def test_done_needs_a_report_blocked_a_reason_reopening_a_note() -> None:
    started = in_state(plan_with(("kz-knb",)), M, S.IN_PROGRESS)
    with pytest.raises(PlanError, match=f"report on measure {M}: required, and empty"):
        measures.complete(started, M, KZ_ANALYST, NOW, "  \n ")
    with pytest.raises(PlanError, match=f"reason measure {M} is blocked: required"):
        measures.block(started, M, KZ_ANALYST, NOW, "")
    done = in_state(plan_with(("kz-knb",)), M, S.DONE)
    with pytest.raises(PlanError, match=f"why measure {M} is reopened: required"):
        measures.reopen(done, M, CRC_COORDINATOR, NOW, " ")
    with pytest.raises(PlanError, match="at most 20000 characters"):
        measures.complete(started, M, KZ_ANALYST, NOW, "x" * 20_001)


def test_an_unknown_measure_is_named() -> None:
    with pytest.raises(MeasureNotFoundError, match="plan afg-2021: no measure 'afg-2021/9'"):
        measures.acknowledge(plan_with(("kz-knb",)), "afg-2021/9", KZ_ANALYST, NOW)


# Coordinators shape the plan ---------------------------------------------------------------


@pytest.mark.parametrize("who", [CRC_ANALYST, KZ_COORDINATOR, OPERATOR])
def test_only_a_coordinator_of_the_owner_creates_and_changes_a_plan(who: Principal) -> None:
    with pytest.raises(NotAllowedError, match=r"may not create a plan \(only a coordinator of crc"):
        new_plan(who, id="p", title="Plan", owner="crc")
    plan = plan_with(("kz-knb",))
    with pytest.raises(NotAllowedError, match="may not add a measure to plan afg-2021"):
        add_measure(plan, who, NOW, title="More", orgs=["kz-knb"], due=DUE)
    with pytest.raises(NotAllowedError, match=f"may not assign measure {M}"):
        assign(plan, M, who, NOW, ["tj-gknb"])
    with pytest.raises(NotAllowedError, match=f"may not change the dates of measure {M}"):
        set_dates(plan, M, who, DUE)


def test_a_plan_is_owned_by_its_creators_organisation_and_amber_strict_by_default() -> None:
    plan = new_plan(CRC_COORDINATOR, id="p-1", title="  Border   plan ")
    assert (plan.owner, plan.marking, plan.title, plan.created_by, plan.measures) == (
        "crc", TLP.AMBER_STRICT, "Border plan", CRC_COORDINATOR.id, (),
    )  # fmt: skip
    with pytest.raises(PlanError, match="plan id: 1 to 64 letters"):
        new_plan(CRC_COORDINATOR, id="../x", title="Plan")
    with pytest.raises(ValueError, match="plan title: expected 1 to 200 printable"):
        new_plan(CRC_COORDINATOR, id="p-1", title=" ")


def test_measures_are_numbered_and_never_reuse_a_number() -> None:
    plan = plan_with(("kz-knb",), ("tj-gknb",))
    assert [m.id for m in plan.measures] == ["afg-2021/1", "afg-2021/2"]
    fewer = replace(plan, measures=plan.measures[1:])
    more = add_measure(fewer, CRC_COORDINATOR, NOW, title="Third", orgs=["crc"], due=DUE)
    assert [m.id for m in more.measures] == ["afg-2021/2", "afg-2021/3"]
    assert more.measures[-1].critical == DUE  # the due date unless given


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"critical": DUE - timedelta(days=1)}, "critical date 2021-09-15 is before its due date"),
        (
            {"due": DUE + timedelta(days=1), "critical": CRITICAL},
            "due 2021-09-17, after the plan's",
        ),
        ({"orgs": []}, "assign the measure to one organisation at least"),
        ({"orgs": ["kz-knb", "KZ-KNB"]}, "organisations: kz-knb given twice"),
        ({"orgs": ["Kazakhstan!"]}, "organisation code: 2 to 16 letters"),
        ({"domain": "piracy"}, "unknown threat domain 'piracy' .one of armed_conflict"),
        ({"owner": user_of(TJ_ANALYST)}, "owner firuz is of tj-gknb, not of an assigned"),
        ({"owner": user_of(KZ_ANALYST, disabled=True)}, "owner nurlan is disabled"),
        ({"title": "a\x00b"}, "measure title: expected 1 to 200 printable"),
    ],
)
def test_a_measure_that_cannot_be_is_refused_by_name(change: dict[str, object], error: str) -> None:
    fields: dict[str, object] = {"title": "Patrols", "orgs": ["kz-knb"], "due": DUE} | change
    with pytest.raises(ValueError, match=error):
        add_measure(plan_with(), CRC_COORDINATOR, NOW, **fields)  # type: ignore[arg-type]


def test_a_marking_that_hides_the_plan_from_an_organisation_refuses_to_assign_it() -> None:
    strict = new_plan(CRC_COORDINATOR, id="p", title="Plan")  # AMBER+STRICT
    with pytest.raises(PlanError, match="TLP:AMBER\\+STRICT, which kz-knb may not see; mark"):
        add_measure(strict, CRC_COORDINATOR, NOW, title="Patrols", orgs=["kz-knb"], due=DUE)
    own = add_measure(strict, CRC_COORDINATOR, NOW, title="Report", orgs=["crc"], due=DUE)
    with pytest.raises(PlanError, match="which tj-gknb may not see"):
        assign(own, "p/1", CRC_COORDINATOR, NOW, ["crc", "tj-gknb"])
    red = replace(own, marking=TLP.RED)
    with pytest.raises(PlanError, match="is TLP:RED, which kz-knb may not see"):
        assign(red, "p/1", CRC_COORDINATOR, NOW, ["kz-knb"])


def test_assigning_a_new_organisation_sends_the_measure_back_to_assigned() -> None:
    plan = in_state(plan_with(("kz-knb",)), M, S.BLOCKED)
    plan = assign(plan, M, CRC_COORDINATOR, LATER, ["kz-knb", "tj-gknb"])
    measure = measure_of(plan, M)
    assert (measure.state, measure.orgs, measure.blocked_reason) == (
        S.ASSIGNED, ("kz-knb", "tj-gknb"), None,
    )  # fmt: skip
    last = measure.history[-1]
    assert (last.source, last.target, last.note) == (
        S.BLOCKED,
        S.ASSIGNED,
        "assigned to kz-knb, tj-gknb",
    )
    # Taking an organisation off keeps the state: those left have acknowledged it.
    going = in_state(plan, M, S.IN_PROGRESS)
    fewer = measure_of(assign(going, M, CRC_COORDINATOR, LATER, ["tj-gknb"]), M)
    assert (fewer.state, fewer.orgs, fewer.owner) == (S.IN_PROGRESS, ("tj-gknb",), None)


def test_a_done_measure_is_reopened_before_it_is_reassigned() -> None:
    done = in_state(plan_with(("kz-knb",)), M, S.DONE)
    with pytest.raises(TransitionError, match=r"cannot reassign from done: .* reopen it first"):
        assign(done, M, CRC_COORDINATOR, NOW, ["tj-gknb"])


def test_moving_a_due_date_moves_the_critical_date_only_when_it_must() -> None:
    plan = plan_with(("kz-knb",), critical=date(2021, 10, 1), plan_due=date(2021, 10, 31))
    earlier = measure_of(set_dates(plan, M, CRC_COORDINATOR, date(2021, 9, 20)), M)
    assert (earlier.due, earlier.critical) == (date(2021, 9, 20), date(2021, 10, 1))
    later = measure_of(set_dates(plan, M, CRC_COORDINATOR, date(2021, 10, 10)), M)
    assert (later.due, later.critical) == (date(2021, 10, 10), date(2021, 10, 10))
    with pytest.raises(PlanError, match="critical date 2021-09-01 is before its due date"):
        set_dates(plan, M, CRC_COORDINATOR, date(2021, 9, 20), date(2021, 9, 1))
