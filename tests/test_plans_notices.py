"""The time rules: reminders before the due date, the overdue alert to the plan's
coordinators, the escalation past the critical date to them and the centre; each at its
time, to its people, and never twice with the same key, however often or late it runs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outpost.records import MeasureState, Plan
from outpost.respond.notices import Notice, NoticeKind, due_notices
from outpost.respond.people import Role
from outpost.respond.plans import PlanError, assign, set_dates
from tests.plan_parts import (
    CRC_COORDINATOR,
    CRITICAL,
    DUE,
    KZ_ANALYST,
    NOW,
    in_state,
    plan_with,
    user_of,
)

M = "afg-2021/1"
REMIND, LATE, ESCALATE = NoticeKind.REMINDER, NoticeKind.OVERDUE, NoticeKind.ESCALATED


def run(
    plan: Plan, start: datetime, end: datetime, every: timedelta, **options: object
) -> list[tuple[date, Notice]]:
    """Run the rules from `start` to `end` as a service would, remembering what it sent;
    each notice with the day it went out."""
    sent: set[str] = set()
    out = []
    at = start
    while at <= end:
        for notice in due_notices(plan, at, sent, **options):
            assert notice.key not in sent
            sent.add(notice.key)
            out.append((at.date(), notice))
        at += every
    return out


def test_every_notice_goes_out_once_on_its_day() -> None:
    plan = plan_with(("kz-knb", "tj-gknb"))
    start = datetime(2021, 8, 23, tzinfo=UTC)
    went = run(plan, start, datetime(2021, 10, 15, tzinfo=UTC), timedelta(hours=1), centre="crc")
    assert [(day, n.kind, n.days_before, n.on, n.key) for day, n in went] == [
        (date(2021, 9, 9), REMIND, 7, DUE, f"{M}/reminder-7d/2021-09-16"),
        (date(2021, 9, 15), REMIND, 1, DUE, f"{M}/reminder-1d/2021-09-16"),
        (date(2021, 9, 17), LATE, None, DUE, f"{M}/overdue/2021-09-16"),
        (date(2021, 10, 1), ESCALATE, None, CRITICAL, f"{M}/escalated/2021-09-30"),
    ]


def test_each_notice_goes_to_its_people() -> None:
    owner = user_of(KZ_ANALYST)
    plan = assign(plan_with(("kz-knb",)), M, CRC_COORDINATOR, NOW, ["kz-knb", "tj-gknb"], owner)
    late = datetime(2021, 10, 2, tzinfo=UTC)
    reminder = due_notices(plan, datetime(2021, 9, 15, tzinfo=UTC), set())[0]
    assert (reminder.orgs, reminder.role, reminder.user) == (
        ("kz-knb", "tj-gknb"),
        Role.ANALYST,
        owner.id,
    )
    overdue, escalated = due_notices(plan, late, set(), centre="csto-crc")
    assert (overdue.kind, overdue.orgs, overdue.role, overdue.user) == (
        LATE,
        ("crc",),
        Role.COORDINATOR,
        None,
    )
    assert (escalated.kind, escalated.orgs, escalated.role) == (
        ESCALATE,
        ("crc", "csto-crc"),
        Role.COORDINATOR,
    )
    # Without a centre (or when the owner is the centre) the owner's coordinators alone.
    assert [n.orgs for n in due_notices(plan, late, set())] == [("crc",), ("crc",)]
    assert (overdue.plan, overdue.measure, overdue.title) == ("afg-2021", M, "Measure 1")


def test_a_late_first_run_sends_the_nearest_reminder_not_every_missed_one() -> None:
    plan = plan_with(("kz-knb",))
    three_days_before = due_notices(plan, datetime(2021, 9, 13, tzinfo=UTC), set())
    assert [n.key for n in three_days_before] == [f"{M}/reminder-7d/2021-09-16"]
    on_the_day = due_notices(plan, datetime(2021, 9, 16, 20, tzinfo=UTC), set())
    assert [n.key for n in on_the_day] == [f"{M}/reminder-1d/2021-09-16"]
    # Back after a long pause, past the critical date: the alert and the escalation at once.
    back = due_notices(plan, datetime(2021, 11, 1, tzinfo=UTC), set())
    assert [n.kind for n in back] == [LATE, ESCALATE]


def test_after_a_restart_the_same_keys_are_due_and_the_sent_ones_stay_silent() -> None:
    plan = plan_with(("kz-knb",), ("tj-gknb",))
    at = datetime(2021, 10, 3, tzinfo=UTC)
    first = due_notices(plan, at, set())
    again = due_notices(plan, at, set())
    assert first == again and len({n.key for n in first}) == len(first) == 4
    assert due_notices(plan, at, {n.key for n in first}) == []
    assert due_notices(plan, at + timedelta(days=30), {n.key for n in first}) == []


def test_a_done_measure_has_no_notices_and_other_states_all_do() -> None:
    late = datetime(2021, 10, 3, tzinfo=UTC)
    for state in MeasureState:
        plan = in_state(plan_with(("kz-knb",)), M, state)
        found = due_notices(plan, late, set())
        assert [n.kind for n in found] == (
            [] if state is MeasureState.DONE else [LATE, ESCALATE]
        ), state


def test_a_moved_due_date_brings_new_reminders_and_alerts() -> None:
    plan = plan_with(("kz-knb",), plan_due=date(2021, 12, 31))
    sent = {n.key for n in due_notices(plan, datetime(2021, 9, 17, tzinfo=UTC), set())}
    assert sent == {f"{M}/overdue/2021-09-16"}
    moved = set_dates(plan, M, CRC_COORDINATOR, date(2021, 9, 20), date(2021, 10, 31))
    found = due_notices(moved, datetime(2021, 9, 19, tzinfo=UTC), sent)
    assert [n.key for n in found] == [f"{M}/reminder-1d/2021-09-20"]
    late = due_notices(moved, datetime(2021, 9, 21, tzinfo=UTC), sent)
    assert [n.key for n in late] == [f"{M}/overdue/2021-09-20"]


def test_reminder_days_are_configurable_and_checked() -> None:
    plan = plan_with(("kz-knb",))
    went = run(plan, datetime(2021, 8, 23, tzinfo=UTC), datetime(2021, 9, 16, tzinfo=UTC),
               timedelta(days=1), reminders=(14, 3, 0))  # fmt: skip
    assert [(day, n.days_before) for day, n in went] == [
        (date(2021, 9, 2), 14), (date(2021, 9, 13), 3), (date(2021, 9, 16), 0),
    ]  # fmt: skip
    assert run(plan, datetime(2021, 9, 1, tzinfo=UTC), datetime(2021, 9, 16, tzinfo=UTC),
               timedelta(days=1), reminders=()) == []  # fmt: skip
    with pytest.raises(PlanError, match=r"whole numbers >= 0: \[-1\]"):
        due_notices(plan, NOW, set(), reminders=(7, -1))
    with pytest.raises(PlanError, match="given twice"):
        due_notices(plan, NOW, set(), reminders=(7, 7))
    with pytest.raises(ValueError, match="organisation code"):
        due_notices(plan, NOW, set(), centre="The Centre")


@settings(max_examples=60, deadline=None)
@given(
    hours=st.lists(st.integers(0, 24 * 60), min_size=1, max_size=40),
    due_offset=st.integers(0, 40),
    grace=st.integers(0, 20),
)
def test_whenever_it_runs_each_key_goes_out_once_and_only_when_due(
    hours: list[int], due_offset: int, grace: int
) -> None:
    due = date(2021, 8, 23) + timedelta(days=due_offset)
    plan = plan_with(
        ("kz-knb",), due=due, critical=due + timedelta(days=grace), plan_due=date(2022, 1, 1)
    )
    start = datetime(2021, 8, 23, tzinfo=UTC)
    sent: set[str] = set()
    for at in sorted(start + timedelta(hours=h) for h in hours):
        for notice in due_notices(plan, at, sent):
            assert notice.key not in sent
            sent.add(notice.key)
            today = at.date()
            if notice.kind is REMIND:
                assert due - timedelta(days=notice.days_before or 0) <= today <= due
            elif notice.kind is LATE:
                assert today > due
            else:
                assert today > due + timedelta(days=grace)
    last = max(start + timedelta(hours=h) for h in hours).date()
    # Whatever the times of the runs, a run after a date has sent what that date calls for.
    assert (f"{M}/overdue/{due}" in sent) == (last > due)
    assert (f"{M}/escalated/{due + timedelta(days=grace)}" in sent) == (
        last > due + timedelta(days=grace)
    )
