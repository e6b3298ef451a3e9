"""`outpost import PATH`: a partner's STIX 2.1 bundle, MISP event, or MISP feed (a folder or
its zip), kept for the organisation of the person of OUTPOST_TOKEN."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from outpost.cli.app import command
from outpost.cli.context import acting
from outpost.cli.output import JsonOpt, err, print_json
from outpost.respond.people import PeopleError
from outpost.services.imports import ImportRefusedError, ImportReport, import_path
from outpost.terminal import shown


@command("import")
def import_cli(
    path: Annotated[
        Path,
        typer.Argument(
            exists=True, help="A STIX bundle .json, a MISP event .json, a MISP feed folder or zip."
        ),
    ],
    as_json: JsonOpt = False,
) -> None:
    """Import what a partner sent, as the person of the API token in OUTPOST_TOKEN.

    Each object keeps its TLP marking, is owned by that person's organisation and records
    where it came from. An object that cannot be read is named and the others land;
    importing the same file again changes nothing. Recorded in the audit log."""
    try:
        report = import_path(acting(), path)
    except (ImportRefusedError, PeopleError) as exc:
        err.print(f"[red]outpost import:[/] {shown(exc)}", soft_wrap=True)
        raise typer.Exit(2) from None
    if as_json:
        print_json(report_json(report))
    else:
        _print(report)
    if report.refused:
        raise typer.Exit(1)


def report_json(report: ImportReport) -> dict[str, object]:
    return {
        "source": report.source,
        "format": report.format,
        "added": report.added,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "refused": [{"id": i, "problem": p} for i, p in report.refused],
        "skipped": list(report.skipped),
    }


def _print(report: ImportReport) -> None:
    err.print(
        f"{report.format} from {shown(report.source)}: {report.added} added, "
        f"{report.updated} updated, {report.unchanged} unchanged, "
        f"{len(report.skipped)} made again from records, {len(report.refused)} refused",
        soft_wrap=True,
    )
    for ident, problem in report.refused:
        err.print(f"[red]refused[/] {shown(ident)}: {shown(problem)}", soft_wrap=True)
