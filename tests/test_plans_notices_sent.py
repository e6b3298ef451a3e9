"""The plans' notices through the service on SQLite and PostgreSQL: each sent once across
runs, overdue and escalated measures raising alerts that name the plan and the measure (seen
only by those who see the plan), nothing for a measure that is done."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from outpost.config import Settings
from outpost.services import plan_work, plans
from outpost.services.alerts import list_alerts
from outpost.services.plan_notices import RULE, send_due_notices
from tests.plan_world import PlanWorld, build

COORD = "crc-coordinator"


@pytest.fixture
def world(settings: Settings) -> Iterator[PlanWorld]:
    made = build(settings)
    coord = made.as_(COORD)
    plans.create_plan(
        coord, "p1", "Border checks", due=date(2021, 9, 30), marking="TLP:AMBER", fixed_id=True
    )
    plan_work.add_measure(
        coord, "p1", "Close the crossing", ["kz-knb"], date(2021, 9, 16), date(2021, 9, 20)
    )
    plan_work.add_measure(coord, "p1", "Share the lists", ["tj-gkn"], date(2021, 9, 16))
    yield made
    made.ctx.engine.dispose()


def at(day: int, month: int = 9) -> datetime:
    return datetime(2021, month, day, 12, tzinfo=UTC)


def test_reminders_then_overdue_then_escalated_each_once(world: PlanWorld) -> None:
    ctx = world.ctx
    first = send_due_notices(ctx, at(10))
    assert (first.reminders, first.overdue, first.escalated) == (2, 0, 0)
    assert send_due_notices(ctx, at(10)).reminders == 0  # already sent
    late = send_due_notices(ctx, at(17))
    assert (late.reminders, late.overdue, late.escalated, late.alerts) == (0, 2, 1, 3)
    again = send_due_notices(ctx, at(18))
    assert (again.overdue, again.escalated, again.alerts) == (0, 0, 0)
    later = send_due_notices(ctx, at(21))
    assert (later.overdue, later.escalated) == (0, 1)  # the first passes its critical date
    raised = [a for a in list_alerts(world.as_(COORD), limit=None) if a.rule_id == RULE]
    titles = sorted(a.title for a in raised)
    assert len(raised) == 6  # two reminders, two overdue, two escalated
    assert (
        "Overdue: measure p1/1 «Close the crossing» of plan p1 «Border checks» was due on "
        "2021-09-16 and is not done"
    ) in titles
    assert {a.severity for a in raised if a.title.startswith("Escalated")} == {"severe"}
    assert {a.severity for a in raised if a.title.startswith("Reminder")} == {"minor"}
    assert {a.marking for a in raised} == {"TLP:AMBER"} and {a.plan for a in raised} == {"p1"}
    assert [a for a in list_alerts(ctx, limit=None) if a.rule_id == RULE] == []  # CLEAR only


def test_a_measure_done_is_left_alone(world: PlanWorld) -> None:
    kz = world.as_("kz-knb-analyst")
    for step in ("acknowledge", "start"):
        plan_work.step_measure(kz, "p1", 1, step)
    plan_work.step_measure(kz, "p1", 1, "report", report="Closed on the 15th")
    sent = send_due_notices(world.ctx, at(25))
    assert (sent.overdue, sent.escalated) == (1, 1)
    found = list_alerts(world.as_(COORD), limit=None)
    subjects = {a.subject for a in found if a.rule_id == RULE}
    assert subjects == {"p1/2/overdue/2021-09-16", "p1/2/escalated/2021-09-16"}
