"""`outpost plan`: the plan templates, the plans one may see, one plan, an organisation's
board. Thin: the services decide what is seen.

The command acts as the person of the API token in OUTPOST_TOKEN (an environment variable,
so the secret shows in no process list); without one, as the local operator, a person of no
organisation, who sees what is marked TLP:CLEAR only.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated

import typer
from rich.table import Table

from outpost.cli.context import acting
from outpost.cli.output import JsonOpt, err, out, print_json
from outpost.records import Measure, StoredPlan
from outpost.respond.checks import InvalidError
from outpost.respond.people import PeopleError
from outpost.respond.rollup import BoardItem
from outpost.services import plans
from outpost.services.paging import Window
from outpost.terminal import shown

group = typer.Typer(
    name="plan",
    help="Joint response plans: templates, the plans you may see, one plan, a board.",
    no_args_is_help=True,
)


@contextmanager
def refused() -> Iterator[None]:
    """Not found, not allowed, bad input: one red line and exit status 1."""
    try:
        yield
    except (PeopleError, InvalidError) as exc:
        err.print(f"[red]{shown(exc)}[/]", soft_wrap=True)
        raise typer.Exit(1) from None


@group.command("templates")
def templates_cli(as_json: JsonOpt = False) -> None:
    """The plan templates: standard procedures with their measures."""
    found = plans.templates()
    if as_json:
        print_json([{"id": t.id, "title": t.title, "measures": len(t.measures)} for t in found])
        return
    table = Table(title=f"{len(found)} plan templates")
    for column in ("id", "title", "measures"):
        table.add_column(column)
    for t in found:
        table.add_row(shown(t.id), shown(t.title), str(len(t.measures)))
    out.print(table)


@group.command("list")
def list_cli(
    limit: Annotated[int, typer.Option(min=1, max=500)] = 50, as_json: JsonOpt = False
) -> None:
    """The plans you may see, latest change first."""
    with refused():
        page = plans.page_plans(acting(), Window(limit=limit))
    if as_json:
        print_json({"total": page.total, "items": [plan_json(p) for p in page.items]})
        return
    table = Table(title=f"{page.total} plans")
    for column in ("id", "title", "owner", "marking", "due", "measures"):
        table.add_column(column)
    for p in page.items:
        due = p.plan.due.isoformat() if p.plan.due else ""
        row = (p.plan.id, p.plan.title, p.sharing.owner_org, p.sharing.marking, due)
        table.add_row(*(shown(v) for v in row), str(len(p.plan.measures)))
    out.print(table)


@group.command("show")
def show_cli(plan_id: str, as_json: JsonOpt = False) -> None:
    """One plan with its measures."""
    with refused():
        found = plans.get_plan(acting(), plan_id)
    if as_json:
        print_json(plan_json(found))
        return
    show_plan(found)


def show_plan(found: StoredPlan) -> None:
    """The plan and its measures as a table."""
    plan = found.plan
    out.print(f"[bold]{shown(plan.title)}[/] ({shown(plan.id)}, {found.sharing.marking})")
    table = Table(title=f"owned by {shown(plan.owner)}; due {plan.due or '-'}")
    for column in ("#", "measure", "organisations", "due", "critical", "state"):
        table.add_column(column)
    for m in plan.measures:
        row = (m.id.rsplit("/", 1)[1], m.title, ", ".join(m.orgs))
        table.add_row(*(shown(v) for v in row), str(m.due), str(m.critical), m.state.value)
    out.print(table)


@group.command("board")
def board_cli(
    org: Annotated[str | None, typer.Option(help="Organisation code (default: yours).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """The measures assigned to an organisation, earliest due first, with its next step."""
    with refused():
        items = plans.org_board(acting(), org)
    if as_json:
        print_json([board_json(i) for i in items])
        return
    table = Table(title=f"{len(items)} measures")
    for column in ("plan", "measure", "due", "state", "next", "late"):
        table.add_column(column)
    for i in items:
        late = "critical" if i.critical else "overdue" if i.overdue else ""
        m = i.measure
        cells = (i.plan, m.title, str(m.due), m.state.value, i.next_step or "", late)
        table.add_row(*(shown(c) for c in cells))
    out.print(table)


def measure_json(m: Measure) -> dict[str, object]:
    return {
        "id": m.id,
        "title": m.title,
        "orgs": list(m.orgs),
        "due": m.due.isoformat(),
        "critical": m.critical.isoformat(),
        "state": m.state.value,
        "report": m.report,
        "blocked_reason": m.blocked_reason,
        "evidence": [
            {"article": e.article, "event": e.event, "quote": e.quote} for e in m.evidence
        ],
    }


def plan_json(p: StoredPlan) -> dict[str, object]:
    due: date | None = p.plan.due
    return {
        "id": p.plan.id,
        "title": p.plan.title,
        "owner": p.sharing.owner_org,
        "marking": p.sharing.marking,
        "orgs": list(p.sharing.orgs),
        "due": due.isoformat() if due else None,
        "measures": [measure_json(m) for m in p.plan.measures],
    }


def board_json(i: BoardItem) -> dict[str, object]:
    late = {"overdue": i.overdue, "critical": i.critical}
    return {"plan": i.plan, "measure": measure_json(i.measure), "next_step": i.next_step, **late}


# The commands that change plans register on `group` (kept apart: this module reads).
from outpost.cli import plan_changes  # noqa: E402, F401
