"""`outpost events`: the structured events found in the stored articles."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from outpost.cli.app import command
from outpost.cli.context import context
from outpost.cli.dates import day
from outpost.cli.output import JsonOpt, out, print_json
from outpost.records import EventRow
from outpost.serialize import event_json
from outpost.services.events import read_events
from outpost.store.facts import EventFilter
from outpost.terminal import shown


@command("events")
def events_cli(
    type: Annotated[
        str | None, typer.Option("--type", help="Event type, e.g. ARMED_CLASH.")
    ] = None,
    domain: Annotated[
        str | None, typer.Option(help="Threat domain, e.g. drug_trafficking.")
    ] = None,
    country: Annotated[str | None, typer.Option(help="ISO 3166-1 alpha-2 country code.")] = None,
    actor: Annotated[str | None, typer.Option(help="KB id of an actor or target.")] = None,
    since: Annotated[str | None, typer.Option(help="Event date on or after (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option(help="Event date before (YYYY-MM-DD).")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 100,
    as_json: JsonOpt = False,
) -> None:
    """List the events found in stored articles, newest first."""
    f = EventFilter(
        type, domain, country, actor, day(since, "--since"), day(until, "--until"), limit
    )
    rows = read_events(context(), f)
    if as_json:
        print_json([event_json(r) for r in rows])
        return
    out.print(events_table(rows))


def events_table(rows: list[EventRow]) -> Table:
    """Events, one row each: when, what, where, then who did it to whom, the threat domains
    and the sentence that proves it (wrapped, so it reads on a narrow terminal too)."""
    table = Table(title=f"{len(rows)} events")
    table.add_column("when", no_wrap=True)
    table.add_column("what / where", no_wrap=True)
    table.add_column("who → whom · domains · evidence", ratio=1)
    for r in rows:
        where = (r.place or {}).get("name", "") if r.place else ""
        when = shown(r.date or "")
        if r.deadline:
            when += f"\nby {shown(r.deadline)}"
        parties = f"{', '.join(r.actors) or '?'} → {', '.join(r.targets) or '?'}"
        domains = f" · {shown(', '.join(r.domains))}" if r.domains else ""
        table.add_row(
            when,
            f"{shown(r.type)} ({r.score:.2f})\n{shown(where)} {shown(r.country or '')}",
            f"[bold]{shown(parties)}[/]{domains}\n[dim]{shown(r.evidence[:200])}[/]",
        )
    return table
