"""What a plan adds up to in each case (not started, in progress, done, at risk, critical),
and each organisation's board: its own measures only, in due order, with its next step."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from outpost.records import MeasureState
from outpost.respond import measures
from outpost.respond.plans import add_measure, new_plan, set_dates
from outpost.respond.rollup import PlanState, board, rollup
from tests.plan_parts import CRC_COORDINATOR, CRITICAL, DUE, KZ_ANALYST, NOW, in_state, plan_with

S = MeasureState
BEFORE = datetime(2021, 9, 10, 12, 0, tzinfo=UTC)
ON_DUE_DAY = datetime(2021, 9, 16, 23, 59, tzinfo=UTC)  # due by the end of the day: not late
DAY_AFTER = datetime(2021, 9, 17, 0, 0, tzinfo=UTC)
PAST_CRITICAL = datetime(2021, 10, 1, 0, 0, tzinfo=UTC)
ONE, TWO, THREE = "afg-2021/1", "afg-2021/2", "afg-2021/3"


def test_a_plan_nobody_took_up_is_not_started() -> None:
    up = rollup(plan_with(("kz-knb",), ("tj-gknb",)), BEFORE)
    assert up.state is PlanState.NOT_STARTED
    assert up.counts == {
        S.ASSIGNED: 2,
        S.ACKNOWLEDGED: 0,
        S.IN_PROGRESS: 0,
        S.DONE: 0,
        S.BLOCKED: 0,
    }
    assert (up.total, up.share_done, up.next_due, up.overdue, up.critical) == (2, 0.0, DUE, (), ())


def test_an_empty_plan_is_not_started() -> None:
    up = rollup(plan_with(), BEFORE)
    assert (up.state, up.total, up.share_done, up.next_due) == (PlanState.NOT_STARTED, 0, 0.0, None)


def test_a_plan_with_work_taken_up_is_in_progress() -> None:
    plan = plan_with(("kz-knb",), ("kz-knb",), ("kz-knb",), ("kz-knb",))
    plan = in_state(plan, ONE, S.DONE)
    plan = in_state(plan, TWO, S.BLOCKED)
    plan = in_state(plan, THREE, S.ACKNOWLEDGED)
    up = rollup(plan, ON_DUE_DAY)
    assert up.state is PlanState.IN_PROGRESS
    assert up.counts == {
        S.ASSIGNED: 1,
        S.ACKNOWLEDGED: 1,
        S.IN_PROGRESS: 0,
        S.DONE: 1,
        S.BLOCKED: 1,
    }
    assert up.share_done == 0.25


def test_a_plan_with_every_measure_done_is_done_even_past_its_dates() -> None:
    plan = plan_with(("kz-knb",), ("kz-knb",))
    plan = in_state(in_state(plan, ONE, S.DONE), TWO, S.DONE)
    up = rollup(plan, PAST_CRITICAL)
    assert (up.state, up.share_done, up.next_due, up.overdue) == (PlanState.DONE, 1.0, None, ())


def test_a_measure_past_its_due_date_puts_the_plan_at_risk() -> None:
    plan = plan_with(("kz-knb",), ("kz-knb",))
    plan = set_dates(plan, TWO, CRC_COORDINATOR, date(2021, 9, 1), date(2021, 9, 20))
    plan = in_state(plan, ONE, S.IN_PROGRESS)
    up = rollup(plan, DAY_AFTER - timedelta(days=10))  # 7 September: measure 2 is late
    assert (up.state, up.overdue, up.critical, up.next_due) == (
        PlanState.AT_RISK, (TWO,), (), date(2021, 9, 1),
    )  # fmt: skip
    assert rollup(plan, datetime(2021, 9, 1, 23, 0, tzinfo=UTC)).state is PlanState.IN_PROGRESS
    # Done, it no longer counts as late.
    assert rollup(in_state(plan, TWO, S.DONE), DAY_AFTER).state is PlanState.AT_RISK  # 1 is late
    both = measures.complete(in_state(plan, TWO, S.DONE), ONE, KZ_ANALYST, NOW, "Patrols doubled.")
    assert rollup(both, DAY_AFTER).state is PlanState.DONE


def test_a_measure_past_its_critical_date_makes_the_plan_critical() -> None:
    plan = in_state(plan_with(("kz-knb",), ("tj-gknb",)), ONE, S.BLOCKED)
    assert rollup(plan, datetime(2021, 9, 30, 23, 0, tzinfo=UTC)).state is PlanState.AT_RISK
    up = rollup(plan, PAST_CRITICAL)
    assert (up.state, up.overdue, up.critical) == (PlanState.CRITICAL, (ONE, TWO), (ONE, TWO))


def test_the_day_is_the_utc_day_and_a_naive_time_is_utc() -> None:
    plan = plan_with(("kz-knb",))
    dushanbe = timezone(timedelta(hours=5))
    # 17 September 02:00 in Dushanbe is still 16 September in UTC: not late yet.
    assert rollup(plan, datetime(2021, 9, 17, 2, 0, tzinfo=dushanbe)).state is PlanState.NOT_STARTED
    assert rollup(plan, datetime(2021, 9, 17, 6, 0, tzinfo=dushanbe)).state is PlanState.AT_RISK
    assert rollup(plan, datetime(2021, 9, 17, 0, 0)).state is PlanState.AT_RISK


def test_an_organisations_board_has_its_own_measures_in_due_order_with_its_next_step() -> None:
    plan = plan_with(("kz-knb",), ("kz-knb", "tj-gknb"), ("tj-gknb",), ("kz-knb",))
    plan = set_dates(plan, ONE, CRC_COORDINATOR, date(2021, 9, 10))
    plan = in_state(plan, TWO, S.IN_PROGRESS)
    plan = in_state(plan, "afg-2021/4", S.BLOCKED)
    other = new_plan(CRC_COORDINATOR, id="border", title="Border", due=date(2021, 9, 12))
    other = add_measure(
        other, CRC_COORDINATOR, NOW, title="Report", orgs=["crc"], due=date(2021, 9, 12)
    )
    kz = board([plan, other], "kz-knb", datetime(2021, 9, 11, tzinfo=UTC))
    assert [(i.measure.id, i.next_step, i.overdue) for i in kz] == [
        (ONE, "acknowledge", True),
        (TWO, "report", False),
        ("afg-2021/4", "unblock", False),
    ]
    tj = board([plan, other], "tj-gknb", datetime(2021, 9, 11, tzinfo=UTC))
    assert [(i.measure.id, i.next_step) for i in tj] == [(TWO, "report"), (THREE, "acknowledge")]
    crc = board([plan, other], "crc", datetime(2021, 9, 11, tzinfo=UTC))
    assert [(i.plan, i.plan_title, i.measure.title) for i in crc] == [
        ("border", "Border", "Report")
    ]
    assert board([plan], "ru-fsb", BEFORE) == []


def test_the_board_shows_the_next_step_through_the_whole_life() -> None:
    plan = plan_with(("kz-knb",))
    seen = []
    for step in ("acknowledge", "start", "block", "unblock", "report"):
        seen.append(board([plan], "kz-knb", BEFORE)[0].next_step)
        plan = measures.move(plan, ONE, step, KZ_ANALYST, NOW, reason="r", report="r")
    seen.append(board([plan], "kz-knb", PAST_CRITICAL)[0].next_step)
    assert seen == ["acknowledge", "start", "report", "unblock", "report", None]
    done = board([plan], "kz-knb", PAST_CRITICAL)[0]
    assert (done.overdue, done.critical) == (False, False)
    assert PAST_CRITICAL.date() > CRITICAL  # the premise: done measures are never late
