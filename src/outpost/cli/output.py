"""Where the command writes: tables to standard output, notes and progress to standard
error, and one JSON printer (control characters neutralised, see outpost.terminal)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from outpost.terminal import console, dumps

out = console()
err = console(stderr=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def print_json(data: Any) -> None:
    typer.echo(dumps(data))
