"""The demo's seed plan: made by the centre's coordinator from the template after the demo's
people, AMBER, its measures for both member states, found again on a second run; and the
demo itself printing it with the seed articles' decision as evidence."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from outpost.config import Settings
from outpost.respond.people import NotFoundError, principal_for
from outpost.services import plans
from outpost.services.context import Context, operator
from outpost.services.demo_people import seed_demo_people
from outpost.services.demo_plans import PLAN_ID, seed_demo_plan
from outpost.services.paging import Window
from outpost.store import connect
from outpost.store import people as people_store


@pytest.fixture
def ctx(settings: Settings) -> Iterator[Context]:
    engine = connect(settings.database_url)
    yield Context(engine, settings, operator())
    engine.dispose()


def as_user(ctx: Context, username: str) -> Context:
    with ctx.engine.connect() as conn:
        user = people_store.user_by_name(conn, username)
    assert user is not None
    return ctx.acting(principal_for(user))


def test_the_seed_plan_is_made_once_for_both_member_states(ctx: Context) -> None:
    with pytest.raises(NotFoundError, match="make the demo's people first"):
        seed_demo_plan(ctx)
    seed_demo_people(ctx)
    first = seed_demo_plan(ctx)
    again = seed_demo_plan(ctx)
    assert again == first
    plan = first.plan
    assert plan.title == "Joint response measures to the threats coming from Afghanistan"
    assert plan.due == date(2021, 9, 16) and plan.owner == "crc"
    assert first.sharing.marking == "TLP:AMBER"
    assert first.sharing.orgs == ("kz-knb", "tj-gkn")
    assert plan.created_by == "user:crc.coordinator"
    for analyst, org in (("kz.analyst", "kz-knb"), ("tj.analyst", "tj-gkn")):
        board = plans.org_board(as_user(ctx, analyst))
        assert board and all(org in i.measure.orgs for i in board)
    assert plans.page_plans(ctx, Window()).total == 0  # the operator: CLEAR only


def test_the_demo_prints_the_seed_plan_with_the_decision_as_evidence(tmp_path: Path) -> None:
    env = {**os.environ, "OUTPOST_DATA_DIR": str(tmp_path)}
    env.pop("OUTPOST_DATABASE_URL", None)
    command = [sys.executable, "-m", "outpost", "demo", "--no-serve", "--json"]
    for _ in range(2):  # a second run starts again from the samples, and does not fail
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)["plans"]
    assert [p["id"] for p in shown] == [PLAN_ID]
    assert shown[0]["due"] == "2021-09-16" and shown[0]["marking"] == "TLP:AMBER"
    quotes = [e["quote"] for m in shown[0]["measures"] for e in m["evidence"]]
    assert any("September 16" in q for q in quotes), quotes
