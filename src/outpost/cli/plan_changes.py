"""`outpost plan create|mark|share` and `outpost plan measure add|assign|dates|step`: the
changes of a plan, as the person of OUTPOST_TOKEN (see outpost.cli.plans), by the same
service functions and rules as /api/v1/plans. Each prints the plan as it is after the change
(as `plan show`), or nothing when the change took it out of the person's sight.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from outpost.cli.context import acting
from outpost.cli.dates import day
from outpost.cli.output import JsonOpt, out, print_json
from outpost.cli.plans import group, plan_json, refused, show_plan
from outpost.records import Evidence, StoredPlan
from outpost.respond.checks import InvalidError
from outpost.services import plan_sharing, plan_work
from outpost.services import plans as service

measure = typer.Typer(
    name="measure",
    help="Add a measure to a plan, assign it, date it, take a step of its life.",
    no_args_is_help=True,
)
group.add_typer(measure)

Orgs = Annotated[list[str], typer.Option("--org", help="Organisation code; repeat for more.")]
Marking = Annotated[str | None, typer.Option(help="TLP:CLEAR ... TLP:RED (default AMBER+STRICT).")]


@group.command("create")
def create_cli(
    plan_id: Annotated[
        str | None,
        typer.Argument(help="How its id begins (a random ending is added); default: the title."),
    ] = None,
    title: Annotated[str | None, typer.Option(help="Required unless --template.")] = None,
    template: Annotated[str | None, typer.Option(help="A template id (plan templates).")] = None,
    start: Annotated[str | None, typer.Option(help="With --template: YYYY-MM-DD.")] = None,
    draft: Annotated[
        bool, typer.Option(help="A draft from the decisions with a deadline (see --event).")
    ] = False,
    event: Annotated[
        list[int] | None, typer.Option(help="With --draft: an event id; repeat (default: all).")
    ] = None,
    org: Orgs = [],  # noqa: B006 - typer reads the default, never mutates it
    description: str = "",
    due: Annotated[str | None, typer.Option(help="YYYY-MM-DD.")] = None,
    marking: Marking = None,
    as_json: JsonOpt = False,
) -> None:
    """Make a plan of your organisation (coordinators): from a template, drafted from the
    decisions the analysis found, or empty. Prints its id: what was asked with a random
    ending, so that no answer tells of a plan you may not see."""
    with refused():
        ctx = acting()
        if template is not None:
            begins = day(start, "--start")
            if begins is None:
                raise InvalidError("--start: required with --template (the day it starts)")
            made = service.create_from_template(
                ctx, template, plan_id, begins, org, marking, decisions=True
            )
        elif title is None:
            raise InvalidError("--title: required for a plan not made from a template")
        elif draft:
            made = service.draft_from_events(ctx, plan_id, title, event, org or None, marking)
        else:
            when = day(due, "--due")
            made = service.create_plan(ctx, plan_id, title, description, when, marking)
    _print(made, as_json)


@group.command("mark")
def mark_cli(plan_id: str, marking: str, as_json: JsonOpt = False) -> None:
    """Tighten the plan's marking (anyone who sees it) or loosen it (its owner's
    coordinators)."""
    with refused():
        after = plan_sharing.mark_plan(acting(), plan_id, marking)
    _print(after, as_json)


@group.command("share")
def share_cli(
    plan_id: str,
    org: Orgs = [],  # noqa: B006
    person: Annotated[list[str], typer.Option(help="A username; repeat for more.")] = [],  # noqa: B006
    remove: Annotated[bool, typer.Option(help="Remove these names instead.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Name organisations (TLP:AMBER) and people (TLP:RED) on the plan, or remove them (its
    owner's coordinators)."""
    with refused():
        after = plan_sharing.share_plan(acting(), plan_id, org, person, remove)
    _print(after, as_json)


@measure.command("add")
def add_cli(
    plan_id: str,
    title: Annotated[str, typer.Option()],
    due: Annotated[str, typer.Option(help="YYYY-MM-DD.")],
    org: Orgs = [],  # noqa: B006
    critical: Annotated[str | None, typer.Option(help="YYYY-MM-DD (default: --due).")] = None,
    owner: Annotated[str | None, typer.Option(help="A username of an assigned org.")] = None,
    description: str = "",
    domain: Annotated[str | None, typer.Option(help="A threat domain.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a measure to the plan, assigned to --org (its owner's coordinators)."""
    with refused():
        ctx, when = acting(), _due(due)
        made = plan_work.add_measure(
            ctx, plan_id, title, org, when, day(critical, "--critical"), description, owner, domain
        )
    _print(made, as_json)


@measure.command("assign")
def assign_cli(
    plan_id: str,
    number: int,
    org: Orgs = [],  # noqa: B006
    owner: Annotated[str | None, typer.Option(help="A username of an assigned org.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Assign the measure to --org, and a person who answers for it (its owner's
    coordinators)."""
    with refused():
        _print(plan_work.assign_measure(acting(), plan_id, number, org, owner), as_json)


@measure.command("dates")
def dates_cli(
    plan_id: str,
    number: int,
    due: Annotated[str, typer.Option(help="YYYY-MM-DD.")],
    critical: Annotated[str | None, typer.Option(help="YYYY-MM-DD (default: --due).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Set the measure's due and critical dates (its owner's coordinators)."""
    with refused():
        ctx, when = acting(), _due(due)
        changed = plan_work.date_measure(ctx, plan_id, number, when, day(critical, "--critical"))
    _print(changed, as_json)


@measure.command("step")
def step_cli(
    plan_id: str,
    number: int,
    step: Annotated[str, typer.Argument(help=", ".join(plan_work.STEPS))],
    note: str = "",
    report: Annotated[str | None, typer.Option(help="To report it done.")] = None,
    reason: Annotated[str | None, typer.Option(help="To say it is blocked.")] = None,
    evidence: Annotated[
        list[str], typer.Option(help="With report: a reference or sentence; repeat.")
    ] = [],  # noqa: B006
    as_json: JsonOpt = False,
) -> None:
    """Take a step of the measure's life: acknowledge, start, report, block, unblock (its
    assigned organisations); reopen (the plan's owner's coordinators)."""
    shown = tuple(Evidence(quote=e) for e in evidence if e.strip())
    with refused():
        ctx = acting()
        moved = plan_work.step_measure(ctx, plan_id, number, step, note, report, reason, shown)
    _print(moved, as_json)


def _due(value: str) -> date:
    found = day(value, "--due")
    if found is None:
        raise InvalidError("--due: the day the measure is due, as YYYY-MM-DD")
    return found


def _print(found: StoredPlan | None, as_json: bool) -> None:
    if found is None:
        out.print("Changed; you no longer see this plan.")
        return
    if as_json:
        print_json(plan_json(found))
        return
    show_plan(found)
