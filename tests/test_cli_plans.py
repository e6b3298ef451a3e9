"""`outpost plan` against a real SQLite file and a real PostgreSQL schema: the templates;
the plans, one plan and a board as the person of OUTPOST_TOKEN (the operator alone sees
only what is CLEAR); a hidden plan refused as a missing one."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from outpost.cli import app
from outpost.config import Settings
from outpost.respond.people import principal_for
from outpost.services import plan_work, plans
from outpost.services.tokens import create_api_token
from outpost.store import people as people_store
from tests.plan_world import PlanWorld, build

runner = CliRunner()


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {"OUTPOST_DATABASE_URL": database_url, "OUTPOST_DATA_DIR": str(tmp_path)}


def run(env: dict[str, str], *args: str) -> Result:
    return runner.invoke(app, list(args), env=env)


def token_of(world: PlanWorld, username: str) -> str:
    with world.ctx.engine.connect() as conn:
        user = people_store.user_by_name(conn, username)
    assert user is not None
    return create_api_token(world.ctx.acting(principal_for(user)), "cli")[1]


def test_plan_commands_show_what_the_token_person_may_see(
    cli_env: dict[str, str], settings: Settings
) -> None:
    world = build(settings)
    coord = world.as_("crc-coordinator")
    plans.create_plan(coord, "p1", "Border checks", marking="TLP:AMBER", fixed_id=True)
    plan_work.add_measure(coord, "p1", "Close the crossing", ["kz-knb"], date(2021, 9, 16))
    plans.create_plan(coord, "p2", "Internal", marking="TLP:AMBER+STRICT", fixed_id=True)
    kz = {**cli_env, "OUTPOST_TOKEN": token_of(world, "kz-knb-analyst")}
    world.ctx.engine.dispose()

    templates = run(cli_env, "plan", "templates", "--json")
    assert templates.exit_code == 0, templates.output
    assert "afghanistan-joint-response" in [t["id"] for t in json.loads(templates.stdout)]
    assert json.loads(run(cli_env, "plan", "list", "--json").stdout)["total"] == 0
    listed = json.loads(run(kz, "plan", "list", "--json").stdout)
    assert [p["id"] for p in listed["items"]] == ["p1"]
    board = json.loads(run(kz, "plan", "board", "--json").stdout)
    assert [(b["plan"], b["next_step"]) for b in board] == [("p1", "acknowledge")]
    shown = run(kz, "plan", "show", "p1")
    assert shown.exit_code == 0 and "Close the crossing" in shown.stdout
    hidden, missing = run(kz, "plan", "show", "p2"), run(kz, "plan", "show", "nothing")
    assert hidden.exit_code == missing.exit_code == 1
    assert hidden.output == missing.output and "no plan with this id" in hidden.output
    bad = run({**cli_env, "OUTPOST_TOKEN": "not-a-token"}, "plan", "list")
    assert bad.exit_code == 2 and "OUTPOST_TOKEN" in bad.output


def test_plan_commands_change_plans_as_the_api_does(
    cli_env: dict[str, str], settings: Settings
) -> None:
    world = build(settings)
    names = ("crc-coordinator", "kz-knb-analyst", "kz-knb-viewer", "tj-gkn-analyst")
    coord, kz, viewer, tj = ({**cli_env, "OUTPOST_TOKEN": token_of(world, n)} for n in names)
    world.ctx.engine.dispose()

    def ok(env: dict[str, str], *args: str) -> dict[str, object]:
        done = run(env, "plan", *args, "--json")
        assert done.exit_code == 0, done.output
        found: dict[str, object] = json.loads(done.stdout)
        return found

    created = ok(
        coord, "create", "b1", "--title", "Border", "--due", "2021-09-30", "--marking", "TLP:AMBER"
    )
    b1 = str(created["id"])
    assert re.fullmatch(r"b1-[a-z2-9]{5}", b1), b1  # what was asked, with a random ending
    made = ok(
        coord,
        "measure",
        "add",
        b1,
        "--title",
        "Close it",
        "--org",
        "kz-knb",
        "--due",
        "2021-09-16",
        "--critical",
        "2021-09-20",
    )
    assert made["orgs"] == ["kz-knb"]
    ok(coord, "measure", "dates", b1, "1", "--due", "2021-09-15")
    for step in ("acknowledge", "start"):
        ok(kz, "measure", "step", b1, "1", step)
    done = ok(kz, "measure", "step", b1, "1", "report", "--report", "Shut", "--evidence", "Order 7")
    measure = done["measures"][0]  # type: ignore[index]
    assert measure["state"] == "done" and measure["report"] == "Shut"
    assert measure["due"] == "2021-09-15" and measure["evidence"][0]["quote"] == "Order 7"
    refused = run(viewer, "plan", "measure", "step", b1, "1", "reopen", "--note", "x")
    assert refused.exit_code == 1 and "may not reopen" in refused.output
    # Marking and sharing: tj-gkn sees the plan once named; kz-knb may tighten, not loosen.
    assert run(tj, "plan", "show", b1).exit_code == 1
    ok(coord, "share", b1, "--org", "tj-gkn")
    assert run(tj, "plan", "show", b1).exit_code == 0
    looser = run(kz, "plan", "mark", b1, "TLP:GREEN")
    assert looser.exit_code == 1, looser.output
    tighter = run(kz, "plan", "mark", b1, "TLP:AMBER+STRICT")
    assert tighter.exit_code == 0 and "no longer see" in tighter.output
    hidden = run(kz, "plan", "mark", b1, "TLP:RED")
    missing = run(kz, "plan", "mark", "none", "TLP:RED")
    assert hidden.exit_code == missing.exit_code == 1 and hidden.output == missing.output
    templated = ok(
        coord,
        "create",
        "afg",
        "--template",
        "afghanistan-joint-response",
        "--start",
        "2021-08-23",
        "--org",
        "crc",
        "--org",
        "kz-knb",
        "--marking",
        "TLP:AMBER",
    )
    assert templated["due"] == "2021-09-16" and str(templated["id"]).startswith("afg-")
    assert run(viewer, "plan", "create", "v", "--title", "V").exit_code == 1
