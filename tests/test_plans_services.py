"""Plans through the services on SQLite and PostgreSQL: made from the template and by hand,
measures assigned and moved by the organisations they are assigned to, each organisation's
board, a hidden plan answered as one that does not exist, every change audited."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from outpost.config import Settings
from outpost.records import MeasureState
from outpost.respond.checks import InvalidError
from outpost.respond.people import NotAllowedError, NotFoundError
from outpost.respond.rollup import PlanState
from outpost.services import plan_work, plans
from outpost.services.audit import list_audit
from outpost.services.paging import Window
from tests.plan_world import PlanWorld, build

COORD = "crc-coordinator"
START = date(2021, 8, 23)


@pytest.fixture
def world(settings: Settings) -> Iterator[PlanWorld]:
    made = build(settings)
    yield made
    made.ctx.engine.dispose()


def seed(world: PlanWorld, marking: str = "TLP:AMBER") -> str:
    made = plans.create_from_template(
        world.as_(COORD),
        "afghanistan-joint-response",
        "afg-2021",
        START,
        ["crc", "kz-knb", "tj-gkn"],
        marking=marking,
    )
    return made.plan.id


def test_a_plan_from_the_template_is_seen_by_the_organisations_it_names(world: PlanWorld) -> None:
    plan_id = seed(world)
    for user in ("crc-viewer", "kz-knb-viewer", "tj-gkn-analyst"):
        found = plans.get_plan(world.as_(user), plan_id)
        assert found.plan.due == date(2021, 9, 16)
        assert found.sharing.orgs == ("kz-knb", "tj-gkn")
        assigned = {m.orgs for m in found.plan.measures}
        assert assigned == {("kz-knb", "tj-gkn"), ("crc",)}
    page = plans.page_plans(world.as_("kz-knb-viewer"), Window())
    assert [p.plan.id for p in page.items] == [plan_id] and page.total == 1


def test_a_hidden_plan_is_not_found_like_a_missing_one(world: PlanWorld) -> None:
    plan_id = seed(world, marking="TLP:AMBER")
    made = plans.create_plan(world.as_(COORD), "strict", "Internal", marking="TLP:AMBER+STRICT")
    kz = world.as_("kz-knb-analyst")
    errors = []
    for ident in (made.plan.id, "no-such-plan"):
        with pytest.raises(NotFoundError) as raised:
            plans.get_plan(kz, ident)
        errors.append(str(raised.value))
    assert errors[0] == errors[1]
    with pytest.raises(NotFoundError):
        plan_work.step_measure(kz, made.plan.id, 1, "acknowledge")
    assert plans.page_plans(kz, Window()).total == 1
    assert plans.page_plans(world.ctx, Window()).total == 0  # the operator: CLEAR only
    assert plans.get_plan(world.as_("crc-viewer"), made.plan.id).plan.title == "Internal"
    assert re.fullmatch(r"afg-2021-[a-z2-9]{5}", plan_id), plan_id


def test_measures_go_through_their_life_by_those_assigned(world: PlanWorld) -> None:
    plan_id = seed(world)
    kz, tj = world.as_("kz-knb-analyst"), world.as_("tj-gkn-analyst")
    plan_work.step_measure(kz, plan_id, 1, "acknowledge")
    plan_work.step_measure(kz, plan_id, 1, "start")
    plan_work.step_measure(tj, plan_id, 1, "block", reason="waiting for border data")
    with pytest.raises(InvalidError, match="cannot go from blocked to done"):
        plan_work.step_measure(tj, plan_id, 1, "report", report="done")
    plan_work.step_measure(tj, plan_id, 1, "unblock")
    done = plan_work.step_measure(kz, plan_id, 1, "report", report="Joint exercise held")
    measure = done.plan.measures[0]
    assert measure.state is MeasureState.DONE and measure.report == "Joint exercise held"
    assert [t.target for t in measure.history] == [
        MeasureState.ASSIGNED,
        MeasureState.ACKNOWLEDGED,
        MeasureState.IN_PROGRESS,
        MeasureState.BLOCKED,
        MeasureState.IN_PROGRESS,
        MeasureState.DONE,
    ]
    with pytest.raises(NotAllowedError):
        plan_work.step_measure(kz, plan_id, 1, "reopen", note="not enough")
    again = plan_work.step_measure(world.as_(COORD), plan_id, 1, "reopen", note="not enough")
    assert again.plan.measures[0].state is MeasureState.IN_PROGRESS
    with pytest.raises(NotAllowedError):
        plan_work.step_measure(world.as_("kz-knb-viewer"), plan_id, 2, "acknowledge")
    actions = [e.action for e in list_audit(world.ctx, limit=200)]
    for action in ("plan.create", "plan.measure.acknowledge", "plan.measure.block"):
        assert action in actions
    assert actions.count("plan.measure.report") == 1


def test_each_member_state_sees_only_its_own_board(world: PlanWorld) -> None:
    coord = world.as_(COORD)
    plans.create_plan(
        coord, "p1", "Border checks", due=date(2021, 9, 30), marking="TLP:AMBER", fixed_id=True
    )
    plan_work.add_measure(
        coord, "p1", "Close the crossing", ["kz-knb"], date(2021, 9, 10), date(2021, 9, 20)
    )
    plan_work.add_measure(coord, "p1", "Share the lists", ["crc"], date(2021, 9, 12))
    kz, tj = world.as_("kz-knb-analyst"), world.as_("tj-gkn-analyst")
    now = datetime(2021, 9, 1, tzinfo=UTC)
    board = plans.org_board(kz, now=now)
    assert [i.measure.title for i in board] == ["Close the crossing"]
    assert board[0].next_step == "acknowledge"
    assert plans.org_board(tj, now=now) == []  # the plan names only kz-knb
    assert plans.org_board(tj, "kz-knb", now=now) == []  # nor through another's board
    with pytest.raises(NotFoundError):
        plans.get_plan(tj, "p1")
    assigned = plan_work.assign_measure(coord, "p1", 2, ["crc", "tj-gkn"])
    assert assigned.sharing.orgs == ("kz-knb", "tj-gkn")
    assert [i.measure.title for i in plans.org_board(tj, now=now)] == ["Share the lists"]
    late = plans.plan_rollup(coord, "p1", datetime(2021, 9, 11, tzinfo=UTC))
    assert late.state is PlanState.AT_RISK and late.overdue == ("p1/1",)


def test_a_plan_id_is_what_was_asked_with_a_random_ending_that_no_plan_has(
    world: PlanWorld,
) -> None:
    """Ids are one namespace for every organisation: were one taken as asked, a refusal
    would tell who may not see the plan that took it that it exists."""
    hidden = plans.create_plan(
        world.as_(COORD), "border", "Internal", marking="TLP:RED", fixed_id=True
    )
    assert hidden.plan.id == "border"
    ours = world.as_(COORD)
    asked = [plans.create_plan(ours, "border", "Ours", marking="TLP:AMBER") for _ in range(3)]
    made = [p.plan.id for p in asked]
    assert all(re.fullmatch(r"border-[a-z2-9]{5}", i) for i in made) and len(set(made)) == 3
    named = plans.create_plan(ours, None, "Joint response: Afghanistan, 2021!")
    assert re.fullmatch(r"joint-response-afghanistan-2021-[a-z2-9]{5}", named.plan.id)
    cyrillic = plans.create_plan(ours, "", "Совместные меры")
    assert re.fullmatch(r"plan-[a-z2-9]{5}", cyrillic.plan.id)
    long = plans.create_plan(ours, "x" * 64, "Long")
    assert len(long.plan.id) == 64 and long.plan.id.startswith("x" * 58 + "-")
    templated = plans.create_from_template(
        ours, "afghanistan-joint-response", None, START, ["crc", "kz-knb"], marking="TLP:AMBER"
    )
    assert re.fullmatch(r"afghanistan-joint-response-[a-z2-9]{5}", templated.plan.id)
    assert plans.get_plan(ours, made[0]).plan.title == "Ours"


def test_bad_input_is_named(world: PlanWorld) -> None:
    coord = world.as_(COORD)
    with pytest.raises(InvalidError, match="template: no template"):
        plans.create_from_template(coord, "nope", "x", START, ["kz-knb"])
    with pytest.raises(InvalidError, match="orgs: no organisation 'xx'"):
        plans.create_from_template(coord, "afghanistan-joint-response", "x", START, ["xx"])
    plans.create_plan(coord, "p1", "One", marking="TLP:AMBER", fixed_id=True)
    with pytest.raises(InvalidError, match="'p1' is taken"):
        plans.create_plan(coord, "p1", "Two", fixed_id=True)
    with pytest.raises(InvalidError, match="plan id: 1 to 64 letters"):
        plans.create_plan(coord, "no spaces", "Three")
    with pytest.raises(InvalidError, match="no organisation"):
        plan_work.add_measure(coord, "p1", "Something", ["zz-none"], date(2021, 9, 1))
    with pytest.raises(NotAllowedError):
        plans.create_plan(world.as_("kz-knb-analyst"), "p2", "Mine")
    with pytest.raises(NotFoundError, match="no measure"):
        plan_work.step_measure(coord, "p1", 9, "reopen", note="x")
