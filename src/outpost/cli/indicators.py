"""`outpost indicators`: daily counts per series against their baselines."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from outpost.cli.app import command
from outpost.cli.context import context
from outpost.cli.dates import day as parse_day
from outpost.cli.output import JsonOpt, out, print_json
from outpost.records import Reading
from outpost.serialize import reading_json
from outpost.services.indicators import MEASURES, read_indicators
from outpost.terminal import shown
from outpost.warn.indicators import KINDS, MIN_HISTORY

SPARKS = " ▁▂▃▄▅▆▇█"


def sparkline(values: list[int]) -> str:
    top = max(values, default=0)
    if top == 0:
        return SPARKS[0] * len(values)
    return "".join(SPARKS[round(v / top * (len(SPARKS) - 1))] for v in values)


@command("indicators")
def indicators_cli(
    kind: Annotated[str, typer.Option(help="country, admin1, domain or event_type.")] = "country",
    day: Annotated[
        str | None, typer.Option(help="The day to read (YYYY-MM-DD); default: the latest counted.")
    ] = None,
    measure: Annotated[str, typer.Option(help="articles or events.")] = "articles",
    spikes: Annotated[bool, typer.Option("--spikes", help="Only the series that spike.")] = False,
    limit: Annotated[int, typer.Option(min=1)] = 30,
    as_json: JsonOpt = False,
) -> None:
    """Daily counts per series against their baseline, most unusual first."""
    if kind not in KINDS:
        raise typer.BadParameter(f"one of {', '.join(KINDS)}", param_hint="--kind")
    if measure not in MEASURES:
        raise typer.BadParameter(" or ".join(MEASURES), param_hint="--measure")
    found = read_indicators(context(), kind, parse_day(day, "--day"), measure)
    found = [r for r in found if r.spike or not spikes][:limit]
    if as_json:
        print_json([reading_json(r) for r in found])
        return
    out.print(indicators_table(found, kind, measure))


def indicators_table(found: list[Reading], kind: str, measure: str) -> Table:
    day = f" on {found[0].day}" if found else ""
    table = Table(title=f"{measure} per {kind}{day}: {len(found)} series")
    table.add_column("series", overflow="fold", min_width=14)
    for column in ("today", "expected", "a day this busy"):
        table.add_column(column, justify="right", no_wrap=column != "a day this busy")
    table.add_column("2 weeks", no_wrap=True, min_width=15)
    table.add_column("spike")
    for r in found:
        rare = f"1 in {r.one_in_days:,.0f} days" if r.one_in_days < 1e9 else "1 in >10⁹ days"
        if len(r.history) < MIN_HISTORY:  # too new to tell: say so rather than alarm
            rare = f"[dim]{rare}; {len(r.history)} days counted[/]"
        table.add_row(
            shown(r.key),
            str(r.observed),
            f"{r.expected:.1f}",
            rare,
            sparkline([*r.history[-14:], r.observed]),
            "[bold red]spike[/]" if r.spike else "",
        )
    return table
